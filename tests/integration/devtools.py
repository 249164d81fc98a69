"""Drive headless Chromium through the DevTools protocol, offline, for pages with a script.

`offline_page` starts Chromium with every host name unresolvable (so no request can leave
the machine) and a DevTools port on 127.0.0.1, attaches to its page over a websocket
(`websockets`, already installed with the pipeline) and records what a person's browser
would show a developer: script errors, console errors, every request and every failed one.
Keys are real key events (Input.dispatchKeyEvent), as a keyboard user sends them.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import subprocess
import time
import urllib.request
from pathlib import Path

from websockets.sync.client import connect

from tests.integration.browser import FLAGS, chromium

KEYS = {
    "Tab": {"code": "Tab", "windowsVirtualKeyCode": 9},
    "Space": {"code": "Space", "windowsVirtualKeyCode": 32, "key": " ", "text": " "},
    "Enter": {"code": "Enter", "windowsVirtualKeyCode": 13, "text": "\r"},
    "ArrowDown": {"code": "ArrowDown", "windowsVirtualKeyCode": 40},
    "ArrowUp": {"code": "ArrowUp", "windowsVirtualKeyCode": 38},
}


class Page:
    def __init__(self, socket):
        self.socket = socket
        self.ids = itertools.count(1)
        self.events: list[dict] = []

    def send(self, method: str, params: dict | None = None, timeout: float = 30) -> dict:
        number = next(self.ids)
        self.socket.send(json.dumps({"id": number, "method": method, "params": params or {}}))
        deadline = time.monotonic() + timeout
        while True:
            message = json.loads(self.socket.recv(timeout=max(0.1, deadline - time.monotonic())))
            if message.get("id") == number:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def wait_for(self, method: str, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events:
                if event.get("method") == method and not event.get("_seen"):
                    event["_seen"] = True
                    return event
            message = json.loads(self.socket.recv(timeout=max(0.1, deadline - time.monotonic())))
            self.events.append(message)

    def pump(self, seconds: float = 0.2) -> None:
        """Collect the events that arrive within `seconds`."""
        with contextlib.suppress(TimeoutError):
            while True:
                self.events.append(json.loads(self.socket.recv(timeout=seconds)))

    def evaluate(self, expression: str):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression[:80]}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def navigate(self, url: str) -> None:
        self.send("Page.navigate", {"url": url})
        self.wait_for("Page.loadEventFired")
        self.pump()

    def key(self, name: str) -> None:
        spec = {"key": name, **KEYS[name]}
        self.send("Input.dispatchKeyEvent", {"type": "keyDown", **spec})
        self.send("Input.dispatchKeyEvent", {"type": "keyUp", **{k: v for k, v in spec.items() if k != "text"}})
        self.pump(0.05)

    def tab_to(self, selector: str, limit: int = 120) -> int:
        """Press Tab until the element matching `selector` has focus; return the presses used."""
        check = f"document.activeElement === document.querySelector({json.dumps(selector)})"
        for presses in range(1, limit + 1):
            self.key("Tab")
            if self.evaluate(check):
                return presses
        raise AssertionError(f"Tab never reached {selector}")

    def problems(self) -> list[str]:
        """Script errors, console errors and failed requests seen so far."""
        found = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                found.append("script error: " + json.dumps(params.get("exceptionDetails", {}))[:300])
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                found.append("console error: " + json.dumps(params.get("args", []))[:300])
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                found.append("log error: " + params["entry"].get("text", "")[:300])
            elif method == "Network.loadingFailed":
                found.append("failed request: " + json.dumps(params)[:300])
        return found

    def requested_urls(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events if e.get("method") == "Network.requestWillBeSent"]


@contextlib.contextmanager
def offline_page(work: Path, width: int = 1200, height: int = 1600):
    profile = work / "profile_devtools"
    args = [
        chromium(),
        *FLAGS,
        f"--user-data-dir={profile}",
        "--remote-debugging-address=127.0.0.1",
        "--remote-debugging-port=0",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        f"--window-size={width},{height}",
        "about:blank",
    ]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file, deadline = profile / "DevToolsActivePort", time.monotonic() + 60
        while not port_file.exists() or not port_file.read_text().strip():
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("Chromium did not open its DevTools port")
            time.sleep(0.1)
        port = port_file.read_text().split()[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as response:
            target = next(t for t in json.load(response) if t["type"] == "page")
        with connect(target["webSocketDebuggerUrl"], max_size=None, open_timeout=30) as socket:
            page = Page(socket)
            for domain in ("Page", "Runtime", "Log", "Network"):
                page.send(f"{domain}.enable")
            yield page
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
