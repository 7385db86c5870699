#!/usr/bin/python3
"""Counts, over a directory of pickles, how many are safe / scorable / unknown by the catalogue's
verdict, and which unknown globals and unscorable reasons remain.

    /usr/bin/python3 scripts/corpus_tiers.py dist/pickle_ext.so DIR [-v]

safe: pickle_info says safe (no unknown global); scorable: safe and model_info says supported;
unsafe: some global is unknown. Nothing is unpickled in Python.
"""
import collections
import json
import os
import sqlite3
import sys


def main():
    so, d = sys.argv[1], sys.argv[2]
    verbose = "-v" in sys.argv[3:]
    con = sqlite3.connect(":memory:")
    con.enable_load_extension(True)
    con.load_extension(os.path.abspath(so))
    count = collections.Counter()
    unknown = collections.Counter()
    reasons = collections.Counter()
    for f in sorted(os.listdir(d)):
        path = os.path.join(d, f)
        if not os.path.isfile(path) or f.endswith((".tsv", ".md", ".txt")):
            continue
        blob = open(path, "rb").read()
        count["files"] += 1
        try:
            info = json.loads(con.execute("SELECT pickle_info(?)", (blob,)).fetchone()[0])
        except sqlite3.Error:
            count["does not decode"] += 1
            continue
        if not info["safe"]:
            count["unsafe"] += 1
            unknown.update(info["unsafe_globals"])
            continue
        count["safe"] += 1
        try:
            mi = json.loads(con.execute("SELECT model_info(?)", (blob,)).fetchone()[0])
        except sqlite3.Error as e:
            count["safe, model_info error"] += 1
            reasons[str(e)[:100]] += 1
            continue
        if mi.get("supported"):
            count["safe, scorable"] += 1
        else:
            count["safe, not scorable"] += 1
            reasons[mi.get("reason", "")[:100]] += 1
    print(json.dumps(count))
    if verbose:
        print("unknown globals:")
        for g, n in unknown.most_common():
            print("  %3d %s" % (n, g))
        print("not scorable:")
        for r, n in reasons.most_common():
            print("  %3d %s" % (n, r))


if __name__ == "__main__":
    main()
