#!/usr/bin/python3
"""check_layers.py - the layer order of ext/core, enforced (`make check-layers`, part of make test).

ext/core has one folder per layer. Their order, bottom up, is the table under "Layer order of
ext/core" in docs/architecture.md, read from there (the line after the marker comment
`<!-- layers: read by scripts/check_layers.py -->` starts the table): one row per folder, its
number and its name (`base`); a file's layer is the folder it sits in. The files include each
other by file name (`#include "pk_vm.h"`, every folder is on the include path), so a name must
find one file.

Fails, naming the files and lines, when
  - a .c or .h file of ext/core sits outside the folders of the table (directly in ext/core, in
    another folder, or one level deeper), or a folder of the table does not exist,
  - two files of ext/core have the same name,
  - a file includes a header of a higher layer, a header that is not in ext/core, or a header by
    a path instead of its file name,
  - the includes form a cycle between modules (pk_x.c and pk_x.h are one module), even inside
    one layer.
A lower layer that needs something a higher one implements declares it in its own header
(pk_vm.h declares the interpretations pk_globals.c implements): that is no include.

Usage: scripts/check_layers.py [ROOT]   (ROOT: the repository, default: this script's parent)
"""
import os
import re
import sys

MARKER = "<!-- layers: read by scripts/check_layers.py -->"
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')
TABLE = "the layers table of docs/architecture.md (\"Layer order of ext/core\")"


def read_layers(doc_path):
    """[folder name], bottom up, from the table after MARKER."""
    with open(doc_path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    try:
        at = lines.index(MARKER)
    except ValueError:
        sys.exit("check-layers: %s has no line %s before the layers table" % (doc_path, MARKER))
    layers = []
    for line in lines[at + 1:]:
        if not line.startswith("|"):
            if layers:
                break
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 2 or not cells[0].isdigit():
            continue  # the header row and its rule
        layers.append(cells[1].strip("`*/ "))
    if not layers:
        sys.exit("check-layers: no layers table after %s in %s" % (MARKER, doc_path))
    return layers


def module(name):
    return name.rsplit(".", 1)[0]


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                           os.path.join(os.path.dirname(__file__), ".."))
    core = os.path.join(root, "ext", "core")
    layers = read_layers(os.path.join(root, "docs", "architecture.md"))
    rank = {}
    errors = []
    for i, name in enumerate(layers):
        if name in rank:
            errors.append("the folder %s is twice in %s" % (name, TABLE))
        rank.setdefault(name, i)
        if not os.path.isdir(os.path.join(core, name)):
            errors.append("ext/core/%s, a folder of %s, does not exist" % (name, TABLE))
    path_of = {}  # file name -> its path under ext/core ("decode/pk_vm.c")
    for top, dirs, names in os.walk(core):
        dirs.sort()
        rel = os.path.relpath(top, core)
        for f in sorted(n for n in names if n.endswith((".c", ".h"))):
            where = f if rel == "." else rel + "/" + f
            if rel not in rank:
                errors.append("ext/core/%s sits outside the layer folders: move it into the "
                              "folder of its layer (%s; a new layer is a new row of %s)"
                              % (where, ", ".join(layers), TABLE))
            elif f in path_of:
                errors.append("ext/core/%s and ext/core/%s have the same name: files include "
                              "each other by file name, so names are unique in ext/core"
                              % (path_of[f], where))
            else:
                path_of[f] = where
    layer_of = {f: p.split("/")[0] for f, p in path_of.items()}
    edges = {}  # module -> {module: "file:line"}
    for f, rel in sorted(path_of.items(), key=lambda kv: kv[1]):
        with open(os.path.join(core, rel), encoding="utf-8", errors="replace") as src:
            for n, line in enumerate(src, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                h = m.group(1)
                where = "ext/core/%s:%d" % (rel, n)
                if "/" in h:
                    errors.append("%s includes \"%s\" by a path: the core includes its headers "
                                  "by file name (every layer folder is on the include path)"
                                  % (where, h))
                    h = os.path.basename(h)
                if h not in path_of:
                    errors.append("%s includes \"%s\", which is not in ext/core (the core uses "
                                  "no other part of the project)" % (where, h))
                    continue
                lf, lh = layer_of[f], layer_of[h]
                if rank[lh] > rank[lf]:
                    errors.append("%s includes %s/%s: layer %s may not use layer %s, which is "
                                  "above it (move the declaration it needs down, to a header of "
                                  "layer %s or below)" % (where, lh, h, lf, lh, lf))
                if module(h) != module(f):
                    edges.setdefault(module(f), {}).setdefault(module(h), where)
    errors += ["include cycle: " + c for c in cycles(edges)]
    if errors:
        for e in errors:
            print("check-layers: " + e)
        sys.exit(1)
    print("check-layers: %d files of ext/core in %d layer folders, no include of a higher layer, "
          "no include cycle" % (len(path_of), len(layers)))


def cycle_text(edges, group):
    """One cycle through the group's first module, each step with the include that makes it."""
    start = min(group)
    prev, todo = {start: None}, [start]
    while todo:  # breadth first, back to start
        v = todo.pop(0)
        for w in sorted(edges.get(v, {})):
            if w == start:
                steps, u = [(v, w)], v
                while prev[u] is not None:
                    steps.append((prev[u], u))
                    u = prev[u]
                steps.reverse()
                return start + "".join(" -> %s (%s)" % (b, edges[a][b]) for a, b in steps)
            if w in group and w not in prev:
                prev[w] = v
                todo.append(w)
    return ", ".join(sorted(group))


def cycles(edges):
    """One line per strongly connected group of modules (Tarjan): a cycle through it."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(cycle_text(edges, set(group)))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


if __name__ == "__main__":
    main()
