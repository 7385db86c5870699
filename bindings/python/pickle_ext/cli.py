"""python -m pickle_ext (also the `pickle-ext` command): the model registry from the shell.

    python -m pickle_ext --db shop.db register churn model.pkl --metrics '{"auc": 0.91}' \
        --alias staging
    python -m pickle_ext --db shop.db import models/*.pkl [--name churn] [--progress]
    python -m pickle_ext --db shop.db list [churn] [--all] [--json]
    python -m pickle_ext --db shop.db alias churn production 3      # set or move
    python -m pickle_ext --db shop.db alias churn production --remove
    python -m pickle_ext --db shop.db history churn [--alias production] [--at '2026-03-01 12:00']
    python -m pickle_ext --db shop.db export churn@production model.pkl   # + model.pkl.json
    python -m pickle_ext --db shop.db register churn model.pkl --allow __main__.Scaler
    python -m pickle_ext report shop.db -o report.html            # one self-contained HTML page

Exit status: 0 on success, 1 on an error (the registry's message is printed on stderr).
"""
import argparse
import hashlib
import json
import os
import sys

from pickle_ext.progress import ProgressBar
from pickle_ext.registry import (RegistryError, alias_at, alias_version, connect, history,
                                 register, register_files, remove_alias, set_alias, verdict,
                                 versions)

def _print_table(rows, cols):
    text = [[("" if r.get(c) is None else
              json.dumps(r[c]) if isinstance(r[c], (dict, list)) else str(r[c])) for c in cols]
            for r in rows]
    widths = [max([len(c)] + [len(t[i]) for t in text]) for i, c in enumerate(cols)]
    print("  ".join(c.ljust(w) for c, w in zip(cols, widths)).rstrip())
    for t in text:
        print("  ".join(v.ljust(w) for v, w in zip(t, widths)).rstrip())


def _cmd_register(conn, a):
    data = sys.stdin.buffer.read() if a.file == "-" else open(a.file, "rb").read()
    tags = dict(t.split("=", 1) for t in a.tag) if a.tag else None
    metrics = json.loads(a.metrics) if a.metrics else None
    v = register(conn, a.name, data, metrics=metrics, description=a.description,
                 source=a.source or (None if a.file == "-" else os.path.basename(a.file)),
                 aliases=a.alias, tags=tags, allow=a.allow)
    print("registered %s version %d (sha256 %s)"
          % (a.name, v, hashlib.sha256(data).hexdigest()))


def _cmd_list(conn, a):
    rows = versions(conn, a.name, include_deleted=a.all)
    if a.json:
        print(json.dumps(rows, indent=2))
        return
    for r in rows:
        r["sha256"] = r["sha256"][:12]
        r["aliases"] = ",".join(r["aliases"])
    cols = ["name", "version", "class", "n_features", "size", "stored_size", "aliases",
            "metrics", "created_at", "sha256"]
    if a.all:
        cols.append("deleted_at")
    _print_table(rows, cols)


def _cmd_alias(conn, a):
    if a.remove:
        remove_alias(conn, a.name, a.alias)
        print("removed %s@%s" % (a.name, a.alias))
        return
    if a.version is None:
        raise RegistryError("give the version to point %s@%s at (or --remove)"
                            % (a.name, a.alias))
    old = alias_version(conn, a.name, a.alias)
    set_alias(conn, a.name, a.alias, a.version)
    if old is not None and old != a.version:
        print("moved %s@%s: version %d -> %d" % (a.name, a.alias, old, a.version))
    else:
        print("%s@%s -> version %d" % (a.name, a.alias, a.version))


def _cmd_history(conn, a):
    if a.at:
        if not a.alias:
            raise RegistryError("--at needs --alias: which alias to look up")
        v = alias_at(conn, a.name, a.alias, a.at)
        print("%s@%s at %s: %s" % (a.name, a.alias, a.at,
                                   "version %d" % v if v is not None else "not set"))
        return
    rows = history(conn, a.name, a.alias)
    for r in rows:
        d = r["detail"] or {}
        if r["event"].startswith("alias_"):
            what = "%s: %s -> %s" % (r["alias"], d.get("old") or "-", d.get("new") or "-")
        elif r["event"] == "registered":
            what = "version %d (%s, sha256 %s)" % (r["version"], d.get("class"),
                                                   (d.get("sha256") or "")[:12])
        elif r["version"] is not None:
            what = "version %d" % r["version"]
        else:
            what = ""
        print("%s  %-13s %s" % (r["at"], r["event"], what))


def _cmd_export(conn, a):
    version, blob, side = verdict(conn, a.ref)
    if not side["safe"]:
        given = set(a.allow or ())
        missing = [g for g in side["unsafe_globals"] if g not in given]
        if missing:
            raise RegistryError("%s version %d is not safe: it names %s, outside the catalogue%s; "
                                "export it only with --allow naming each of them"
                                % (side["name"], version, ", ".join(missing),
                                   " (allowed at registration)" if side["allow"] else ""))
    if a.out == "-":
        sys.stdout.buffer.write(blob)
    else:
        with open(a.out, "wb") as f:
            f.write(blob)
        with open(a.out + ".json", "w") as f:
            json.dump(side, f, indent=2)
            f.write("\n")
        print("wrote %s and %s.json (version %d, %d bytes, sha256 verified)"
              % (a.out, a.out, version, len(blob)))


def _cmd_import(conn, a):
    files = []
    for f in a.files:
        if os.path.isdir(f):
            files += sorted(os.path.join(f, n) for n in os.listdir(f)
                            if n.endswith((".pkl", ".pickle", ".joblib")))
        else:
            files.append(f)
    if not files:
        raise RegistryError("no pickle files to import (a directory is searched for *.pkl, "
                            "*.pickle, *.joblib)")
    show = a.progress or (a.progress is None and sys.stderr.isatty())
    results = register_files(conn, files, name=a.name, aliases=a.alias,
                             progress=ProgressBar(sys.stderr) if show else None)
    failed = [r for r in results if r[3]]
    for path, model, version, error in results:
        if error:
            print("refused %s: %s" % (path, error), file=sys.stderr)
        else:
            print("registered %s version %d from %s" % (model, version, path))
    print("imported %d of %d files" % (len(results) - len(failed), len(results)))
    if failed:
        raise RegistryError("%d file(s) refused" % len(failed))


def _cmd_report(conn, a):
    from pickle_ext.report import write_report
    n = write_report(conn, a.out, title=a.title or os.path.basename(a.db_file))
    print("wrote %s (%d models, %d versions)" % (a.out, n[0], n[1]))


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m pickle_ext",
                                description="The pickle_ext model registry.")
    p.add_argument("--db", default=os.environ.get("PICKLE_REGISTRY_DB"),
                   help="SQLite database (default $PICKLE_REGISTRY_DB)")
    p.add_argument("--ext", help="the extension (default $PICKLE_EXT_SO, else the package's own)")
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("register", help="register a pickle file as a new version")
    r.add_argument("name")
    r.add_argument("file", help="pickle or joblib file ('-': stdin)")
    r.add_argument("--metrics", help="JSON object")
    r.add_argument("--description")
    r.add_argument("--source", help="default: the file name")
    r.add_argument("--alias", action="append", help="point this alias at the new version")
    r.add_argument("--tag", action="append", help="key=value")
    r.add_argument("--allow", action="append", metavar="MODULE.NAME",
                   help="a global outside the catalogue this registration vouches for "
                        "(repeat for each; docs/registry.md, Allowances)")
    r = sub.add_parser("import", help="bulk import: register many pickle files (progress bar)")
    r.add_argument("files", nargs="+", help="pickle/joblib files or directories")
    r.add_argument("--name", help="register every file as a version of this model (default: "
                                  "one model per file, named after it)")
    r.add_argument("--alias", action="append", help="point this alias at each new version")
    r.add_argument("--progress", action="store_true", default=None,
                   help="show the progress bar even when stderr is not a terminal")
    r.add_argument("--no-progress", dest="progress", action="store_false")
    r = sub.add_parser("report", help="write the registry as one self-contained HTML page")
    r.add_argument("db_file", nargs="?", metavar="DB", help="the database (default --db)")
    r.add_argument("-o", "--out", default="report.html", help="output file (default report.html)")
    r.add_argument("--title", help="page title (default: the database's file name)")
    r = sub.add_parser("list", help="list versions")
    r.add_argument("name", nargs="?")
    r.add_argument("--all", action="store_true", help="include deleted versions")
    r.add_argument("--json", action="store_true")
    r = sub.add_parser("alias", help="set, move or remove an alias")
    r.add_argument("name")
    r.add_argument("alias")
    r.add_argument("version", nargs="?", type=int)
    r.add_argument("--remove", action="store_true")
    r = sub.add_parser("history", help="the model's events, or an alias at a point in time")
    r.add_argument("name")
    r.add_argument("--alias")
    r.add_argument("--at", help="time (UTC), e.g. '2026-03-01 12:00': which version the alias "
                                "pointed to then")
    r = sub.add_parser("export", help="write a version's pickle to a file")
    r.add_argument("ref", help="name, name/3, name@alias")
    r.add_argument("out", help="output file ('-': stdout); the verdict goes to OUT.json")
    r.add_argument("--allow", action="append", metavar="MODULE.NAME",
                   help="export an unsafe version: name each of its globals outside the catalogue")
    a = p.parse_args(argv)
    if a.cmd == "report":
        a.db_file = a.db_file or a.db
        a.db = a.db_file
    if not a.db:
        p.error("--db is required (or set PICKLE_REGISTRY_DB)")
    try:
        conn = connect(a.db, a.ext, readonly=a.cmd == "report")
        try:
            {"register": _cmd_register, "list": _cmd_list, "alias": _cmd_alias,
             "history": _cmd_history, "export": _cmd_export, "import": _cmd_import,
             "report": _cmd_report}[a.cmd](conn, a)
        finally:
            conn.close()
    except (RegistryError, OSError, ValueError) as e:
        print("pickle_ext: %s" % e, file=sys.stderr)
        return 1
    return 0

