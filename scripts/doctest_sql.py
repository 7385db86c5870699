#!/usr/bin/env python3
"""doctest_sql.py - runs the SQL examples of README.md and docs/*.md and compares their output.

Convention (docs/contributing.md, "Documentation tests"): a fenced block whose info string starts
with `sql`, followed (blank lines allowed) by a fenced block whose info string is `output`, is a
test. The SQL is fed to the sqlite3 shell (so dot-commands such as `.param set` work) with the
extension loaded, from the repository root (so `readfile('demo/models/...')` works), and what
the shell prints -- stdout and stderr, in order -- must equal the output block.

    ```sql                 a fresh, empty database
    ```sql demo            a copy of the demo registry: the table `customers` (100,000 rows of
                           demo/customers.sql) and model `segments` (version 1 from
                           demo/models/segments_v1.pkl with alias `production`, version 2 from
                           segments_v2.pkl), registered with the clock pinned at
                           2026-03-01T09:00:00.000Z (v1) and 2026-03-02T09:00:00.000Z (v2); the
                           clock stays pinned at 2026-03-03T09:00:00.000Z for the example

Normalisation of the shell's output: "Runtime error near line N: " and "Parse error near line
N: " become "Error: " (line numbers depend on the example's layout, not on the extension);
trailing spaces and trailing empty lines are ignored. Other SQL blocks (no output shown) are not
run.

It also checks that every SQL function the extension registers is named (in backticks) somewhere
in docs/*.md, and that every relative link ([text](file.md#anchor)) leads to an existing file
and, for markdown files, to an existing heading (GitHub's anchor rules).

    PICKLE_EXT_SO=dist/pickle_ext.so  SQLITE3=sqlite3   (overridable)
    doctest_sql.py [FILE.md ...]      (default: README.md docs/*.md)
Exit status 1 when an example's output differs, a function is undocumented or a link is broken.
"""
import difflib
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SO = os.path.abspath(os.path.join(ROOT, os.environ.get("PICKLE_EXT_SO", "dist/pickle_ext.so")))
SQLITE3 = os.environ.get("SQLITE3", "sqlite3")
FENCE = re.compile(r"^(```+)\s*(.*)$")
ERROR_PREFIX = re.compile(r"^(?:Runtime|Parse) error near line \d+: ")

DEMO_SETUP = """
CREATE TEMP TABLE ml_clock(now TEXT);
INSERT INTO ml_clock VALUES ('2026-03-01T09:00:00.000Z');
.once @TMP@/ml_registry.sql
SELECT ml_registry_sql();
.read @TMP@/ml_registry.sql
SELECT ml_registry_init() = 0;
INSERT INTO ml_registry(name, pickle, metrics, description, source, aliases)
VALUES ('segments', readfile('demo/models/segments_v1.pkl'),
        CAST(readfile('demo/models/segments_v1.json') AS TEXT),
        'customer segments from recency, frequency, monetary, age',
        'scripts/train_demo_model.py', '["production"]');
UPDATE temp.ml_clock SET now = '2026-03-02T09:00:00.000Z';
INSERT INTO ml_registry(name, pickle, metrics, description, source)
VALUES ('segments', readfile('demo/models/segments_v2.pkl'),
        CAST(readfile('demo/models/segments_v2.json') AS TEXT),
        'retrained: 5 segments', 'scripts/train_demo_model.py');
"""
DEMO_CLOCK = ("CREATE TEMP TABLE ml_clock(now TEXT);\n"
              "INSERT INTO ml_clock VALUES ('2026-03-03T09:00:00.000Z');\n")


def blocks(path):
    """Yields (info, text, first line, last line) for each fenced block of a markdown file
    (line numbers count from 1; the first is the opening fence, the last the closing one)."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, info, start = m.group(1), m.group(2).strip(), i + 1
        body = []
        i += 1
        while i < len(lines) and not lines[i].startswith(fence):
            body.append(lines[i])
            i += 1
        yield info, "\n".join(body) + "\n", start, i + 1
        i += 1


def cases(path):
    """Yields (sql info, sql text, line, expected output) for each tested example of a file."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    found = list(blocks(path))
    for k, (info, text, line, end) in enumerate(found):
        words = info.split()
        if not words or words[0] != "sql" or k + 1 == len(found):
            continue
        out_info, out_text, out_line, _ = found[k + 1]
        # only blank lines may separate the two blocks
        if out_info != "output" or any(ln.strip() for ln in lines[end:out_line - 1]):
            continue
        yield words[1:], text, line, out_text


def shell(db, sql, load):
    cmd = [SQLITE3, "-batch", "-noheader"]
    if load:
        cmd += ["-cmd", ".load " + SO[:-3] if SO.endswith(".so") else ".load " + SO]
    cmd.append(db)
    r = subprocess.run(cmd, input=sql, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       cwd=ROOT, text=True, timeout=120)
    return r.returncode, r.stdout


def normalise(text):
    lines = [ERROR_PREFIX.sub("Error: ", ln).rstrip() for ln in text.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def make_demo(tmp):
    db = os.path.join(tmp, "demo.db")
    with open(os.path.join(ROOT, "demo", "customers.sql"), encoding="utf-8") as f:
        rc, out = shell(db, f.read(), load=False)
    if rc != 0:
        sys.exit("doctest: demo/customers.sql failed:\n" + out)
    rc, out = shell(db, DEMO_SETUP.replace("@TMP@", tmp), load=True)
    if rc != 0 or out.strip() != "1":
        sys.exit("doctest: building the demo registry failed:\n" + out)
    return db


def registered_functions():
    sql = ("SELECT DISTINCT name FROM pragma_function_list WHERE name LIKE 'pickle%' "
           "OR name LIKE 'model%' OR name LIKE 'ml\\_%' ESCAPE '\\' ORDER BY 1;\n")
    rc, out = shell(":memory:", sql, load=True)
    if rc != 0:
        sys.exit("doctest: cannot list the extension's functions:\n" + out)
    # the table-valued functions are modules, not in pragma_function_list
    return out.split() + ["pickle_each", "pickle_tree"]


LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def anchor(heading):
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to '-'."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(path):
    found = set()
    in_fence = False
    with open(path, encoding="utf-8") as f:
        for ln in f:
            if ln.startswith("```"):
                in_fence = not in_fence
            elif not in_fence and ln.startswith("#"):
                found.add(anchor(ln.lstrip("#")))
    return found


def broken_links(path):
    """Relative links of a markdown file whose target file or heading does not exist."""
    with open(path, encoding="utf-8") as f:
        text = re.sub(r"```.*?```", "", f.read(), flags=re.S)
    bad = []
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target):
            continue
        name, _, frag = target.partition("#")
        dest = os.path.normpath(os.path.join(os.path.dirname(path), name)) if name else path
        if not os.path.exists(dest):
            bad.append(target)
        elif frag and dest.endswith(".md") and frag not in anchors(dest):
            bad.append(target)
    return bad


def main(argv):
    if not os.path.exists(SO):
        sys.exit("doctest: %s is missing: run make" % SO)
    files = argv or [os.path.join(ROOT, "README.md")] + sorted(
        glob.glob(os.path.join(ROOT, "docs", "*.md")))
    failed = passed = 0
    with tempfile.TemporaryDirectory() as tmp:
        demo = None
        for path in files:
            rel = os.path.relpath(path, ROOT)
            for attrs, sql, line, expected in cases(path):
                unknown = [a for a in attrs if a != "demo"]
                if unknown:
                    print("FAIL %s:%d: unknown attribute %s (known: demo)" % (rel, line, unknown))
                    failed += 1
                    continue
                db = os.path.join(tmp, "case.db")
                if os.path.exists(db):
                    os.remove(db)
                if "demo" in attrs:
                    if demo is None:
                        demo = make_demo(tmp)
                    shutil.copyfile(demo, db)
                    sql = DEMO_CLOCK + sql
                load = not re.search(r"^\s*\.load\b", sql, re.M)
                _, out = shell(db, sql, load)
                got, want = normalise(out), normalise(expected)
                if got == want:
                    passed += 1
                    continue
                failed += 1
                print("FAIL %s:%d" % (rel, line))
                sys.stdout.writelines(difflib.unified_diff(
                    [w + "\n" for w in want], [g + "\n" for g in got],
                    "documented", "actual"))
    docs_text = ""
    for path in glob.glob(os.path.join(ROOT, "docs", "*.md")):
        with open(path, encoding="utf-8") as f:
            docs_text += f.read()
    for name in registered_functions():
        if not re.search(r"`%s\b" % re.escape(name), docs_text):
            print("FAIL: SQL function %s is not documented in docs/*.md" % name)
            failed += 1
    for path in files:
        for target in broken_links(path):
            print("FAIL %s: broken link (%s)" % (os.path.relpath(path, ROOT), target))
            failed += 1
    print("doc tests: %d passed, %d failed" % (passed, failed))
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
