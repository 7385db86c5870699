#!/usr/bin/python3
"""check_layers.py - the layer order of ext/core, enforced (`make check-layers`, part of make test).

The layers and the files of each are the table under "Layer order of ext/core" in
docs/architecture.md, read from there (the line after the marker comment
`<!-- layers: read by scripts/check_layers.py -->` starts the table): one row per layer, bottom
up; a name without an extension (`pk_vm`) stands for its .c and .h, a name with one for that
file only. Names of files that do not exist yet may be listed (work arriving from other
branches).

Fails, naming the files and lines, when
  - a .c or .h file of ext/core is in no layer (add it to the table),
  - a file includes a header of a higher layer, or a header that is not in ext/core,
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


def read_layers(doc_path):
    """[(layer name, [file names])], bottom up, from the table after MARKER."""
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
        if len(cells) < 3 or set(cells[0]) <= set("-: ") or not cells[0].isdigit():
            continue  # the header row and its rule
        layers.append((cells[1].strip("*"), re.findall(r"`([^`]+)`", cells[2])))
    if not layers:
        sys.exit("check-layers: no layers table after %s in %s" % (MARKER, doc_path))
    return layers


def module(name):
    return name.rsplit(".", 1)[0]


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                           os.path.join(os.path.dirname(__file__), ".."))
    core = os.path.join(root, "ext", "core")
    doc = os.path.join(root, "docs", "architecture.md")
    layers = read_layers(doc)
    rank, layer_of = {}, {}
    errors = []
    for i, (name, files) in enumerate(layers):
        for f in files:
            for key in ([f + ".c", f + ".h"] if "." not in f else [f]):
                if key in layer_of:
                    errors.append("%s is in two layers of %s: %s and %s"
                                  % (key, doc, layer_of[key][0], name))
                layer_of[key] = (name, i)
    files = sorted(f for f in os.listdir(core) if f.endswith((".c", ".h")))
    for f in files:
        if f not in layer_of:
            errors.append("ext/core/%s is in no layer: add it to the layers table of "
                          "docs/architecture.md (\"Layer order of ext/core\")" % f)
    edges = {}  # module -> {module: "file:line"}
    for f in files:
        with open(os.path.join(core, f), encoding="utf-8", errors="replace") as src:
            for n, line in enumerate(src, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                h = m.group(1)
                where = "ext/core/%s:%d" % (f, n)
                if h not in files:
                    errors.append("%s includes \"%s\", which is not in ext/core (the core uses "
                                  "no other part of the project)" % (where, h))
                    continue
                if f in layer_of and h in layer_of and layer_of[h][1] > layer_of[f][1]:
                    errors.append("%s includes %s: layer %s may not use layer %s, which is above "
                                  "it (move the declaration it needs down, to a header of layer "
                                  "%s or below)" % (where, h, layer_of[f][0], layer_of[h][0],
                                                    layer_of[f][0]))
                if module(h) != module(f):
                    edges.setdefault(module(f), {}).setdefault(module(h), where)
    errors += ["include cycle: " + c for c in cycles(edges)]
    if errors:
        for e in errors:
            print("check-layers: " + e)
        sys.exit(1)
    print("check-layers: %d files of ext/core in %d layers, no include of a higher layer, "
          "no include cycle" % (len(files), len(layers)))


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
