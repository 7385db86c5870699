"""The opcode list of ext/core/base/pk_opcodes.h is Python's: every name, byte and protocol of
pickletools.opcodes, no more, and the per-protocol counts docs/formats.md states.
"""
import collections
import os
import pickletools
import re

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")


def _header_opcodes():
    text = open(os.path.join(ROOT, "ext", "core", "base", "pk_opcodes.h"), encoding="utf-8").read()
    rows = re.findall(r"^\s*X\((\w+),\s*('.'|0x[0-9a-f]{2}),\s*(\d),", text, re.M)
    out = []
    for name, byte, proto in rows:
        code = byte[1] if byte.startswith("'") else chr(int(byte, 16))
        out.append((name, code, int(proto)))
    return out


def test_list_is_pickletools():
    ours = sorted(_header_opcodes())
    python = sorted((op.name, op.code, op.proto) for op in pickletools.opcodes)
    assert ours == python


def test_formats_md_counts():
    counts = collections.Counter(op.proto for op in pickletools.opcodes)
    doc = open(os.path.join(ROOT, "docs", "formats.md"), encoding="utf-8").read()
    want = "implements the %d opcodes of protocols 0–5" % len(pickletools.opcodes)
    assert want in " ".join(doc.split())
    per = "%d from protocol 0, %d from 1, %d from 2, %d from 3, %d from 4 and %d from 5" % tuple(
        counts[p] for p in range(6)
    )
    assert per in " ".join(doc.split())
