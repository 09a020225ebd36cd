"""scripts/bench-web: the web page's weight and speed in headless Chromium (see that script)."""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Tests" / "web"))
sys.path.insert(0, str(ROOT / "Clients" / "python" / "tests"))
import support  # noqa: E402
from webpage import Page  # noqa: E402

RUNS = int(os.environ.get("RUNS", "5"))


async def fill(server: support.Server, token: str, room_id: str, count: int) -> None:
    async with httpx.AsyncClient(base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as http:
        semaphore = asyncio.Semaphore(16)

        async def one(i: int) -> None:
            async with semaphore:
                body = {"content": f"reading round {i}: line 3 pressure nominal, operator check {i % 17}", "client_id": f"bench-{i}"}
                response = await http.post(f"/api/rooms/{room_id}/messages", json=body)
                response.raise_for_status()

        await asyncio.gather(*(one(i) for i in range(count)))


def main() -> None:
    server = support.Server(store="memory", extra_args=["--message-rate", "100000"])
    server.start()
    try:
        token = server.login("alice")
        http = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
        rooms = {}
        for size in (1000, 10000):
            room = http.post("/api/rooms", json={"title": f"Bench {size}", "incident_type": "other", "severity": "low"}).json()
            started = time.monotonic()
            asyncio.run(fill(server, token, room["room_id"], size))
            print(f"filled a room with {size} messages in {time.monotonic() - started:.1f} s", file=sys.stderr)
            rooms[size] = room["room_id"]

        page = Page(server)
        page.sign_in("alice")
        weights = page.js("""return performance.getEntriesByType('resource').concat(performance.getEntriesByType('navigation'))
            .filter(e => /\\.(js|css|html)$/.test(new URL(e.name).pathname) || e.entryType === 'navigation')
            .map(e => [new URL(e.name).pathname, e.decodedBodySize, e.encodedBodySize])""")
        js_css = sum(size for path, size, _ in weights if path.endswith((".js", ".css")))
        print("\nPage weight (uncompressed bytes as loaded):")
        for path, size, _ in sorted(weights):
            print(f"  {path:32s} {size:7d}")
        print(f"  JS + CSS total                   {js_css:7d} ({js_css / 1000:.1f} KB)")

        # Cold loads: the browser cache cleared and disabled, the token already in the browser (a returning user).
        driver = page.driver
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
        rendered, live = [], []
        for _ in range(RUNS):
            driver.execute_cdp_cmd("Network.clearBrowserCache", {})
            driver.get("about:blank")
            driver.get(f"{server.url}/#/room/{rooms[1000]}")
            page.wait(lambda d: page.js("return performance.getEntriesByName('room-live').length") > 0, 30, "room live")
            marks = page.js("return ['room-rendered', 'room-live'].map(n => performance.getEntriesByName(n)[0].startTime)")
            rendered.append(marks[0])
            live.append(marks[1])
        print(f"\nCold load to the first room ({RUNS} runs, ms from navigation start): "
              f"history rendered median {statistics.median(rendered):.0f} (min {min(rendered):.0f}, max {max(rendered):.0f}); "
              f"socket live median {statistics.median(live):.0f} (max {max(live):.0f})")

        # Rendering 1 000 messages at once (the whole room in the DOM, layout included).
        times = []
        for _ in range(RUNS):
            times.append(driver.execute_async_script("""
                const done = arguments[0];
                const view = incidentApp.view;
                (async () => {
                    const all = [];
                    for await (const m of incidentApp.client.messagesAfter(view.roomId, 0, { pageSize: 200 })) all.push(m);
                    const started = performance.now();
                    view.messages.clear();
                    for (const m of all) view.store(m);
                    view.hasMoreBefore = false;
                    view.renderAll();
                    void view.scroller.scrollHeight; // forces the layout
                    const ms = performance.now() - started;
                    done([ms, document.querySelectorAll('.timeline li.message').length]);
                })();"""))
        counts = {count for _, count in times}
        ms = [t for t, _ in times]
        print(f"Render of {counts} messages ({RUNS} runs): median {statistics.median(ms):.0f} ms (min {min(ms):.0f}, max {max(ms):.0f})")

        # A room of 10 000: opens with one page, each scroll to the top loads one more.
        driver.get("about:blank")
        driver.get(f"{server.url}/#/room/{rooms[10000]}")
        page.wait(lambda d: page.js("return performance.getEntriesByName('room-live').length") > 0, 30, "big room live")
        opened = page.js("return document.querySelectorAll('.timeline li.message').length")
        started = time.monotonic()
        for i in range(1, 6):
            page.js("document.querySelector('.scroller').scrollTop = 0")
            page.wait(lambda d: page.js("return document.querySelectorAll('.timeline li.message').length") >= opened + 50 * i, 10, "older page")
        scrolled = page.js("return document.querySelectorAll('.timeline li.message').length")
        print(f"Room of 10 000 messages: {opened} in the page when opened; {scrolled} after 5 scrolls to the top "
              f"({(time.monotonic() - started) * 1000 / 5:.0f} ms a page, each loaded as the top is reached)")
        page.quit()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
