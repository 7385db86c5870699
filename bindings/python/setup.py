"""Builds pickle_ext.so from the C sources and installs it inside the `pickle_ext` package.

The library is a SQLite loadable extension, not a CPython module: it is compiled with the
interpreter's C compiler (CC and CFLAGS are honoured) but named plain `pickle_ext.so` (no ABI tag),
because SQLite derives the entry point, sqlite3_pickleext_init, from the file name.

Sources: csrc/ beside this file when present (an sdist carries a copy made by `setup.py sdist`),
else the repository this directory belongs to (../../ext and ../../sql). The registry schema,
sql/registry.sql, is compiled in as a C string, as the Makefile does with scripts/embed.sh.
"""
import glob
import os
import re
import shutil

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.sdist import sdist

HERE = os.path.dirname(os.path.abspath(__file__))
# The libraries the extension links against (the Makefile's LIBS).
LIBS = ["zstd", "z", "m"]


def src_dirs(root):
    """The source folders: ext/core's layer folders (its files include each other by file name,
    so each is on the include path), ext/model and ext/sql."""
    core = os.path.join(root, "ext", "core")
    return sorted(os.path.join(core, d) for d in os.listdir(core)
                  if os.path.isdir(os.path.join(core, d))) + [
        os.path.join(root, "ext", "model"), os.path.join(root, "ext", "sql")]


def source_root():
    for root in (os.path.join(HERE, "csrc"), os.path.normpath(os.path.join(HERE, "..", ".."))):
        if os.path.isfile(os.path.join(root, "ext", "pickle_ext.c")):
            return root
    raise SystemExit("pickle_ext: the C sources are missing: expected csrc/ext/pickle_ext.c or "
                     "../../ext/pickle_ext.c next to %s" % HERE)


ROOT = source_root()
SRC_DIRS = src_dirs(ROOT)


def version():
    with open(os.path.join(ROOT, "ext", "core", "base", "pk.h")) as f:
        return re.search(r'#define PK_VERSION "([^"]+)"', f.read()).group(1)


def sources():
    found = []
    for d in SRC_DIRS:
        found += sorted(glob.glob(os.path.join(d, "*.c")))
    return found + [os.path.join(ROOT, "ext", "pickle_ext.c")]


def embed_sql(name, src, dst):
    """The C header scripts/embed.sh makes: `static const char name[]` holding src's text."""
    with open(src) as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    out = ["/* generated from %s by setup.py; do not edit */" % os.path.basename(src),
           "static const char %s[] =" % name]
    out += ['    "%s\\n"' % ln.replace("\\", "\\\\").replace('"', '\\"') for ln in lines]
    out.append("    ;")
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    with open(dst, "w") as f:
        f.write("\n".join(out) + "\n")


class BuildLoadable(build_ext):
    """build_ext for a SQLite extension: the generated schema header first, no ABI tag."""

    def get_ext_filename(self, ext_name):
        return os.path.join(*ext_name.split(".")) + ".so"

    def build_extension(self, ext):
        gen = os.path.join(os.path.abspath(self.build_temp), "gen")
        embed_sql("pk_registry_sql", os.path.join(ROOT, "sql", "registry.sql"),
                  os.path.join(gen, "registry_sql.h"))
        ext.include_dirs = [gen] + ext.include_dirs
        # Given here, not to setup(): setuptools refuses absolute paths there, and relative ones
        # (../../ext) would put the objects outside build/.
        ext.sources = sources()
        # Headers, the schema and this file (flags, libraries): a change to any of them rebuilds
        # the library.
        ext.depends = sorted(h for d in SRC_DIRS for h in glob.glob(os.path.join(d, "*.h"))) + [
            os.path.join(ROOT, "sql", "registry.sql"), os.path.abspath(__file__)]
        super().build_extension(ext)


class SdistWithSources(sdist):
    """Copies ext/ and sql/registry.sql into csrc/ so the sdist builds on its own; in a checkout
    the copy is removed afterwards, so later builds there use the repository's current sources."""

    def run(self):
        dst = os.path.join(HERE, "csrc")
        if ROOT == dst:
            super().run()
            return
        shutil.rmtree(dst, ignore_errors=True)
        shutil.copytree(os.path.join(ROOT, "ext"), os.path.join(dst, "ext"),
                        ignore=shutil.ignore_patterns("*.o", "*.so"))
        os.makedirs(os.path.join(dst, "sql"))
        shutil.copy(os.path.join(ROOT, "sql", "registry.sql"), os.path.join(dst, "sql"))
        try:
            super().run()
        finally:
            shutil.rmtree(dst, ignore_errors=True)


setup(
    version=version(),
    ext_modules=[Extension(
        "pickle_ext.pickle_ext",
        sources=[],  # set by BuildLoadable
        include_dirs=SRC_DIRS,
        libraries=LIBS,
        extra_compile_args=["-std=c11", "-D_GNU_SOURCE", "-fvisibility=hidden"],
    )],
    cmdclass={"build_ext": BuildLoadable, "sdist": SdistWithSources},
)
