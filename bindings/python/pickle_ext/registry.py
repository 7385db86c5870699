"""pickle_ext.registry - the pickle_ext model registry from Python (the command line is
`python -m pickle_ext`, see pickle_ext.cli).

Standard library only (sqlite3, hashlib, json): every rule (numbering, immutability, safety checks,
alias history) is enforced by the registry's SQL triggers, so this is a thin client. The extension
is loaded from `ext`, else $PICKLE_EXT_SO, else the library shipped with the package
(pickle_ext.loadable_path()).

    from pickle_ext import registry as reg
    conn = reg.connect("shop.db")
    reg.register(conn, "churn", model, metrics={"auc": 0.91}, aliases=["staging"])
    reg.set_alias(conn, "churn", "production", 3)
    reg.register_files(conn, ["a.pkl", "b.pkl"], progress=print_progress)   # bulk import
"""
import hashlib
import json
import os
import pickle
import sqlite3
import urllib.parse

import pickle_ext
from pickle_ext import safeload


class RegistryError(Exception):
    """An error reported by the registry (its message is the SQL error)."""


def ext_path(ext=None):
    """The extension to load: `ext`, $PICKLE_EXT_SO, or the package's own library."""
    return ext or os.environ.get("PICKLE_EXT_SO") or pickle_ext.loadable_path()


def connect(db, ext=None, init=True, readonly=False):
    """Opens `db` with the extension loaded and (unless init=False) the registry created.
    readonly=True opens an existing database read-only (and implies init=False)."""
    if readonly:
        if not os.path.isfile(db):
            raise RegistryError("no database %s" % db)
        conn = sqlite3.connect("file:%s?mode=ro" % urllib.parse.quote(os.path.abspath(db)),
                               uri=True)
    else:
        conn = sqlite3.connect(db)
    try:
        pickle_ext.load(conn, ext_path(ext))
    except pickle_ext.LoadError as e:
        conn.close()
        raise RegistryError(str(e)) from None
    if init and not readonly:
        try:
            init_schema(conn)
        except sqlite3.Error as e:
            conn.close()
            raise RegistryError(str(e)) from None
    return conn


def init_schema(conn):
    """Creates the registry in conn's main database, or upgrades one made by an earlier version
    of the extension: runs the script that `SELECT ml_registry_sql()` returns (idempotent; one
    savepoint, rolled back when a statement fails). Commits what conn had pending first
    (sqlite3's executescript does)."""
    script = conn.execute("SELECT ml_registry_sql()").fetchone()[0]
    try:
        conn.executescript(script)
    except sqlite3.Error:
        conn.rollback()
        raise


def _run(conn, sql, params=()):
    try:
        with conn:
            return conn.execute(sql, params).fetchall()
    except sqlite3.Error as e:
        raise RegistryError(str(e)) from None


def register(conn, name, model, metrics=None, description=None, source=None, aliases=None,
             tags=None, allow=None):
    """Registers a new version of `name`. `model` is the pickle bytes, or any object (pickled
    here with pickle.dumps). `allow`: the globals outside the catalogue this registration vouches
    for ("module.name" strings; docs/registry.md, Allowances). Returns the version number: a new
    one, or the live version that already holds these bytes (a retried registration makes no
    duplicate; its aliases and tags are set on that version)."""
    blob = model if isinstance(model, (bytes, bytearray, memoryview)) else pickle.dumps(model)
    _run(conn,
         "INSERT INTO ml_registry(name, pickle, metrics, description, source, aliases, tags, allow)"
         " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
         (name, bytes(blob), json.dumps(metrics) if metrics is not None else None, description,
          source, json.dumps(list(aliases)) if aliases else None,
          json.dumps(dict(tags)) if tags else None,
          json.dumps(list(allow)) if allow else None))
    return _run(conn, "SELECT max(version) FROM ml_versions WHERE name = ? AND sha256 = "
                      "pickle_sha256(?) AND deleted_at IS NULL", (name, bytes(blob)))[0][0]


def set_alias(conn, name, alias, version):
    """Points `alias` of model `name` at `version` (sets it, or moves it: both are logged)."""
    _run(conn,
         "INSERT INTO ml_aliases(name, alias, version) VALUES (?, ?, ?) "
         "ON CONFLICT(name, alias) DO UPDATE SET version = excluded.version",
         (name, alias, int(version)))


def alias_version(conn, name, alias):
    """The version `alias` of model `name` points at now, or None."""
    rows = _run(conn, "SELECT version FROM ml_aliases WHERE name = ? AND alias = ?", (name, alias))
    return rows[0][0] if rows else None


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


def _ref_name(ref):
    name = ref[len("models:/"):] if ref.startswith("models:/") else ref
    return name.split("@")[0].split("/")[0]


def verdict(conn, ref):
    """(version, pickle bytes, sidecar dict) of a reference: the bytes as export() gives them and
    what the extension says about them: {"name", "version", "sha256", "size", "safe", "globals":
    [{"global", "tier"}...], "unsafe_globals", "allow"} (allow: the version's recorded allowance,
    or None)."""
    version, blob = export(conn, ref)
    name = _ref_name(ref)
    info = json.loads(_run(conn, "SELECT pickle_info(?)", (blob,))[0][0])
    recorded = allowance(conn, name, version)
    side = {"name": name, "version": version, "sha256": hashlib.sha256(blob).hexdigest(),
            "size": len(blob), "safe": bool(info.get("safe")),
            "globals": [{"global": g, "tier": t}
                        for g, t in zip(info.get("globals") or [], info.get("tiers") or [])],
            "unsafe_globals": info.get("unsafe_globals") or [],
            "allow": recorded or None}
    return version, blob, side


def register_files(conn, files, name=None, metrics=None, aliases=None, progress=None):
    """Bulk import: registers each file in `files` (paths of pickle or joblib files) as a new
    version of `name`, or of the model named after the file (its name without extension) when
    name is None. Each file is its own transaction, so a refused file (unsafe, not a pickle) does
    not undo the others. progress(done, total, path) is called before each file and once at the
    end (path None). Returns [(path, model, version or None, error or None)]."""
    files = list(files)
    results = []
    for i, path in enumerate(files):
        if progress:
            progress(i, len(files), path)
        model = name or os.path.splitext(os.path.basename(path))[0]
        try:
            with open(path, "rb") as f:
                data = f.read()
            v = register(conn, model, data, metrics=metrics, source=os.path.basename(path),
                         aliases=aliases)
            results.append((path, model, v, None))
        except (RegistryError, OSError) as e:
            results.append((path, model, None, str(e)))
    if progress:
        progress(len(files), len(files), None)
    return results


def allowance(conn, name, version):
    """The allowance recorded with a version (a list of 'module.name'), [] when it has none (or the
    registry predates allowances)."""
    cols = [r[1] for r in conn.execute("PRAGMA table_info(ml_versions)")]
    if "allow" not in cols:
        return []
    rows = _run(conn, "SELECT allow FROM ml_versions WHERE name = ? AND version = ?",
                (name, version))
    return json.loads(rows[0][0]) if rows and rows[0][0] else []


def load(conn, ref, allow=()):
    """The Python object of a registry model ('churn', 'churn/3', 'churn@production'), unpickled
    safely: the stored sha256 is checked, the extension's verdict (pickle_info) is taken on the
    bytes, and the restricted unpickler (pickle's, or joblib's for joblib files) admits only the
    catalogue's scorable/safe globals plus the globals named both in `allow` and in the version's
    recorded allowance. Anything else raises (RegistryError) before its module is imported.
    The safe replacement for pickle.loads on registry models."""
    version, blob = export(conn, ref)
    name = _ref_name(ref)
    info_text, data = _run(conn, "SELECT pickle_info(?1), pickle_decompress(?1)", (blob,))[0]
    info = json.loads(info_text)
    recorded = allowance(conn, name, version)
    extra = [g for g in (allow or ()) if g in recorded]
    if extra:
        # the extension checks the allowance again (the forbidden list, every global outside the
        # catalogue covered, no unsafe call): a database edited by hand gains nothing
        _run(conn, "SELECT ml_pickle_meta(?, ?, ?)", (blob, name, json.dumps(extra)))
    try:
        return safeload.loads(bytes(data), info, allow=extra, recorded=recorded)
    except safeload.UnsafeGlobal as e:
        raise RegistryError("%s version %d: %s" % (name, version, e)) from None
