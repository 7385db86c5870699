"""pickle_ext: the SQLite extension that reads pickles without executing them, scores pickled
scikit-learn models in SQL and keeps them in a versioned registry.

    import sqlite3, pickle_ext
    conn = sqlite3.connect("shop.db")
    pickle_ext.load(conn)
    conn.execute("SELECT pickle_ext_version()").fetchone()

The extension library is built from the C sources when the package is installed and lives inside
it (loadable_path()). Python's sqlite3 module must be able to load extensions: check with
hasattr(sqlite3.Connection, "enable_load_extension") (Debian's /usr/bin/python3 can; some
pyenv and macOS builds cannot).
"""
import os

__all__ = ["load", "loadable_path", "LoadError"]

_HERE = os.path.dirname(os.path.abspath(__file__))
# Inside the repository (not installed), the library `make` builds.
_REPO_BUILD = os.path.normpath(os.path.join(_HERE, "..", "..", "..", "dist", "pickle_ext.so"))


class LoadError(Exception):
    """The extension cannot be found or loaded."""


def loadable_path():
    """The path of the extension library shipped with this package (pickle_ext.so), usable by any
    SQLite client: sqlite3's `.load`, conn.load_extension, better-sqlite3's loadExtension."""
    for path in (os.path.join(_HERE, "pickle_ext.so"), _REPO_BUILD):
        if os.path.isfile(path):
            return path
    raise LoadError("pickle_ext: the extension library is missing (expected %s; reinstall the "
                    "package, or run `make` in the repository)"
                    % os.path.join(_HERE, "pickle_ext.so"))


def load(conn, path=None):
    """Loads the extension into the sqlite3.Connection `conn` (path: another build of it, e.g.
    $PICKLE_EXT_SO). Extension loading is switched back off afterwards, so SQL run on the
    connection cannot load libraries itself."""
    if not hasattr(conn, "enable_load_extension"):
        raise LoadError("this Python's sqlite3 module cannot load extensions (it was built without "
                        "them; use one built with them, e.g. Debian's /usr/bin/python3)")
    path = path or loadable_path()
    conn.enable_load_extension(True)
    try:
        conn.load_extension(path)
    except Exception as e:  # sqlite3.OperationalError: the dynamic loader's message
        raise LoadError("pickle_ext: cannot load %s: %s" % (path, e)) from None
    finally:
        conn.enable_load_extension(False)
