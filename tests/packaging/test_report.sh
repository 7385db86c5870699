#!/bin/sh
# test_report.sh - the registry report page in a real browser: builds the demo registry
# (demo_registry.py), runs `python -m pickle_ext report registry.db -o report.html`, opens the page
# in headless Chromium (cdp_check.py, DevTools protocol over a pipe) and checks that it loads with
# no console error, no exception and no blocked or failed load, that the DOM shows every model,
# version, alias and chart of the registry (and the hostile description as text, not markup),
# then saves a full-page screenshot and the page in build/artefacts/. A control page with a
# console error, an exception and an external image proves the checker sees such errors.
#
#   PYTHON=/usr/bin/python3  PICKLE_EXT_SO=dist/pickle_ext.so  CHROMIUM=chromium  (overridable)
set -eu
REPO=$(cd "$(dirname "$0")/../.." && pwd)
PY=${PYTHON:-/usr/bin/python3}
export PICKLE_EXT_SO="${PICKLE_EXT_SO:-$REPO/dist/pickle_ext.so}"
export PYTHONPATH="$REPO/bindings/python"
ART="$REPO/build/artefacts"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "test_report: FAIL: $*" >&2; exit 1; }
[ -f "$PICKLE_EXT_SO" ] || fail "$PICKLE_EXT_SO is missing: run make"
command -v "${CHROMIUM:-chromium}" > /dev/null || fail "chromium is not installed (sh scripts/install-packaging-deps.sh)"
mkdir -p "$ART"

echo "== the checker sees errors (control page)"
cat > "$TMP/control.html" <<'HTML'
<!DOCTYPE html><html><head><title>control</title></head><body>
<img src="file:///nonexistent/pixel.png">
<script>console.error("control error"); undefinedFunction();</script></body></html>
HTML
"$PY" "$REPO/tests/packaging/cdp_check.py" "$TMP/control.html" > "$TMP/control.json" ||
    fail "cdp_check on the control page"
"$PY" - "$TMP/control.json" <<'PYEOF' || fail "the checker missed the control page's errors"
import json, sys
r = json.load(open(sys.argv[1]))
errs = "\n".join(r["errors"])
assert "console.error: control error" in errs, errs
assert "undefinedFunction" in errs, errs
assert "pixel.png" in errs, errs
PYEOF

echo "== python -m pickle_ext report"
"$PY" "$REPO/tests/packaging/demo_registry.py" "$TMP/registry.db"
(cd "$TMP" && "$PY" -m pickle_ext report registry.db -o report.html) > "$TMP/report.out" ||
    fail "report: $(cat "$TMP/report.out")"
grep -q "wrote report.html (2 models, 5 versions)" "$TMP/report.out" || fail "$(cat "$TMP/report.out")"
cp "$TMP/report.html" "$ART/report.html"
# Self-contained: no script, and no attribute pointing outside the file.
if grep -Eiq '<script|(src|href|xlink:href)=["'"'"']?(https?:|//|file:)' "$TMP/report.html"; then
    fail "the page references something outside itself or has a script"
fi

echo "== headless Chromium"
# The expression opens every version's details (for the screenshot) and returns what the page shows.
EVAL='(() => {
  document.querySelectorAll("details").forEach(d => d.open = true);
  const q = (s, r = document) => [...r.querySelectorAll(s)];
  return {
    title: document.title,
    models: q("section.model").map(s => ({
      name: s.dataset.model,
      versions: q("table.versions tbody tr", s).map(r => r.id + ":" + r.className),
      aliases: q(".aliases .alias", s).map(a => a.textContent),
      charts: q("svg.metric > title", s).map(t => t.textContent),
      bars: q("svg.timeline .interval > title", s).map(t => t.textContent),
      safe: q("table.versions .badge.ok", s).length,
      classes: q("table.versions tbody tr td:nth-child(3)", s).map(t => t.textContent),
      details: q("details.version", s).length,
      params: q("pre.params", s).map(p => JSON.parse(p.textContent) !== null).length,
    })),
    scripts: q("script").length,
    text: document.body.innerText,
  };
})()'
"$PY" "$REPO/tests/packaging/cdp_check.py" "$TMP/report.html" --eval "$EVAL" \
    --screenshot "$ART/report.png" > "$TMP/page.json" || fail "cdp_check on the report"
"$PY" - "$TMP/page.json" "$ART/report.png" <<'PYEOF' || fail "the page (see $ART/report.png)"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["errors"] == [], "console errors: %s" % r["errors"]
for w in r["warnings"]:
    print("warning:", w)
v = r["value"]
assert v["title"] == "pickle_ext registry: registry.db", v["title"]
assert v["scripts"] == 0
m = {x["name"]: x for x in v["models"]}
assert sorted(m) == ["churn", "segments"], sorted(m)
churn, seg = m["churn"], m["segments"]
assert churn["versions"] == ["v-churn-1:live", "v-churn-2:deleted", "v-churn-3:live"], churn
assert seg["versions"] == ["v-segments-1:live", "v-segments-2:live"], seg
assert churn["aliases"] == ["@production \u2192 v3"], churn["aliases"]
assert seg["aliases"] == ["@production \u2192 v2"], seg["aliases"]
assert churn["charts"] == ["auc per version", "f1 per version"], churn["charts"]
assert seg["charts"] == ["inertia_per_customer per version", "n_clusters per version",
                         "silhouette per version", "train_rows per version"], seg["charts"]
assert seg["bars"] == [
    "@production = version 1 from 2026-03-01T09:00:00.000Z to 2026-03-10T08:00:00.000Z",
    "@staging = version 2 from 2026-03-08T09:00:00.000Z to 2026-03-10T08:00:00.000Z",
    "@production = version 2 from 2026-03-10T08:00:00.000Z (current)"], seg["bars"]
assert churn["safe"] == 3 and seg["safe"] == 2
assert churn["classes"] == ["LogisticRegression"] * 3 and seg["classes"] == ["Pipeline"] * 2
assert churn["details"] == 3 and churn["params"] == 3 and seg["params"] == 2
text = v["text"]
for want in ['<script>console.error("injected script ran")</script>',
             "recency", "frequency", "monetary", "age",       # segments' features
             "churn stay", "k-means++", "sklearn.cluster._kmeans.KMeans",
             "every global (7) is in the extension's allowlist", "scorable in SQL: predict, transform",
             "alias_moved", "alias_removed", "deleted"]:
    assert want in text, "the page does not show %r" % want
with open(sys.argv[2], "rb") as f:
    png = f.read()
assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 50000, len(png)
print("page OK: 2 models, 5 versions, 6 charts, no console errors; screenshot %d bytes" % len(png))
PYEOF
echo "test_report: OK (artefacts: $ART/report.html, $ART/report.png)"
