#!/usr/bin/python3
"""cdp_check.py - opens a page in headless Chromium and reports what a user's browser would show:
console errors and warnings, uncaught exceptions, blocked or failed loads, the value of a
JavaScript expression evaluated on the loaded DOM, and (optionally) a full-page screenshot.

    cdp_check.py PAGE.html [--eval 'JS expression'] [--screenshot out.png] [--timeout 30]

Talks the DevTools protocol over --remote-debugging-pipe (file descriptors 3 and 4, messages
separated by NUL), so it needs no WebSocket library and no open port. Prints one JSON object:
{"errors": [...], "warnings": [...], "value": <the expression's value>}; exit status 0 when the
page loaded (whatever it logged: the caller judges), 2 when Chromium failed or timed out.
Chromium: $CHROMIUM, else `chromium`.
"""
import argparse
import base64
import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--hide-scrollbars", "--mute-audio", "--window-size=1280,900",
         "--remote-debugging-pipe"]


class Browser:
    def __init__(self, binary, profile, timeout):
        # Chromium's own log goes to a file: an unread pipe could fill up and stall it.
        self.log = tempfile.TemporaryFile()
        self.session = None
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()
        # Chromium reads commands on fd 3 and writes replies and events on fd 4. The child
        # moves both ends above 10 first, so neither is overwritten when it already is 3 or 4.
        def fds():
            r = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 10)
            w = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 10)
            os.dup2(r, 3)
            os.dup2(w, 4)
        self.proc = subprocess.Popen([binary] + FLAGS + ["--user-data-dir=" + profile,
                                                         "about:blank"],
                                     preexec_fn=fds, pass_fds=(3, 4),
                                     stdout=subprocess.DEVNULL, stderr=self.log)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.buf = b""
        self.next_id = 0
        self.events = []
        self.deadline = time.monotonic() + timeout

    def _read_message(self):
        while b"\0" not in self.buf:
            if time.monotonic() > self.deadline:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self.from_chrome, 65536)
            if not chunk:
                self.log.seek(0)
                raise EOFError("Chromium exited: %s"
                               % self.log.read().decode(errors="replace")[-2000:])
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None, session=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.to_chrome, json.dumps(msg).encode() + b"\0")
        while True:
            reply = self._read_message()
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError("%s: %s" % (method, reply["error"]))
                return reply.get("result", {})
            self.events.append(reply)

    def wait_event(self, method, session):
        for i, e in enumerate(self.events):
            if e.get("method") == method and e.get("sessionId") == session:
                return self.events.pop(i)
        while True:
            e = self._read_message()
            if e.get("method") == method and e.get("sessionId") == session:
                return e
            self.events.append(e)

    def drain(self, seconds):
        """Collects events for a moment (messages logged just after the load event)."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.call("Runtime.evaluate", {"expression": "1"}, self.session)
            time.sleep(0.05)

    def close(self):
        try:
            self.call("Browser.close")
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def classify(events):
    errors, warnings = [], []
    for e in events:
        m, p = e.get("method"), e.get("params", {})
        if m == "Runtime.consoleAPICalled":
            text = " ".join(str(a.get("value", a.get("description", "")))
                            for a in p.get("args", []))
            if p.get("type") in ("error", "assert"):
                errors.append("console.%s: %s" % (p["type"], text))
            elif p.get("type") == "warning":
                warnings.append("console.warn: " + text)
        elif m == "Runtime.exceptionThrown":
            d = p.get("exceptionDetails", {})
            errors.append("exception: %s" % (d.get("exception", {}).get("description")
                                             or d.get("text")))
        elif m == "Log.entryAdded":
            entry = p.get("entry", {})
            text = "%s (%s): %s" % (entry.get("source"), entry.get("url", ""), entry.get("text"))
            if entry.get("level") == "error":
                errors.append(text)
            elif entry.get("level") == "warning":
                warnings.append(text)
    return errors, warnings


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("page")
    ap.add_argument("--eval", default="document.title")
    ap.add_argument("--screenshot")
    ap.add_argument("--timeout", type=float, default=30)
    a = ap.parse_args()
    binary = os.environ.get("CHROMIUM") or shutil.which("chromium")
    if not binary:
        print("cdp_check: chromium is not installed (Debian: apt-get install chromium)",
              file=sys.stderr)
        return 2
    profile = tempfile.mkdtemp(prefix="cdp-profile-")
    b = Browser(binary, profile, a.timeout)
    try:
        target = b.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        b.session = b.call("Target.attachToTarget",
                           {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Runtime", "Log", "Page"):
            b.call(domain + ".enable", {}, b.session)
        b.call("Page.navigate", {"url": "file://" + os.path.abspath(a.page)}, b.session)
        b.wait_event("Page.loadEventFired", b.session)
        b.drain(0.5)
        value = b.call("Runtime.evaluate", {"expression": a.eval, "returnByValue": True},
                       b.session)
        if "exceptionDetails" in value:
            raise RuntimeError("--eval failed: %s" % value["exceptionDetails"])
        if a.screenshot:
            size = b.call("Page.getLayoutMetrics", {}, b.session)["cssContentSize"]
            shot = b.call("Page.captureScreenshot",
                          {"format": "png", "captureBeyondViewport": True,
                           "clip": {"x": 0, "y": 0, "width": size["width"],
                                    "height": min(size["height"], 8000), "scale": 1}},
                          b.session)
            with open(a.screenshot, "wb") as f:
                f.write(base64.b64decode(shot["data"]))
        errors, warnings = classify(e for e in b.events if e.get("sessionId") == b.session)
        print(json.dumps({"errors": errors, "warnings": warnings,
                          "value": value["result"].get("value")}, indent=1))
        return 0
    except (TimeoutError, EOFError, RuntimeError, OSError) as e:
        print("cdp_check: %s" % e, file=sys.stderr)
        return 2
    finally:
        b.close()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
