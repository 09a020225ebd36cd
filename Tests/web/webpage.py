"""Driving the web page in real headless Chromium (Selenium + chromedriver) against a real incidentd with the PostgreSQL
store and the S3 server (photos are shown from presigned links). The incidentd process helpers come from the Python
client's test support (Clients/python/tests/support.py), so both suites start the service the same way."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Clients" / "python" / "tests"))
import support  # noqa: E402

SCREENSHOTS = Path(os.environ.get("WEB_SCREENSHOTS", ROOT / ".build" / "web-screenshots"))
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")


class Api:
    """REST calls of one user, for arranging what a test does not exercise through the page."""

    def __init__(self, server: support.Server, username: str) -> None:
        self.token = server.login(username)
        self.http = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {self.token}"}, timeout=15)

    def __call__(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, path, **kwargs)
        assert response.status_code < 400, f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content and "json" in response.headers.get("content-type", "") else response.text

    def room(self, title: str, members: dict[str, str] | None = None, **fields: Any) -> dict[str, Any]:
        room = self("POST", "/api/rooms", json={"title": title, "incident_type": "equipment_failure", "severity": "high", **fields})
        for user_id, role in (members or {}).items():
            self("POST", f"/api/rooms/{room['room_id']}/members", json={"user_id": user_id, "role": role})
        return dict(room)

    def send(self, room_id: str, content: str) -> dict[str, Any]:
        return dict(self("POST", f"/api/rooms/{room_id}/messages", json={"content": content}))

    def messages(self, room_id: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        after = 0
        while True:
            page = self("GET", f"/api/rooms/{room_id}/messages", params={"after_seq": after, "limit": 200})
            out += page["messages"]
            if not page["has_more"] or not page["messages"]:
                return out
            after = page["messages"][-1]["sequence_number"]


class Page:
    """One browser (its own profile: its own localStorage, so its own signed-in user)."""

    def __init__(self, server: support.Server, width: int = 1280, height: int = 900, lang: str = "en-US") -> None:
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         f"--window-size={width},{height}", f"--lang={lang}", "--hide-scrollbars"):
            options.add_argument(argument)
        options.add_experimental_option("prefs", {"intl.accept_languages": lang})
        if width < 500:
            # A headless window is at least 500 px wide: a phone is emulated as DevTools does (touch, mobile viewport).
            options.add_experimental_option("mobileEmulation", {"deviceMetrics": {"width": width, "height": height, "pixelRatio": 2, "touch": True}})
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        os.environ.setdefault("SE_OFFLINE", "true")
        self.driver: WebDriver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
        self.server = server
        self.console: list[dict[str, Any]] = []

    def open(self, hash_: str = "#/") -> None:
        self.driver.get(f"{self.server.url}/{hash_}")

    def sign_in(self, username: str) -> None:
        self.open()
        self.wait(lambda d: d.find_element(By.ID, "signin").is_displayed())
        for css, text in (("#username", username), ("#password", support.PASSWORDS[username] + "\n")):
            self.find(css).clear()
            self.find(css).send_keys(text)
        self.wait(lambda d: d.find_element(By.ID, "rooms").is_displayed())

    def find(self, css: str) -> WebElement:
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def all(self, css: str) -> list[WebElement]:
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def wait(self, condition: Callable[[WebDriver], Any], timeout: float = 10, message: str = "") -> Any:
        try:
            return WebDriverWait(self.driver, timeout, poll_frequency=0.05).until(condition)
        except TimeoutException:
            self.screenshot(f"failed-{int(time.time())}")
            raise AssertionError(f"timed out: {message}\nconsole: {self.logs()}") from None

    def wait_text(self, css: str, text: str, timeout: float = 10) -> WebElement:
        def found(d: WebDriver) -> WebElement | None:
            for node in d.find_elements(By.CSS_SELECTOR, css):
                try:
                    if text in node.text:
                        return node
                except Exception:  # noqa: BLE001 (re-rendered while read)
                    pass
            return None
        return self.wait(found, timeout, f"{text!r} in {css}")

    def js(self, script: str, *args: Any) -> Any:
        return self.driver.execute_script(script, *args)

    def texts(self, css: str) -> list[str]:
        """The text of every element matching `css`, read in one script (elements re-rendered meanwhile cannot go
        stale in the middle)."""
        return list(self.js("return [...document.querySelectorAll(arguments[0])].map(n => n.innerText)", css))

    def timeline_texts(self) -> list[str]:
        return list(self.js("return [...document.querySelectorAll('.timeline li.message')].map(n => n.dataset.seq + ':' + (n.querySelector('.text,.body')?.textContent ?? ''))"))

    def logs(self) -> list[dict[str, Any]]:
        self.console += self.driver.get_log("browser")
        return self.console

    def errors(self) -> list[str]:
        """Console errors and uncaught exceptions, less the 4xx answers tests provoke on purpose."""
        return [e["message"] for e in self.logs() if e["level"] == "SEVERE" and "status of 4" not in e["message"]
                and "status of 503" not in e["message"] and "WebSocket connection" not in e["message"]]

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.driver.save_screenshot(str(path))
        return path

    def quit(self) -> None:
        self.driver.quit()


