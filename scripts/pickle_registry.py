#!/usr/bin/env python3
"""pickle_registry.py - the pickle_ext model registry from the shell or a notebook.

Standard library only (sqlite3, hashlib, json, argparse): every rule (numbering, immutability,
safety checks, alias history) is enforced by the registry's SQL triggers, so this is a thin
client. The extension is loaded from --ext, else $PICKLE_EXT_SO, else dist/pickle_ext.so next to
this script's repository. Python's sqlite3 module must allow loading extensions (Debian's
/usr/bin/python3 does; some pyenv builds do not).

Shell:
    pickle_registry.py --db shop.db register churn model.pkl --metrics '{"auc": 0.91}' --alias staging
    pickle_registry.py --db shop.db list [churn] [--all] [--json]
    pickle_registry.py --db shop.db alias churn production 3      # set or move
    pickle_registry.py --db shop.db alias churn production --remove
    pickle_registry.py --db shop.db history churn [--alias production] [--at '2026-03-01 12:00']
    pickle_registry.py --db shop.db export churn@production model.pkl

Notebook:
    import pickle_registry as reg
    conn = reg.connect("shop.db")
    reg.register(conn, "churn", model, metrics={"auc": 0.91}, aliases=["staging"])
    reg.set_alias(conn, "churn", "production", 3)

Exit status: 0 on success, 1 on an error (the registry's message is printed on stderr).
"""
import argparse
import hashlib
import json
import os
import pickle
import sqlite3
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_EXT = os.path.join(os.path.dirname(HERE), "dist", "pickle_ext.so")


class RegistryError(Exception):
    """An error reported by the registry (its message is the SQL error)."""


def ext_path(ext=None):
    """The extension to load: `ext`, $PICKLE_EXT_SO, or the repository's dist/pickle_ext.so."""
    return ext or os.environ.get("PICKLE_EXT_SO") or DEFAULT_EXT


def connect(db, ext=None, init=True):
    """Opens `db` with the extension loaded and (unless init=False) the registry created."""
    conn = sqlite3.connect(db)
    if not hasattr(conn, "enable_load_extension"):
        raise RegistryError("this Python's sqlite3 module cannot load extensions "
                            "(use a Python built with them, e.g. Debian's /usr/bin/python3)")
    path = ext_path(ext)
    conn.enable_load_extension(True)
    try:
        conn.load_extension(path[:-3] if path.endswith(".so") else path)
    except sqlite3.OperationalError as e:
        raise RegistryError("cannot load the extension %s: %s" % (path, e))
    finally:
        conn.enable_load_extension(False)
    if init:
        with conn:
            conn.execute("SELECT ml_registry_init()")
    return conn


def _run(conn, sql, params=()):
    try:
        with conn:
            return conn.execute(sql, params).fetchall()
    except sqlite3.Error as e:
        raise RegistryError(str(e)) from None


def register(conn, name, model, metrics=None, description=None, source=None, aliases=None,
             tags=None):
    """Registers a new version of `name`. `model` is the pickle bytes, or any object (pickled
    here with pickle.dumps). Returns the new version number."""
    blob = model if isinstance(model, (bytes, bytearray, memoryview)) else pickle.dumps(model)
    _run(conn,
         "INSERT INTO ml_registry(name, pickle, metrics, description, source, aliases, tags) "
         "VALUES (?, ?, ?, ?, ?, ?, ?)",
         (name, bytes(blob), json.dumps(metrics) if metrics is not None else None, description,
          source, json.dumps(list(aliases)) if aliases else None,
          json.dumps(dict(tags)) if tags else None))
    return _run(conn, "SELECT max(version) FROM ml_versions WHERE name = ?", (name,))[0][0]


def set_alias(conn, name, alias, version):
    """Points `alias` of model `name` at `version` (sets it, or moves it: both are logged)."""
    _run(conn,
         "INSERT INTO ml_aliases(name, alias, version) VALUES (?, ?, ?) "
         "ON CONFLICT(name, alias) DO UPDATE SET version = excluded.version",
         (name, alias, int(version)))


def remove_alias(conn, name, alias):
    """Removes an alias (logged). Raises RegistryError when it does not exist."""
    if not _run(conn, "SELECT 1 FROM ml_aliases WHERE name = ? AND alias = ?", (name, alias)):
        raise RegistryError("model '%s' has no alias '%s'" % (name, alias))
    _run(conn, "DELETE FROM ml_aliases WHERE name = ? AND alias = ?", (name, alias))


def versions(conn, name=None, include_deleted=False):
    """Rows of the registry as dicts (live versions; deleted ones too with include_deleted)."""
    if include_deleted:
        sql = ("SELECT v.name, v.version, v.sha256, v.size, v.stored_size, v.class, v.n_features,"
               " v.metrics, v.created_at, v.deleted_at,"
               " ifnull(r.aliases, '[]') AS aliases FROM ml_versions v"
               " LEFT JOIN ml_registry r ON r.name = v.name AND r.version = v.version")
    else:
        sql = ("SELECT v.name, v.version, v.sha256, v.size, v.stored_size, v.class, v.n_features,"
               " v.metrics, v.created_at, NULL AS deleted_at, v.aliases FROM ml_registry v")
    params = ()
    if name:
        sql += " WHERE v.name = ?"
        params = (name,)
    sql += " ORDER BY v.name, v.version"
    cur = conn.execute(sql, params)
    cols = [c[0] for c in cur.description]
    out = []
    for row in cur.fetchall():
        d = dict(zip(cols, row))
        d["metrics"] = json.loads(d["metrics"]) if d["metrics"] else None
        d["aliases"] = json.loads(d["aliases"])
        out.append(d)
    return out


def history(conn, name, alias=None):
    """The model's events, oldest first, as dicts (detail decoded)."""
    sql = "SELECT id, at, name, version, alias, event, detail FROM ml_events WHERE name = ?"
    params = [name]
    if alias:
        sql += " AND alias = ?"
        params.append(alias)
    cur = conn.execute(sql + " ORDER BY id", params)
    cols = [c[0] for c in cur.description]
    rows = [dict(zip(cols, r)) for r in cur.fetchall()]
    for r in rows:
        r["detail"] = json.loads(r["detail"]) if r["detail"] else None
    return rows


def alias_at(conn, name, alias, when):
    """Which version `alias` pointed to at time `when` (any SQLite time string, UTC): an int, or
    None when the alias did not exist then (or had been removed)."""
    rows = _run(conn,
                "SELECT version FROM ml_events WHERE name = ? AND alias = ?"
                " AND at <= strftime('%Y-%m-%dT%H:%M:%fZ', ?) ORDER BY at DESC, id DESC LIMIT 1",
                (name, alias, when))
    return rows[0][0] if rows else None


def export(conn, ref):
    """(version, pickle bytes) of a reference ('churn', 'churn/3', 'churn@production'): the
    bytes as registered (decompressed), checked against the stored sha256."""
    version = _run(conn, "SELECT ml_resolve(?)", (ref,))[0][0]
    name = ref[len("models:/"):] if ref.startswith("models:/") else ref
    name = name.split("@")[0].split("/")[0]
    blob, sha = _run(conn,
                     "SELECT pickle_decompress(pickle), sha256 FROM ml_versions"
                     " WHERE name = ? AND version = ?", (name, version))[0]
    if hashlib.sha256(blob).hexdigest() != sha:
        raise RegistryError("%s version %d: the stored pickle does not match its sha256"
                            % (name, version))
    return version, bytes(blob)


# ---- command line ------------------------------------------------------------------------------

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
                 aliases=a.alias, tags=tags)
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
    old = _run(conn, "SELECT version FROM ml_aliases WHERE name = ? AND alias = ?",
               (a.name, a.alias))
    set_alias(conn, a.name, a.alias, a.version)
    if old and old[0][0] != a.version:
        print("moved %s@%s: version %d -> %d" % (a.name, a.alias, old[0][0], a.version))
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
    version, blob = export(conn, a.ref)
    if a.out == "-":
        sys.stdout.buffer.write(blob)
    else:
        with open(a.out, "wb") as f:
            f.write(blob)
        print("wrote %s (version %d, %d bytes, sha256 verified)" % (a.out, version, len(blob)))


def main(argv=None):
    p = argparse.ArgumentParser(description="The pickle_ext model registry.")
    p.add_argument("--db", default=os.environ.get("PICKLE_REGISTRY_DB"),
                   help="SQLite database (default $PICKLE_REGISTRY_DB)")
    p.add_argument("--ext", help="the extension (default $PICKLE_EXT_SO or dist/pickle_ext.so)")
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("register", help="register a pickle file as a new version")
    r.add_argument("name")
    r.add_argument("file", help="pickle or joblib file ('-': stdin)")
    r.add_argument("--metrics", help="JSON object")
    r.add_argument("--description")
    r.add_argument("--source", help="default: the file name")
    r.add_argument("--alias", action="append", help="point this alias at the new version")
    r.add_argument("--tag", action="append", help="key=value")
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
    r.add_argument("out", help="output file ('-': stdout)")
    a = p.parse_args(argv)
    if not a.db:
        p.error("--db is required (or set PICKLE_REGISTRY_DB)")
    try:
        conn = connect(a.db, a.ext)
        try:
            {"register": _cmd_register, "list": _cmd_list, "alias": _cmd_alias,
             "history": _cmd_history, "export": _cmd_export}[a.cmd](conn, a)
        finally:
            conn.close()
    except (RegistryError, OSError, ValueError) as e:
        print("pickle_registry: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
