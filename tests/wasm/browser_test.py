#!/usr/bin/python3
"""browser_test.py - make wasm-browser-test: the page of dist/wasm in headless Chromium.

    browser_test.py DIST_WASM_DIR ARTEFACT_DIR

Serves DIST_WASM_DIR from a static server on 127.0.0.1 (an ephemeral port), opens the page in
Debian's chromium over the DevTools pipe (tests/packaging/cdp_check.py's Browser), then, as a
user would, chooses files in the page's file inputs:
  1. a safe model (a LogisticRegression fitted on a pandas DataFrame with named features):
     the verdict is "safe", the globals table lists the class with tier "scorable", model_info
     shows the class and feature names, the contents tree opens;
  2. a CSV with the features in another order: the scores table equals scikit-learn's
     predict() for every row, and a CSV download is offered;
  3. an unsafe pickle (os.system): the verdict is "unsafe" naming the global, tier "unknown";
  4. a file that is not a pickle: a clear error, no verdict.
It checks that every request of the page and its worker goes to the local server (no request
leaves the page; external names are also made unresolvable), and that the console shows no
error or warning. Screenshots (desktop and phone width) go to ARTEFACT_DIR. Prints each check
and "N passed, N failed"; exits 1 on any failure.
"""
import base64
import functools
import http.server
import io
import json
import os
import pickle
import shutil
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "packaging"))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import cdp_check  # noqa: E402

RESULTS = []


def check(name, ok, detail=""):
    RESULTS.append(bool(ok))
    print("%s %s%s" % ("ok  " if ok else "FAIL", name, "" if ok else ": %s" % (detail,)))


class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = dict(http.server.SimpleHTTPRequestHandler.extensions_map,
                          **{".wasm": "application/wasm", ".js": "text/javascript"})
    served = []

    def log_message(self, fmt, *args):
        Handler.served.append(self.path)


def serve(directory):
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                            functools.partial(Handler, directory=directory))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


def fixtures(out):
    """(safe model path, CSV path, expected labels, unsafe pickle path, junk path)."""
    import numpy as np
    import pandas as pd
    from sklearn.linear_model import LogisticRegression
    import gen_malicious
    rng = np.random.RandomState(3)
    X = pd.DataFrame(rng.normal(size=(40, 3)), columns=["age", "income", "visits"])
    y = np.where(X["age"] + X["visits"] > 0, "churn", "stay")
    model = LogisticRegression().fit(X, y)
    paths = {}
    paths["safe"] = os.path.join(out, "churn.pkl")
    with open(paths["safe"], "wb") as f:
        pickle.dump(model, f, protocol=4)
    rows = X.iloc[:12][["visits", "age", "income"]]  # another column order: named features
    paths["csv"] = os.path.join(out, "customers.csv")
    rows.to_csv(paths["csv"], index=False, float_format="%.17g")
    expected = list(model.predict(X.iloc[:12]))
    payload = [p for p in gen_malicious.payloads("/nonexistent/marker") if p[0].startswith("os_system")]
    paths["unsafe"] = os.path.join(out, "evil.pkl")
    with open(paths["unsafe"], "wb") as f:
        f.write(payload[0][1])
    unsafe_globals = payload[0][2]
    paths["junk"] = os.path.join(out, "notes.txt")
    with open(paths["junk"], "wb") as f:
        f.write(b"hello, this is not a pickle\n")
    return paths, expected, unsafe_globals


class Page:
    def __init__(self, browser):
        self.b = browser
        self.sessions = []

    def start(self, url):
        b = self.b
        target = b.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        b.session = b.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.enable(b.session)
        # Workers are attached as they start, so their requests and console are seen too.
        b.call("Target.setAutoAttach", {"autoAttach": True, "waitForDebuggerOnStart": True,
                                        "flatten": True}, b.session)
        b.call("Page.enable", {}, b.session)
        b.call("Page.navigate", {"url": url}, b.session)
        self.pump_until(lambda: any(e.get("method") == "Page.loadEventFired" for e in b.events))

    def enable(self, session):
        self.sessions.append(session)
        for domain in ("Runtime", "Log", "Network"):
            self.b.call(domain + ".enable", {}, session)

    def pump(self):
        """Handles worker attachments among the events received so far."""
        for e in list(self.b.events):
            if e.get("method") == "Target.attachedToTarget" and not e.get("_seen"):
                e["_seen"] = True
                s = e["params"]["sessionId"]
                self.enable(s)
                self.b.call("Runtime.runIfWaitingForDebugger", {}, s)

    def eval(self, expr):
        self.pump()
        r = self.b.call("Runtime.evaluate", {"expression": expr, "returnByValue": True,
                                             "awaitPromise": True}, self.b.session)
        if "exceptionDetails" in r:
            raise RuntimeError("evaluate %s: %s" % (expr, r["exceptionDetails"]))
        return r["result"].get("value")

    def pump_until(self, cond, timeout=60):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self.b.call("Runtime.evaluate", {"expression": "1"}, self.b.session)
            self.pump()
            if cond():
                return True
            time.sleep(0.05)
        return False

    def wait_js(self, expr, timeout=60):
        return self.pump_until(lambda: self.eval(expr), timeout)

    def choose(self, selector, path):
        doc = self.b.call("DOM.getDocument", {}, self.b.session)
        node = self.b.call("DOM.querySelector", {"nodeId": doc["root"]["nodeId"],
                                                 "selector": selector}, self.b.session)
        self.b.call("DOM.setFileInputFiles", {"files": [path], "nodeId": node["nodeId"]},
                    self.b.session)

    def screenshot(self, path, width=1280):
        b = self.b
        b.call("Emulation.setDeviceMetricsOverride", {"width": width, "height": 900,
                                                     "deviceScaleFactor": 1,
                                                     "mobile": width < 600}, b.session)
        time.sleep(0.2)
        size = b.call("Page.getLayoutMetrics", {}, b.session)["cssContentSize"]
        shot = b.call("Page.captureScreenshot",
                      {"format": "png", "captureBeyondViewport": True,
                       "clip": {"x": 0, "y": 0, "width": size["width"],
                                "height": min(size["height"], 6000), "scale": 1}}, b.session)
        with open(path, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        return size["width"]


def main(argv):
    dist, art = os.path.abspath(argv[1]), os.path.abspath(argv[2])
    os.makedirs(art, exist_ok=True)
    work = tempfile.mkdtemp(prefix="wasm-browser-")
    paths, expected, unsafe_globals = fixtures(work)
    httpd = serve(dist)
    origin = "http://127.0.0.1:%d" % httpd.server_address[1]
    binary = os.environ.get("CHROMIUM") or shutil.which("chromium")
    if not binary:
        print("browser_test: chromium is not installed (Debian: apt-get install chromium)")
        return 2
    profile = tempfile.mkdtemp(prefix="cdp-profile-")
    cdp_check.FLAGS.append("--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1")
    b = cdp_check.Browser(binary, profile, 240)
    page = Page(b)
    try:
        page.start(origin + "/index.html")
        check("the decoder starts in its worker",
              page.wait_js("document.body.dataset.ready === '1'"), page.eval("document.getElementById('status').textContent"))

        # 1. the safe model
        page.choose("#file", paths["safe"])
        page.wait_js("!document.getElementById('verdict-sec').hidden && "
                     "document.getElementById('verdict').dataset.safe !== undefined")
        v = page.eval("({cls: document.getElementById('verdict').className,"
                      " text: document.getElementById('verdict').textContent,"
                      " globals: [...document.querySelectorAll('#globals tbody tr')].map("
                      "   r => [...r.cells].map(c => c.textContent)),"
                      " model: document.getElementById('model').textContent,"
                      " active: document.activeElement.id})")
        check("safe model: verdict is safe", v["cls"] == "verdict safe" and v["text"].startswith("Safe"), v)
        check("safe model: globals with their tiers",
              ["sklearn.linear_model._logistic.LogisticRegression", "scorable"] in v["globals"]
              and all(t in ("safe", "scorable") for _, t in v["globals"]), v["globals"])
        check("safe model: model_info shows class and feature names",
              "sklearn.linear_model._logistic.LogisticRegression" in v["model"]
              and "age, income, visits" in v["model"], v["model"])
        check("focus moves to the verdict", v["active"] == "verdict", v["active"])
        page.eval("document.querySelector('#tree button').click()")
        ok = page.wait_js("document.querySelectorAll('#tree li li').length > 3")
        keys = page.eval("[...document.querySelectorAll('#tree li li > button .key, #tree li li > .key')]"
                         ".map(k => k.textContent)")
        check("contents tree opens lazily", ok and "coef_" in keys, keys)
        page.eval("[...document.querySelectorAll('#tree li li > button')].find("
                  "b => b.querySelector('.key').textContent === 'classes_').click()")
        ok = page.wait_js("[...document.querySelectorAll('#tree code')].some(c => c.textContent === 'churn')")
        check("tree: a nested array opens to its values", ok)

        # 2. scoring a CSV
        page.choose("#csv", paths["csv"])
        ok = page.wait_js("!!document.getElementById('score-table') || "
                          "document.getElementById('score-status').classList.contains('error-text')")
        s = page.eval("({status: document.getElementById('score-status').textContent,"
                      " head: [...document.querySelectorAll('#score-table th')].map(c => c.textContent),"
                      " rows: [...document.querySelectorAll('#score-table tbody tr')].map("
                      "   r => [...r.cells].map(c => c.textContent)),"
                      " dl: !document.getElementById('download').hidden &&"
                      "     document.getElementById('download').href.startsWith('blob:')})")
        check("CSV scored", ok and s["head"][:3] == ["visits", "age", "income"], s["status"])
        col = s["head"].index("predict") if "predict" in s["head"] else -1
        got = [r[col] for r in s["rows"]] if col >= 0 else []
        check("scores equal scikit-learn's predict for every row", got == expected,
              {"got": got, "want": expected})
        check("predict_proba column present", "predict_proba" in s["head"], s["head"])
        check("scores downloadable as CSV", s["dl"])
        csv = page.eval("fetch(document.getElementById('download').href).then(r => r.text())")
        lines = csv.strip().split("\r\n")
        check("downloaded CSV has a header and one line per row",
              lines[0].startswith("visits,age,income,predict") and len(lines) == 1 + len(expected),
              lines[:2])
        page.screenshot(os.path.join(art, "safe_model_desktop.png"))
        width = page.screenshot(os.path.join(art, "safe_model_phone.png"), width=375)
        check("phone width: no horizontal overflow", width <= 375, width)
        page.screenshot(os.path.join(art, "tmp.png"), width=1280)
        os.remove(os.path.join(art, "tmp.png"))

        # 3. the unsafe pickle
        page.choose("#file", paths["unsafe"])
        page.wait_js("document.getElementById('verdict').classList.contains('unsafe')", 30)
        u = page.eval("({cls: document.getElementById('verdict').className,"
                      " text: document.getElementById('verdict').textContent,"
                      " globals: [...document.querySelectorAll('#globals tbody tr')].map("
                      "   r => [...r.cells].map(c => c.textContent)),"
                      " score: document.getElementById('score-sec').hidden})")
        check("unsafe pickle: verdict is unsafe and names the global",
              u["cls"] == "verdict unsafe" and all(g in u["text"] for g in unsafe_globals), u)
        check("unsafe pickle: its global has tier unknown",
              all([g, "unknown"] in u["globals"] for g in unsafe_globals), u["globals"])
        check("unsafe pickle: no scoring offered", u["score"] is True)
        page.screenshot(os.path.join(art, "unsafe_pickle.png"))

        # 4. not a pickle
        page.choose("#file", paths["junk"])
        page.wait_js("document.getElementById('verdict').classList.contains('error')", 30)
        j = page.eval("document.getElementById('verdict').textContent")
        check("not a pickle: a clear error", j.startswith("Not judged") and "pickle_info:" in j, j)

        # network and console
        reqs = [(e["params"]["request"]["url"]) for e in b.events
                if e.get("method") == "Network.requestWillBeSent"]
        outside = [u for u in reqs if not (u.startswith(origin + "/") or u.startswith("blob:")
                                            or u.startswith("data:"))]
        check("every request stays on the local server (%d requests)" % len(reqs),
              reqs and not outside, outside)
        check("the worker and the module were fetched locally",
              any(u.endswith("/worker.js") for u in reqs)
              and any(u.endswith("/pickle_ext_wasm.wasm") for u in reqs), reqs)
        errors, warnings = cdp_check.classify(e for e in b.events if e.get("sessionId") in page.sessions)
        check("no console errors", not errors, errors)
        check("no console warnings", not warnings, warnings)
    except (TimeoutError, EOFError, RuntimeError, OSError) as e:
        check("browser session", False, e)
    finally:
        b.close()
        httpd.shutdown()
        shutil.rmtree(profile, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)
    passed = sum(RESULTS)
    print("screenshots: %s" % art)
    print("%d passed, %d failed" % (passed, len(RESULTS) - passed))
    return 0 if passed == len(RESULTS) and RESULTS else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
