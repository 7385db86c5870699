"""The registry report: one self-contained HTML page (no scripts, no external resources) with every
model, its versions, aliases and their history as a timeline, numeric metrics per version as
charts, and per version its class, parameters, features, classes, size and safety verdict.

    python -m pickle_ext report shop.db -o report.html
    pickle_ext.report.write_report(conn, "report.html")   # conn: pickle_ext loaded

Everything is read with SQL from the registry's tables (ml_models, ml_versions, ml_aliases,
ml_events, ml_alias_history) and the extension's functions on each stored pickle: pickle_info
(format, globals, the safety verdict) and model_info (kind, scoring support). Nothing is
unpickled in Python. The page's Content-Security-Policy forbids any fetch, so a browser proves
it needs nothing outside the file.
"""
import datetime
import json
import os
import sqlite3
from html import escape

from pickle_ext.report_svg import metric_chart, timeline

_CSS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "report.css")


def _rows(conn, sql, params=()):
    cur = conn.execute(sql, params)
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def _json(text):
    return json.loads(text) if text else None


def _sql_json(conn, fn, name, version):
    """fn(pickle) of one stored version as a dict, or {"error": message} when it fails."""
    try:
        row = conn.execute("SELECT %s(pickle) FROM ml_versions WHERE name = ? AND version = ?"
                           % fn, (name, version)).fetchone()
        return _json(row[0]) or {}
    except sqlite3.Error as e:
        return {"error": str(e)}


def collect(conn):
    """The registry's content as plain data: {"models": [...], "extension": version}."""
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'ml_versions'").fetchone():
        raise ValueError("this database has no registry (no ml_versions table; "
                         "the script of SELECT ml_registry_sql() creates one)")
    models = _rows(conn, "SELECT name, description, created_at, updated_at FROM ml_models"
                         " ORDER BY name")
    for m in models:
        name = m["name"]
        m["versions"] = _rows(conn, """
            SELECT version, sha256, size, stored_size, class, n_features, feature_names, classes,
                   params, metrics, description, source, created_at, deleted_at
              FROM ml_versions WHERE name = ? ORDER BY version""", (name,))
        aliases = _rows(conn, "SELECT alias, version FROM ml_aliases WHERE name = ?"
                              " ORDER BY alias", (name,))
        for v in m["versions"]:
            for k in ("feature_names", "classes", "params", "metrics"):
                v[k] = _json(v[k])
            v["aliases"] = [a["alias"] for a in aliases if a["version"] == v["version"]]
            v["pickle_info"] = _sql_json(conn, "pickle_info", name, v["version"])
            v["model_info"] = _sql_json(conn, "model_info", name, v["version"])
        m["aliases"] = aliases
        m["events"] = _rows(conn, "SELECT id, at, version, alias, event, detail FROM ml_events"
                                  " WHERE name = ? ORDER BY id", (name,))
        for e in m["events"]:
            e["detail"] = _json(e["detail"])
        m["intervals"] = _rows(conn, "SELECT alias, version, valid_from, valid_to"
                                     " FROM ml_alias_history WHERE name = ?"
                                     " ORDER BY alias, valid_from", (name,))
        lanes = []
        for e in m["events"]:
            if e["alias"] and e["alias"] not in lanes:
                lanes.append(e["alias"])
        m["lanes"] = lanes
    ext = conn.execute("SELECT pickle_ext_version()").fetchone()[0]
    return {"models": models, "extension": ext}


# ---- rendering ---------------------------------------------------------------------------------

def _slug(text):
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in text)


def _size(n):
    if n is None:
        return ""
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return ("%d %s" % (n, unit)) if unit == "B" else ("%.1f %s" % (n, unit))
        n /= 1024.0
    return ""


def _list(items, empty="none"):
    if not items:
        return '<span class="muted">%s</span>' % empty
    return " ".join('<code class="chip">%s</code>' % escape(str(x)) for x in items)


def _verdict(v):
    """(css class, short text, long text) of a version's safety verdict from pickle_info."""
    info = v["pickle_info"]
    if "error" in info:
        return "bad", "cannot decode", info["error"]
    if info.get("safe"):
        return ("ok", "safe", "every global (%d) is in the extension's allowlist"
                % len(info.get("globals") or []))
    return ("bad", "unsafe", "globals outside the allowlist: "
            + ", ".join(info.get("unsafe_globals") or []))


def _support(v):
    info = v["model_info"]
    if "error" in info:
        return "bad", info["error"]
    if info.get("supported"):
        return "ok", "scorable in SQL: " + ", ".join(info.get("methods") or [])
    return "warn", "not scorable in SQL: " + (info.get("reason") or "unsupported")


def _numeric_metrics(versions):
    keys = []
    for v in versions:
        for k, x in (v["metrics"] or {}).items():
            if isinstance(x, (int, float)) and not isinstance(x, bool) and k not in keys:
                keys.append(k)
    charts = []
    for k in keys:
        pts = [(v["version"], v["metrics"][k]) for v in versions
               if v["deleted_at"] is None and isinstance((v["metrics"] or {}).get(k), (int, float))
               and not isinstance(v["metrics"][k], bool)]
        charts.append(metric_chart(k, pts))
    return "".join(charts)


def _event_text(e):
    d = e["detail"] or {}
    if e["event"].startswith("alias_"):
        old, new = d.get("old"), d.get("new")
        return "@%s: %s &rarr; %s" % (escape(e["alias"]), "v%d" % old if old else "&ndash;",
                                      "v%d" % new if new else "&ndash;")
    if e["event"] == "registered":
        return "version %d (%s)" % (e["version"], escape(str(d.get("class"))))
    if e["version"] is not None:
        return "version %d" % e["version"]
    return ""


def _version_details(name, v):
    vc, vshort, vlong = _verdict(v)
    sc, stext = _support(v)
    info, mi = v["pickle_info"], v["model_info"]
    params = json.dumps(v["params"], indent=2, sort_keys=False) if v["params"] else "null"
    rows = [
        ("class", "<code>%s</code>" % escape(v["class"] or "?")),
        ("kind", escape(str(mi.get("kind") or "")) + " &middot; "
         + '<span class="%s">%s</span>' % (sc, escape(stext))),
        ("safety", '<span class="badge %s">%s</span> %s' % (vc, vshort, escape(vlong))),
        ("features (%s)" % (v["n_features"] if v["n_features"] is not None else "?"),
         _list(v["feature_names"], "no names recorded")),
        ("classes", _list(v["classes"], "none (not a classifier)")),
        ("size", "%s pickle, %s stored (%s)" % (_size(v["size"]), _size(v["stored_size"]),
                                                escape(str(info.get("compression", "zstd"))))),
        ("format", "%s, protocol %s, scikit-learn %s"
         % (escape(str(info.get("format"))), escape(str(info.get("protocol"))),
            escape(str(mi.get("sklearn_version") or "?")))),
        ("globals", _list(info.get("globals"))),
        ("sha256", "<code>%s</code>" % escape(v["sha256"])),
        ("source", escape(v["source"] or "")),
        ("description", escape(v["description"] or "")),
        ("metrics", "<code>%s</code>" % escape(json.dumps(v["metrics"])) if v["metrics"] else ""),
    ]
    body = "".join('<tr><th>%s</th><td>%s</td></tr>' % (k, val) for k, val in rows)
    return ('<details class="version" id="details-%s-%d"><summary>version %d &middot; %s</summary>'
            '<table class="kv">%s</table><h4>parameters</h4><pre class="params">%s</pre>'
            '</details>' % (_slug(name), v["version"], v["version"], escape(v["class"] or "?"),
                            body, escape(params)))


def _model_section(m):
    name = m["name"]
    live = [v for v in m["versions"] if v["deleted_at"] is None]
    out = ['<section class="model" id="model-%s" data-model="%s">' % (_slug(name), escape(name)),
           '<h2>%s</h2>' % escape(name)]
    if m["description"]:
        out.append('<p>%s</p>' % escape(m["description"]))
    out.append('<p class="muted">%d live version(s), %d deleted &middot; created %s &middot; '
               'updated %s</p>' % (len(live), len(m["versions"]) - len(live),
                                   escape(m["created_at"]), escape(m["updated_at"])))
    out.append('<p class="aliases">aliases: %s</p>' % (
        " ".join('<span class="alias" data-alias="%s">@%s &rarr; v%d</span>'
                 % (escape(a["alias"]), escape(a["alias"]), a["version"]) for a in m["aliases"])
        or '<span class="muted">none</span>'))
    out.append('<h3>Versions</h3><table class="versions"><thead><tr><th>version</th>'
               '<th>created</th><th>class</th><th>features</th><th>classes</th><th>size</th>'
               '<th>safety</th><th>aliases</th><th>metrics</th></tr></thead><tbody>')
    for v in m["versions"]:
        vc, vshort, vlong = _verdict(v)
        metrics = ", ".join("%s=%s" % (escape(k), escape(json.dumps(x)))
                            for k, x in (v["metrics"] or {}).items())
        out.append(
            '<tr class="%s" id="v-%s-%d" data-version="%d"><td>v%d%s</td><td>%s</td>'
            '<td><code>%s</code></td><td>%s</td><td>%s</td><td>%s</td>'
            '<td><span class="badge %s" title="%s">%s</span></td><td>%s</td><td>%s</td></tr>'
            % ("deleted" if v["deleted_at"] else "live", _slug(name), v["version"], v["version"],
               v["version"], " (deleted)" if v["deleted_at"] else "",
               escape(v["created_at"][:19].replace("T", " ")),
               escape((v["class"] or "?").rsplit(".", 1)[-1]),
               v["n_features"] if v["n_features"] is not None else "",
               len(v["classes"]) if v["classes"] else "", _size(v["size"]), vc, escape(vlong),
               vshort, " ".join("@" + escape(a) for a in v["aliases"]), metrics))
    out.append('</tbody></table>')
    charts = _numeric_metrics(m["versions"])
    if charts:
        out.append('<h3>Metrics per version</h3><div class="charts">%s</div>' % charts)
    out.append('<h3>History</h3><div class="scroll">%s</div>'
               % timeline([e for e in m["events"] if e["event"] != "created"], m["lanes"]))
    if m["intervals"]:
        out.append('<table class="alias-history"><thead><tr><th>alias</th><th>version</th>'
                   '<th>from (UTC)</th><th>until (UTC)</th></tr></thead><tbody>')
        for iv in m["intervals"]:
            out.append('<tr><td>@%s</td><td>v%d</td><td>%s</td><td>%s</td></tr>'
                       % (escape(iv["alias"]), iv["version"], escape(iv["valid_from"]),
                          escape(iv["valid_to"]) if iv["valid_to"] else "now"))
        out.append('</tbody></table>')
    out.append('<table class="events"><thead><tr><th>#</th><th>time (UTC)</th><th>event</th>'
               '<th>what</th></tr></thead><tbody>')
    for e in m["events"]:
        out.append('<tr class="ev-%s"><td>%d</td><td>%s</td><td>%s</td><td>%s</td></tr>'
                   % (escape(e["event"]), e["id"], escape(e["at"]), escape(e["event"]),
                      _event_text(e)))
    out.append('</tbody></table><h3>Details</h3>')
    out.extend(_version_details(name, v) for v in m["versions"])
    out.append('</section>')
    return "\n".join(out)


def render(data, title="registry"):
    with open(_CSS) as f:
        css = f.read()
    models = data["models"]
    nver = sum(len(m["versions"]) for m in models)
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    toc = "".join('<li><a href="#model-%s">%s</a> <span class="muted">(%d versions)</span></li>'
                  % (_slug(m["name"]), escape(m["name"]), len(m["versions"])) for m in models)
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        # No fetch of any kind: the page must be complete on its own.
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        'style-src \'unsafe-inline\'; img-src data:">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<link rel="icon" href="data:,">',
        "<title>pickle_ext registry: %s</title>" % escape(title),
        "<style>%s</style></head><body>" % css,
        '<header><h1>Model registry: %s</h1><p class="muted">%d model(s), %d version(s) &middot; '
        'pickle_ext %s &middot; generated %s</p></header>'
        % (escape(title), len(models), nver, escape(data["extension"]), now),
        '<nav><ul>%s</ul></nav>' % toc if models else '<p>The registry is empty.</p>',
        "\n".join(_model_section(m) for m in models),
        "</body></html>",
    ]) + "\n"


def write_report(conn, out, title="registry"):
    """Writes the report of the registry in `conn` (pickle_ext loaded) to the file `out`.
    Returns (models, versions) counted."""
    data = collect(conn)
    html = render(data, title)
    with open(out, "w", encoding="utf-8") as f:
        f.write(html)
    return len(data["models"]), sum(len(m["versions"]) for m in data["models"])
