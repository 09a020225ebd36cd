"""What a person does with the web page, each checked in real headless Chromium against a real incidentd."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import struct
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import httpx
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from webpage import Api, Page, support

ALICE, BOB, CAROL = "alice@example.com", "bob@example.com", "carol@example.com"


def png(path: Path, width: int = 64, height: int = 48) -> Path:
    """A real PNG (an orange square), so the service's magic-byte check and the browser's decoder both accept it."""
    row = b"\x00" + bytes([255, 140, 0]) * width
    raw = row * height
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    return path


def send(page: Page, text: str) -> None:
    box = page.find("#composer-text")
    box.send_keys(text)
    box.send_keys(Keys.ENTER)


def act(page: Page, text: str, label: str, mine: bool = False) -> None:
    """Clicks the action `label` (its text or title) of the newest message containing `text`, as a person does:
    the message gets focus (which shows its actions), then the button is clicked."""
    selector = ".timeline li.message.mine:not(.pending)" if mine else ".timeline li.message"
    node = page.wait_text(selector, text)
    page.js("arguments[0].focus()", node)
    buttons = [b for b in node.find_elements(By.CSS_SELECTOR, ".actions button")
               if b.text == label or b.get_attribute("title") == label]
    assert buttons, f"no {label!r} on the message {text!r}"
    buttons[0].click()


def open_room(page: Page, room_id: str) -> None:
    page.open(f"#/room/{room_id}")
    page.wait(lambda d: page.js("return document.getElementById('conn').dataset.state") == "connected", 15, "connected")


def test_operator_and_maintainer_work_an_incident_together(browser: Callable[..., Page], api: Callable[[str], Api],
                                                           tmp_path: Path) -> None:
    operator = browser()
    maintainer = browser()
    operator.sign_in("alice")
    maintainer.sign_in("bob")

    # The operator opens the incident from the room list.
    operator.find("#new-room").click()
    operator.find("#create-title").send_keys("Press 7 hydraulic leak")
    operator.find("#create-severity option[value=critical]").click()
    operator.find("#create-location").send_keys("Hall B, line 3")
    operator.find("#create-lots").send_keys("LOT-881, LOT-882")
    operator.find("#create-submit").click()
    operator.wait(lambda d: "/room/" in d.current_url, message="the new room opens")
    room_id = operator.driver.current_url.rsplit("/room/", 1)[1].split("/")[0]
    operator.wait_text(".room-name", "Press 7 hydraulic leak")
    assert "Critical" in operator.find(".room-meta").text and "LOT-882" in operator.find(".room-meta").text

    # ... adds the maintainer by searching the directory.
    operator.find("[data-panel=members]").click()
    operator.find("#people-q").send_keys("Bob")
    operator.wait_text(".people li", "Bob Brown").find_element(By.CSS_SELECTOR, "button").click()
    operator.wait_text(".members", "Bob Brown")
    operator.find("[data-panel=members]").click()
    send(operator, "Oil on the floor under press 7, line stopped")

    # The maintainer sees the room with its unread badge, opens it, sees history and who is online.
    maintainer.js("location.hash = '#/'; location.reload()")
    card = maintainer.wait_text(".room-card", "Press 7 hydraulic leak")
    assert card.find_element(By.CSS_SELECTOR, ".badge.unread").text != ""
    card.click()
    maintainer.wait_text(".timeline", "Oil on the floor")
    operator.wait_text(".online-count", "2")

    # Typing shows on the other side; a mention is completed from the members with the keyboard.
    box = maintainer.find("#composer-text")
    box.send_keys("On my way. @Ali")
    operator.wait_text(".typing", "Bob Brown")
    maintainer.wait(lambda d: d.find_element(By.ID, "mention-list").is_displayed(), message="mention list")
    assert "Alice Anderson" in maintainer.find("#mention-list").text
    box.send_keys(Keys.ENTER)  # picks the highlighted person
    assert "@Alice Anderson " in box.get_attribute("value")
    box.send_keys("please isolate the pump")
    box.send_keys(Keys.SHIFT, Keys.ENTER)
    box.send_keys("second line")
    box.send_keys(Keys.ENTER)
    mention = operator.wait_text(".timeline li.message", "please isolate the pump")
    assert "second line" in mention.text
    assert mention.find_element(By.CSS_SELECTOR, ".mention").text == "@Alice Anderson"
    operator.wait(lambda d: d.find_element(By.ID, "bell-count").text not in ("", "0"), message="the bell counts the mention")

    # A photo of the defect, uploaded by picking a file, shows inline (loaded from object storage) on both sides.
    maintainer.find("#composer-text").send_keys("seal is cracked")
    maintainer.find("#file-input").send_keys(str(png(tmp_path / "seal.png")))
    for page in (maintainer, operator):
        image = page.wait(lambda d: d.find_elements(By.CSS_SELECTOR, ".timeline img.photo"), 15, "photo shown")[0]
        page.wait(lambda d: page.js("return arguments[0].complete && arguments[0].naturalWidth", image) == 64, 15, "photo loaded")
    assert "seal is cracked" in operator.find(".timeline li.type-image_ref").text
    (tmp_path / "setup.exe").write_bytes(b"MZ" + bytes(100))
    maintainer.find("#file-input").send_keys(str(tmp_path / "setup.exe"))
    maintainer.wait_text(".toast", "this type of file is not accepted")

    # Readings: posted with the form, a table in the timeline, a chart in the readings panel.
    for value in ("85.5", "91"):
        maintainer.find("[aria-label='Add readings']").click()
        maintainer.find(".reading-name").send_keys("temperature")
        maintainer.find(".reading-value").send_keys(value)
        maintainer.find(".send-readings").click()
        operator.wait_text(".timeline table.readings", value)
    operator.find("[data-panel=readings]").click()
    operator.wait(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".reading-chart svg circle.point")) == 2, message="chart")
    assert operator.find(".reading-chart svg path.series").get_attribute("d").startswith("M")
    operator.find(".reading-filter [aria-label=Minimum]").send_keys("90\n")
    operator.wait(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".reading-chart tbody tr")) == 1, message="range filter")
    assert "91" in operator.find(".reading-chart tbody").text

    # Reactions with counts and who; pins in the Key events strip; read receipts on one's own message.
    act(maintainer, "Oil on the floor", "React with 👍")
    reaction = operator.wait_text(".timeline li.message .reaction", "👍 1")
    assert reaction.get_attribute("title") == "Bob Brown"
    act(maintainer, "Oil on the floor", "React with ✅")
    operator.wait_text(".timeline li.message .reaction", "✅ 1")
    maintainer.wait_text(".timeline li.message .reaction.mine", "✅ 1").click()  # one's own reaction again removes it
    operator.wait(lambda d: all("✅" not in text for text in operator.texts(".reaction")), message="the reaction is removed")
    operator.wait_text(".timeline li.message.mine .seen", "Bob Brown")
    act(operator, "Oil on the floor", "Pin", mine=True)
    maintainer.wait_text(".pins", "Oil on the floor")

    # Edit (own message, within 15 minutes) and delete, seen live by the other.
    act(operator, "Oil on the floor", "Edit", mine=True)
    editor = operator.find(".edit-text")
    editor.send_keys(Keys.END, " (about 2 litres)")
    editor.send_keys(Keys.ENTER)
    edited = maintainer.wait_text(".timeline li.message", "about 2 litres")
    assert "(edited)" in edited.text
    send(operator, "typo message")
    act(operator, "typo message", "Delete", mine=True)
    act(operator, "typo message", "Delete? Click again", mine=True)
    maintainer.wait_text(".timeline li.message.deleted", "Message deleted")
    assert all("typo message" not in text for text in maintainer.texts(".timeline li.message"))

    operator.screenshot("room-desktop")

    # Settings: the title changes for everyone.
    operator.find("[data-panel=settings]").click()
    title = operator.find(".side-body form input")
    title.clear()
    title.send_keys("Press 7 hydraulic leak (seal)\n")
    maintainer.wait_text(".room-name", "Press 7 hydraulic leak (seal)")

    # Resolve with a confirmation; the maintainer's header follows.
    operator.wait(lambda d: d.find_elements(By.CSS_SELECTOR, ".status-actions button"), message="settings redrawn")
    operator.find(".status-actions button").click()
    operator.wait(lambda d: d.find_element(By.XPATH, "//button[text()='Yes, resolve']").is_displayed())
    operator.find(".status-actions .confirm button.primary").click()
    maintainer.wait_text(".room-meta", "Resolved")

    # The report: preview rendered by the page, copy, download as .md.
    operator.find("[data-panel=report]").click()
    report = operator.wait_text(".report", "Incident report")
    assert report.find_element(By.CSS_SELECTOR, "h2").text == "Incident report: Press 7 hydraulic leak (seal)"
    assert "Key events" in report.text and "temperature" in report.text and "seal.png" in report.text
    operator.screenshot("report-desktop")
    operator.driver.execute_cdp_cmd("Browser.grantPermissions", {"permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"], "origin": operator.server.url})
    operator.find(".side-body button").click()
    operator.wait_text(".toast", "Copied")
    copied = operator.driver.execute_async_script("navigator.clipboard.readText().then(arguments[0], e => arguments[0]('ERR ' + e))")
    assert copied.startswith("# Incident report: Press 7 hydraulic leak \\(seal\\)") or copied.startswith("# Incident report: Press 7 hydraulic leak (seal)")
    stored = api("alice")("GET", f"/api/rooms/{room_id}/messages", params={"limit": 200})["messages"]
    assert sum(1 for m in stored if m["content"] == "On my way. @Alice Anderson please isolate the pump\nsecond line") == 1

    # The owner makes the maintainer a viewer: his page stops offering to write, without a reload.
    operator.find("[data-panel=members]").click()
    operator.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "[aria-label='Role of Bob Brown']"), message="member roles")
    operator.find("[aria-label='Role of Bob Brown'] option[value=VIEWER]").click()
    maintainer.wait_text(".notice", "You are a viewer in this room")
    assert operator.errors() == [] and maintainer.errors() == []


def test_a_message_written_during_an_outage_is_sent_once_when_the_service_is_back(
        server: support.Server, browser: Callable[..., Page], api: Callable[[str], Api]) -> None:
    alice = api("alice")
    room = alice.room("Outage drill", members={BOB: "EDITOR"})
    for i in range(3):
        alice.send(room["room_id"], f"before {i}")
    page = browser()
    page.sign_in("bob")
    open_room(page, room["room_id"])
    page.wait_text(".timeline", "before 2")

    server.stop()
    page.wait(lambda d: page.js("return document.getElementById('conn').dataset.state") in ("reconnecting", "offline"), 70,
              "the page sees the socket drop")
    assert "Reconnecting in" in page.find("#conn").text
    send(page, "written while the service was down")
    page.wait_text(".pending-list li.pending", "written while the service was down")
    page.screenshot("room-reconnecting")
    server.start()
    alice = api("alice")  # a new process: the same database, the same secret
    alice.send(room["room_id"], "sent by alice after the restart")
    page.wait_text(".timeline li.message.mine", "written while the service was down", 60)
    page.wait_text(".timeline", "sent by alice after the restart", 30)
    page.wait(lambda d: not page.all(".pending-list li"), message="nothing left pending")

    stored = [m["content"] for m in alice.messages(room["room_id"])]
    assert stored.count("written while the service was down") == 1
    # The page equals one that never left: the same messages, in order, once each.
    fresh = browser()
    fresh.sign_in("bob")
    open_room(fresh, room["room_id"])
    fresh.wait_text(".timeline", "sent by alice after the restart")
    assert page.timeline_texts() == fresh.timeline_texts()


def test_a_pending_message_survives_a_reload_and_is_sent_once(browser: Callable[..., Page], api: Callable[[str], Api]) -> None:
    alice = api("alice")
    room = alice.room("Reload drill", members={BOB: "EDITOR"})
    page = browser()
    page.sign_in("bob")
    open_room(page, room["room_id"])
    # The socket cannot open (the browser is offline), the message waits; the page is reloaded while it waits.
    page.driver.execute_cdp_cmd("Network.enable", {})
    page.driver.execute_cdp_cmd("Network.emulateNetworkConditions", {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
    page.js("incidentApp.view.connection.drop()")
    page.wait(lambda d: page.js("return document.getElementById('conn').dataset.state") != "connected", message="dropped")
    send(page, "kept across a reload")
    page.wait_text(".pending-list", "kept across a reload")
    stored_pending = page.js(f"return localStorage.getItem('pending.{room['room_id']}')")
    assert "kept across a reload" in stored_pending
    page.driver.execute_cdp_cmd("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
    page.driver.refresh()
    page.wait_text(".timeline li.message.mine", "kept across a reload", 20)
    page.driver.refresh()
    page.wait_text(".timeline li.message.mine", "kept across a reload", 20)
    assert [m["content"] for m in alice.messages(room["room_id"])].count("kept across a reload") == 1


def test_a_viewer_reads_but_cannot_write_and_an_archived_room_is_read_only(
        browser: Callable[..., Page], api: Callable[[str], Api]) -> None:
    alice = api("alice")
    room = alice.room("Viewer check", members={CAROL: "VIEWER"})
    alice.send(room["room_id"], "status update for viewers")
    page = browser()
    page.sign_in("carol")
    open_room(page, room["room_id"])
    message = page.wait_text(".timeline li.message", "status update for viewers")
    assert page.find(".notice").text == "You are a viewer in this room: you can read but not write."
    assert not page.find(".composer").is_displayed()
    page.js("arguments[0].focus()", message)
    assert message.find_elements(By.XPATH, ".//button[text()='Pin']") == []
    assert message.find_elements(By.CSS_SELECTOR, ".picker") == []
    assert page.all("[data-panel=settings]")[0].is_displayed() is False

    alice("PATCH", f"/api/rooms/{room['room_id']}", json={"status": "archived"})
    owner = browser()
    owner.sign_in("alice")
    open_room(owner, room["room_id"])
    owner.wait_text(".notice", "This room is archived: it is read-only.")
    assert not owner.find(".composer").is_displayed()


def test_hostile_text_is_shown_as_text_and_runs_nothing(browser: Callable[..., Page], api: Callable[[str], Api]) -> None:
    alice = api("alice")
    hostile = ['<img src=x onerror="window.__pwned=1">', "<script>window.__pwned=2</script>",
               '"><svg onload="window.__pwned=3">', "[link](javascript:window.__pwned=4)", "**bold** <b>raw</b> &amp;"]
    room = alice.room('<img src=x onerror="window.__pwned=5">', members={BOB: "EDITOR"},
                      location="<iframe src=javascript:alert(1)>", lots=["<b>lot</b>"])
    for text in hostile:
        alice.send(room["room_id"], text)
    page = browser()
    page.sign_in("bob")
    page.wait_text(".room-card", "onerror")
    open_room(page, room["room_id"])
    page.wait_text(".timeline", "bold")
    texts = page.texts(".timeline li.message .text")
    assert texts == hostile
    assert page.find(".room-name").text == room["title"]
    # Search highlights are the only HTML taken from the server: the matches are <mark>, the rest text.
    page.find("[data-panel=search]").click()
    page.find("#room-search-q").send_keys("onerror\n")
    hit = page.wait_text(".results .snippet", "onerror")
    assert hit.find_element(By.CSS_SELECTOR, "mark").text == "onerror"
    # The report preview renders Markdown without letting any of it become HTML or a javascript: link.
    page.find("[data-panel=report]").click()
    page.wait_text(".report", "Timeline")
    assert page.js("return [...document.querySelectorAll('.report a')].every(a => !a.href || a.href.startsWith('http'))")
    assert page.js("return document.querySelectorAll('#room img:not(.photo), #room script, #room iframe, #room svg:not(.chart)').length") == 0
    assert page.js("return window.__pwned === undefined")
    assert page.errors() == []


def test_history_loads_upward_and_search_jumps_to_an_old_message(browser: Callable[..., Page], api: Callable[[str], Api]) -> None:
    alice = api("alice")
    room = alice.room("Long shift", members={BOB: "EDITOR"})
    for i in range(1, 261):
        alice.send(room["room_id"], f"log entry {i:03d}" + (" needle" if i == 7 else ""))
    page = browser()
    page.sign_in("bob")
    open_room(page, room["room_id"])
    page.wait_text(".timeline", "log entry 260")
    assert len(page.all(".timeline li.message")) == 50
    page.js("document.querySelector('.scroller').scrollTop = 0")
    page.wait(lambda d: len(page.all(".timeline li.message")) >= 100, message="an older page loads on scrolling up")
    seqs = page.js("return [...document.querySelectorAll('.timeline li.message')].map(n => Number(n.dataset.seq))")
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    # Search across rooms, then jump to the message in its room.
    page.find(".back").click()
    page.find("#global-q").send_keys("needle\n")
    link = page.wait_text("#global-results", "Long shift").find_element(By.CSS_SELECTOR, "a")
    seq = link.get_attribute("data-seq")
    link.click()
    target = page.wait(lambda d: d.find_elements(By.CSS_SELECTOR, f".timeline li.message[data-seq='{seq}']"), 20, "jumped")[0]
    assert "log entry 007 needle" in target.text
    assert page.js("const r = arguments[0].getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight", target)


def test_room_list_filters_pages_and_badges(browser: Callable[..., Page], api: Callable[[str], Api]) -> None:
    alice = api("alice")
    bob = api("bob")
    tag = f"batch{int(time.time() * 1000) % 100000}"
    for i in range(23):
        bob.room(f"{tag} room {i:02d}", severity="critical" if i % 5 == 0 else "low")
    mentioned = alice.room(f"{tag} mention", members={BOB: "EDITOR"})
    alice("POST", f"/api/rooms/{mentioned['room_id']}/messages", json={"content": "@Bob Brown can you check?"})
    page = browser()
    page.sign_in("bob")
    page.find("#filter-q").send_keys(tag)
    page.wait(lambda d: page.find("#page-info").text == "1–20 of 24", message="first page of the search")
    assert len(page.all("#room-list .room-card")) == 20
    # Sorted by activity: the room with the newest message first, with its unread and mention badges.
    first = page.all("#room-list .room-card")[0]
    assert f"{tag} mention" in first.text
    assert first.find_element(By.CSS_SELECTOR, ".badge.mention").text == "@1"
    page.screenshot("rooms-desktop")
    page.find("#page-next").click()
    page.wait(lambda d: page.find("#page-info").text == "21–24 of 24", message="second page")
    page.find("#filter-severity option[value=critical]").click()
    page.wait(lambda d: page.find("#page-info").text == "1–5 of 5", message="critical only")
    page.find("#filter-severity option[value='']").click()
    page.find("#filter-unread").click()
    page.wait(lambda d: len(page.all("#room-list .room-card")) == 1, message="unread only")


def test_signing_out_revokes_the_token_and_an_expired_session_returns_to_sign_in(
        server: support.Server, browser: Callable[..., Page]) -> None:
    page = browser()
    page.sign_in("bob")
    token = page.js("return localStorage.getItem('token')")
    assert httpx.get(f"{server.url}/api/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    page.find("#signout").click()
    page.wait(lambda d: d.find_element(By.ID, "signin").is_displayed(), message="sign-in again")
    assert httpx.get(f"{server.url}/api/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert page.js("return localStorage.getItem('token')") is None

    # A token that ended while the page was closed (here: revoked elsewhere) brings back the sign-in with a reason.
    page.sign_in("bob")
    token = page.js("return localStorage.getItem('token')")
    httpx.post(f"{server.url}/api/auth/logout", headers={"Authorization": f"Bearer {token}"})
    page.driver.refresh()
    page.wait_text("#signin-error", "Your session ended")

    # An expired token: the same claims, signed with the service's secret, that ended two hours ago.
    page.sign_in("bob")
    page.js("localStorage.setItem('token', arguments[0])", expired(page.js("return localStorage.getItem('token')")))
    page.driver.refresh()
    page.wait_text("#signin-error", "Your session ended")
    assert page.js("return localStorage.getItem('token')") is None


def expired(token: str) -> str:
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
    head, body, _ = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["iat"], claims["exp"] = claims["iat"] - 4 * 3600, claims["iat"] - 2 * 3600
    signed = f"{head}.{b64(json.dumps(claims).encode())}"
    signature = hmac.new(support.JWT_SECRET.encode(), signed.encode(), hashlib.sha256).digest()
    return f"{signed}.{b64(signature)}"


def test_traditional_chinese_and_the_time_rule(browser: Callable[..., Page], api: Callable[[str], Api]) -> None:
    page = browser(lang="zh-TW")
    page.open()
    page.wait_text("#signin button[type=submit]", "登入")
    page.sign_in("lin")
    assert page.find("#rooms h2").text == "聊天室"
    assert page.find("#new-room").text == "新增事件"
    page.find("#lang option[value=en]").click()
    page.wait_text("#rooms h2", "Rooms")
    page.find("#lang option[value=zh-TW]").click()
    page.wait_text("#rooms h2", "聊天室")
    # Times are in REPORT_TIMEZONE (Asia/Taipei): "HH:mm" today, "MM/DD HH:mm" before.
    shown = page.driver.execute_async_script("""
        const done = arguments[0];
        import('/format.js').then(({ formatTime }) => done([
            formatTime('2026-03-01T23:30:00Z', 'Asia/Taipei', new Date('2026-03-02T02:00:00Z')),
            formatTime('2026-03-01T15:59:00Z', 'Asia/Taipei', new Date('2026-03-02T02:00:00Z')),
        ]));""")
    assert shown == ["07:30", "03/01 23:59"]
    room = api("lin").room("二號線 溫度異常")
    api("lin").send(room["room_id"], "溫度 85 度，請確認")
    open_room(page, room["room_id"])
    page.wait_text(".timeline", "溫度 85 度")
    assert page.find("#conn").text == "已連線"
    # Room events are written in the page's language from their metadata.
    assert page.wait_text(".timeline li.type-system", "建立了事件").text.startswith("林小明 建立了事件「二號線 溫度異常」")
    page.screenshot("room-zh-TW")


def test_the_page_fits_a_phone(browser: Callable[..., Page], api: Callable[[str], Api], tmp_path: Path) -> None:
    alice = api("alice")
    room = alice.room("Phone layout check: a long title that must wrap on a narrow screen", members={BOB: "EDITOR"},
                      location="Hall C")
    alice.send(room["room_id"], "A long line of text that has to wrap on a 375 pixel wide phone screen without scrolling sideways")
    alice("POST", f"/api/rooms/{room['room_id']}/messages", json={"message_type": "incident_data", "content": {"pressure": 120, "rate": 14.5}})
    page = browser(width=375, height=740)
    page.sign_in("bob")
    page.screenshot("rooms-phone")
    open_room(page, room["room_id"])
    page.wait_text(".timeline", "pressure")
    assert page.js("return document.documentElement.scrollWidth") <= 375
    composer = page.find("#composer-text")
    assert composer.is_displayed() and composer.rect["x"] + composer.rect["width"] <= 375
    send(page, "sent from the phone")
    page.wait_text(".timeline li.message.mine:not(.pending)", "sent from the phone")
    page.screenshot("room-phone")
    page.find("[data-panel=members]").click()
    panel = page.find("#side-panel")
    assert panel.rect["width"] >= 370 and panel.is_displayed()
    page.find("#side-panel .side-head button").click()
    assert not panel.is_displayed()


def test_notifications_bell_lists_and_marks_read(browser: Callable[..., Page], api: Callable[[str], Api]) -> None:
    alice = api("alice")
    page = browser()
    page.sign_in("bob")
    before = int(page.find("#bell-count").text or 0)
    room = alice.room("Bell check", members={BOB: "EDITOR"})
    alice("POST", f"/api/rooms/{room['room_id']}/messages", json={"content": "@Bob Brown the bell should ring"})
    page.wait(lambda d: int(page.find("#bell-count").text or 0) >= before + 2, message="member_added and mention")
    page.find("#bell").click()
    page.wait_text("#notification-list", "Bell check")
    page.find("#pref-sound").click()
    assert page.js("return localStorage.getItem('pref.sound')") == "true"
    # Browser notifications: allowed by the person (the permission granted as their click would), shown while the
    # tab does not have the focus.
    page.driver.execute_cdp_cmd("Browser.grantPermissions", {"permissions": ["notifications"], "origin": page.server.url})
    page.find("#pref-desktop").click()
    page.wait(lambda d: page.js("return localStorage.getItem('pref.desktop')") == "true", message="desktop preference kept")
    page.js("""window.__shown = [];
        const Real = window.Notification;
        window.Notification = class extends Real { constructor(title, options) { super(title, options); window.__shown.push(title); } };
        document.hasFocus = () => false;""")
    alice("POST", f"/api/rooms/{room['room_id']}/messages", json={"content": "@Bob Brown one more thing"})
    page.wait(lambda d: page.js("return window.__shown.length") == 1, message="a browser notification")
    page.find("#mark-all").click()
    page.wait(lambda d: not page.find("#bell-count").is_displayed(), message="all read")
    assert api("bob")("GET", "/api/notifications", params={"unread": "true"})["unread_count"] == 0
    # A plant-wide announcement shows once as a banner (it comes on both sockets when a room is open).
    open_room(page, room["room_id"])
    alice("POST", "/api/announcements", json={"message": "Evacuate hall B <b>now</b>", "severity": "critical"})
    banner = page.wait_text("#announcements .announcement.critical", "Evacuate hall B <b>now</b>")
    assert "Critical notice" in banner.text
    assert len(page.all("#announcements .announcement")) == 1
    banner.find_element(By.CSS_SELECTOR, "button").click()
    assert page.all("#announcements .announcement") == []


def test_a_photo_dropped_on_the_room_is_uploaded_with_progress(browser: Callable[..., Page], api: Callable[[str], Api]) -> None:
    room = api("alice").room("Drop check", members={BOB: "EDITOR"})
    page = browser()
    page.sign_in("bob")
    open_room(page, room["room_id"])
    page.js("""
        const canvas = document.createElement('canvas');
        canvas.width = 40; canvas.height = 30;
        canvas.getContext('2d').fillRect(0, 0, 40, 30);
        canvas.toBlob((blob) => {
            const data = new DataTransfer();
            data.items.add(new File([blob], 'dropped.png', { type: 'image/png' }));
            window.__progress = [];
            new MutationObserver(() => window.__progress.push(document.querySelector('.progress progress')?.value))
                .observe(document.querySelector('.progress'), { subtree: true, attributes: true, childList: true });
            document.getElementById('room').dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
        }, 'image/png');""")
    image = page.wait(lambda d: d.find_elements(By.CSS_SELECTOR, ".timeline img.photo"), 15, "dropped photo shown")[0]
    page.wait(lambda d: page.js("return arguments[0].naturalWidth", image) == 40, 15, "dropped photo loaded")
    assert page.js("return window.__progress.length") > 0
    files = api("bob")("GET", f"/api/rooms/{room['room_id']}/files")["files"]
    assert [f["filename"] for f in files] == ["dropped.png"]


def test_the_keyboard_reaches_every_message_and_its_actions(browser: Callable[..., Page], api: Callable[[str], Api]) -> None:
    alice = api("alice")
    room = alice.room("Keyboard check", members={BOB: "EDITOR"})
    for text in ("first by alice", "second by alice"):
        alice.send(room["room_id"], text)
    page = browser()
    page.sign_in("bob")
    open_room(page, room["room_id"])
    page.wait_text(".timeline", "second by alice")
    page.find(".timeline").send_keys(Keys.ARROW_UP)  # the newest message
    assert "second by alice" in page.js("return document.activeElement.innerText")
    page.driver.switch_to.active_element.send_keys(Keys.ARROW_UP)
    assert "first by alice" in page.js("return document.activeElement.innerText")
    page.driver.switch_to.active_element.send_keys(Keys.TAB)  # into its actions: the first quick reaction
    assert page.js("return document.activeElement.title") == "React with 👍"
    page.driver.switch_to.active_element.send_keys(Keys.ENTER)
    page.wait_text(".timeline li.message .reaction", "👍 1")
    assert [m["reactions"] for m in alice.messages(room["room_id"]) if m["content"] == "first by alice"][0][0]["emoji"] == "👍"


def test_every_control_has_a_name_a_screen_reader_can_say(browser: Callable[..., Page], api: Callable[[str], Api]) -> None:
    alice = api("alice")
    room = alice.room("Labels check", members={BOB: "EDITOR"})
    alice.send(room["room_id"], "a message with actions")
    page = browser()
    page.sign_in("alice")
    unnamed_script = """
        const named = (n) => (n.getAttribute('aria-label') || n.getAttribute('title') || '').trim() !== ''
            || (n.labels && n.labels.length > 0) || (n.tagName === 'BUTTON' && n.textContent.trim() !== '');
        return [...document.querySelectorAll('button, input, select, textarea, [role=button]')]
            .filter((n) => n.getClientRects().length > 0 && n.type !== 'hidden' && !named(n))
            .map((n) => n.outerHTML.slice(0, 120));"""
    assert page.js(unnamed_script) == []
    page.find("#bell").click()
    assert page.js(unnamed_script) == []
    page.find("#bell").click()
    open_room(page, room["room_id"])
    act(page, "a message with actions", "Copy")
    page.find("[aria-label='Add readings']").click()
    assert page.js(unnamed_script) == []
    for panel in ("members", "readings", "search", "report", "settings"):
        page.find(f"[data-panel={panel}]").click()
        page.wait(lambda d: page.js("return document.getElementById('side-panel').dataset.panel") == panel, message=panel)
        assert page.js(unnamed_script) == [], panel
