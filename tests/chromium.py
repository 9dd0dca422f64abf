"""Load a page in headless Chromium (Debian's `chromium`) and report what it loaded, over the DevTools protocol.

Chromium is started with `--remote-debugging-pipe` (the protocol on file descriptors 3 and 4, JSON messages ended
by a NUL byte: no socket, no extra package) and with every host name resolved to nothing and a dead proxy, so a
page that tried the network could not reach it; the protocol's Network events list every request the page made
all the same. `page_images(url)` returns each <img> with whether it decoded, and every URL requested.

`.ci/run` installs chromium; MASKGEN_REQUIRE_CHROMIUM=1 turns a missing browser into a failure instead of a skip.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field

import pytest

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
OFFLINE = ("--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>")
"""Flags that leave the browser without a network: no name resolves, every request goes to a closed port."""


def chromium() -> str:
    """The headless browser's executable; skips the test when there is none (fails with MASKGEN_REQUIRE_CHROMIUM)."""
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("MASKGEN_REQUIRE_CHROMIUM") == "1":
        pytest.fail("chromium is required (MASKGEN_REQUIRE_CHROMIUM=1) but not installed")
    pytest.skip("chromium is not installed (Debian: apt-get install chromium)")


@dataclass
class Loaded:
    """What a page loaded: its images (alt, decoded, natural width, height, source scheme) and every request."""

    images: list[dict] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


class _Pipe:
    """The DevTools protocol over Chromium's debugging pipe."""

    def __init__(self, proc: subprocess.Popen, write_fd: int, read_fd: int) -> None:
        self.proc, self.w, self.r = proc, write_fd, read_fd
        self.next_id = 0
        self.buffer = b""
        self.events: list[dict] = []

    def send(self, method: str, params: dict | None = None, session: str | None = None, timeout: float = 30) -> dict:
        """Send one command and wait for its answer (events that arrive meanwhile are kept)."""
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = self.read(deadline)
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m.get("result", {})
            self.events.append(m)
        raise TimeoutError(method)

    def read(self, deadline: float) -> dict:
        """The next message from the browser."""
        import select

        while b"\0" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.r], [], [], left)[0]:
                raise TimeoutError("no answer from chromium")
            chunk = os.read(self.r, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the debugging pipe")
            self.buffer += chunk
        raw, _, self.buffer = self.buffer.partition(b"\0")
        return json.loads(raw)

    def wait_event(self, method: str, timeout: float = 30) -> dict:
        """Wait until an event of this method has arrived."""
        deadline = time.monotonic() + timeout
        while True:
            for e in self.events:
                if e.get("method") == method:
                    return e
            self.events.append(self.read(deadline))


def page_images(url: str, width: int = 1280, height: int = 900, settle: float = 0.5) -> Loaded:
    """Open url in headless Chromium without a network; every <img> (decoded or not) and every request made."""
    exe = chromium()
    to_child_r, to_child_w = os.pipe()
    from_child_r, from_child_w = os.pipe()
    os.set_inheritable(to_child_r, True)
    os.set_inheritable(from_child_w, True)
    with tempfile.TemporaryDirectory(prefix="maskgen-chromium-") as profile:
        argv = [exe, "--headless", "--remote-debugging-pipe", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-default-apps", "--disable-extensions", f"--user-data-dir={profile}",
                f"--window-size={width},{height}", *OFFLINE, "about:blank"]

        def fds() -> None:   # the protocol's fixed descriptors: the browser reads 3 and writes 4
            a = fcntl.fcntl(to_child_r, fcntl.F_DUPFD, 10)
            b = fcntl.fcntl(from_child_w, fcntl.F_DUPFD, 10)
            for fd, at in ((a, 3), (b, 4)):
                os.dup2(fd, at)
                os.set_inheritable(at, True)

        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=fds,
                                close_fds=False)
        os.close(to_child_r)
        os.close(from_child_w)
        cdp = _Pipe(proc, to_child_w, from_child_r)
        try:
            target = cdp.send("Target.createTarget", {"url": "about:blank"})["targetId"]
            session = cdp.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            cdp.send("Network.enable", session=session)
            cdp.send("Page.enable", session=session)
            cdp.events.clear()
            cdp.send("Page.navigate", {"url": url}, session=session)
            cdp.wait_event("Page.loadEventFired")
            time.sleep(settle)
            found = cdp.send("Runtime.evaluate", {"returnByValue": True, "expression": (
                "JSON.stringify(Array.from(document.images).map(i => ({alt: i.alt, complete: i.complete, "
                "width: i.naturalWidth, height: i.naturalHeight, scheme: i.currentSrc.split(':')[0]})))")},
                session=session)
            images = json.loads(found["result"]["value"])
            cdp.send("Browser.close")
        finally:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            os.close(to_child_w)
            os.close(from_child_r)
    loaded = Loaded(images=images)
    for e in cdp.events:
        if e.get("method") == "Network.requestWillBeSent":
            loaded.requests.append(e["params"]["request"]["url"])
        elif e.get("method") == "Network.loadingFailed":
            loaded.failed.append(e["params"].get("errorText", ""))
    return loaded


def assert_page_loads_offline(path) -> Loaded:
    """A local HTML page whose every image decodes and which requests nothing but itself and data: URIs."""
    url = path.resolve().as_uri()
    loaded = page_images(url)
    assert loaded.images, f"{path}: no images"
    broken = [i for i in loaded.images if not (i["complete"] and i["width"] > 0 and i["height"] > 0)]
    assert not broken, f"{path}: images that did not load: {broken}"
    assert all(i["scheme"] == "data" for i in loaded.images), loaded.images
    outside = [u for u in loaded.requests if u != url and not u.startswith("data:")]
    assert not outside, f"{path}: requests beyond the page: {outside}"
    assert url in loaded.requests and not loaded.failed, (loaded.requests, loaded.failed)
    return loaded
