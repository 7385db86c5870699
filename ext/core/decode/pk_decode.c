/*
 * pk_decode.c - the decoding entry point (pk_doc_decode, pk_doc_ambiguous of pk_doc.h):
 * container detection, inflating, running the unpickler, the plain reading of joblib streams.
 *
 * Memory: the arena budget is limits.alloc_factor * stream size + alloc_slack, so the graph of
 * any input costs at most a small multiple of its size. Inflated streams are capped by
 * limits.max_inflate before a byte is produced past it.
 */
#include "pk_doc.h"

#include "pk_inflate.h"
#include "pk_native.h"
#include "pk_scan.h"
#include "pk_vm.h"

#include <string.h>

/* Inflates (*buf, *len) in place when it starts with a known container magic. */
static pk_code unwrap(pk_doc *doc, const uint8_t **buf, size_t *len, pk_compression *kind,
                      uint8_t **owned, pk_err *err) {
    *kind = pk_detect_compression(*buf, *len);
    if (*kind == PK_COMP_NONE) return PK_OK;
    uint8_t *out = NULL;
    size_t out_len = 0;
    pk_code c =
        pk_inflate(doc->alloc, *kind, *buf, *len, doc->limits.max_inflate, &out, &out_len, err);
    if (c) return c;
    *owned = out;
    *buf = out;
    *len = out_len;
    return PK_OK;
}

/* The arena budget of a stream of n bytes: alloc_factor * n + alloc_slack, at most max_alloc. */
static size_t stream_budget(const pk_limits *l, size_t n) {
    size_t budget;
    if (pk_mul_overflow(n, l->alloc_factor, &budget) ||
        pk_add_overflow(budget, (size_t)l->alloc_slack, &budget))
        budget = SIZE_MAX;
    if (l->max_alloc && budget > l->max_alloc) budget = (size_t)l->max_alloc;
    return budget;
}

/* Does buf[0..len), a compressed container, also decode as a pickle read from its first byte
 * (what pickle.loads would do with the same bytes)? Failures that a Python loader might not
 * share (limits, features this decoder does not support) count as decoding. Compressed data
 * almost always fails at its first bytes: the zstd magic starts MARK then an unknown opcode,
 * the other magics are no opcode at all; only skippable frames (0x50..0x5F = PERSID, REDUCE,
 * SHORT_BINSTRING, ...) and bz2's BINBYTES can start a real pickle. */
static int also_a_pickle(const pk_alloc *alloc, const pk_limits *lim, const uint8_t *buf,
                         size_t len) {
    pk_doc trial;
    memset(&trial, 0, sizeof trial);
    trial.alloc = alloc;
    trial.limits = *lim;
    trial.stream = buf;
    trial.stream_len = len;
    trial.input_len = len;
    trial.plain_diverge = SIZE_MAX;
    pk_arena_init(&trial.arena, alloc, stream_budget(lim, len));
    pk_err e;
    pk_err_clear(&e);
    pk_reader r;
    pk_reader_init(&r, buf, len, &e);
    pk_value *root = NULL;
    pk_code rc = pk_vm_run(&trial, &r, 0, &root);
    pk_arena_free(&trial.arena); /* holds the graph and the globals list */
    return rc == PK_OK || rc == PK_ELIMIT || rc == PK_ENOMEM || rc == PK_EUNSUPPORTED;
}

const char *pk_doc_ambiguous(const pk_alloc *alloc, const pk_limits *limits, const uint8_t *buf,
                             size_t len) {
    pk_compression kind = pk_detect_compression(buf, len);
    if (kind == PK_COMP_NONE) return NULL;
    pk_limits def;
    if (!limits) {
        pk_limits_default(&def);
        limits = &def;
    }
    if (!also_a_pickle(alloc, limits, buf, len)) return NULL;
    return kind == PK_COMP_ZSTD
               ? "ambiguous bytes: they are a zstd stream and also a pickle (pickle.loads would "
                 "not load what zstd -d gives)"
               : "ambiguous bytes: they are a compressed joblib container and also a pickle "
                 "(pickle.loads would not load what joblib.load does)";
}

pk_doc *pk_doc_decode(const pk_alloc *alloc, const pk_limits *limits, const uint8_t *buf,
                      size_t len, int copy, pk_err *err) {
    pk_doc *doc = pk_malloc(alloc, sizeof *doc);
    if (!doc) {
        pk_err_nomem(err, -1);
        return NULL;
    }
    memset(doc, 0, sizeof *doc);
    doc->alloc = alloc;
    if (limits)
        doc->limits = *limits;
    else
        pk_limits_default(&doc->limits);
    doc->input_len = len;
    doc->plain_diverge = SIZE_MAX;
    pk_arena_init(&doc->arena, alloc, 0);

    const uint8_t *s = buf;
    size_t n = len;
    pk_compression kind;
    if (unwrap(doc, &s, &n, &kind, &doc->owned, err)) goto fail;
    if (kind == PK_COMP_ZSTD) {
        doc->outer = PK_COMP_ZSTD;
        if (unwrap(doc, &s, &n, &kind, &doc->owned2, err)) goto fail;
        if (kind == PK_COMP_ZSTD) {
            pk_err_set(err, PK_ECOMPRESS, 0, -1,
                       "a zstd frame inside a zstd frame is not accepted");
            goto fail;
        }
    }
    doc->inner = kind;
    if (doc->outer == PK_COMP_NONE && kind == PK_COMP_NONE && copy) {
        doc->owned = pk_malloc(alloc, n ? n : 1);
        if (!doc->owned) {
            pk_err_nomem(err, -1);
            goto fail;
        }
        if (n) memcpy(doc->owned, s, n);
        s = doc->owned;
    }
    doc->stream = s;
    doc->stream_len = n;

    doc->arena.budget = stream_budget(&doc->limits, n);
    doc->limits.max_expand = pk_limits_expand_cap(&doc->limits, n);

    if (n == 0) {
        pk_err_set(err, PK_ETRUNC, 0, -1, "truncated pickle: the input is empty");
        goto fail;
    }
    if (pk_native_is_xgb(s, n) || pk_native_is_lgbm(s, n)) {
        pk_code c =
            pk_native_is_xgb(s, n) ? pk_native_xgb_root(doc, err) : pk_native_lgbm_root(doc, err);
        if (c != PK_OK) goto fail;
        doc->ambiguous = pk_doc_ambiguous(alloc, &doc->limits, buf, len);
        return doc;
    }
    pk_reader r;
    pk_reader_init(&r, s, n, err);
    if (pk_vm_run(doc, &r, 0, &doc->root) != PK_OK) goto fail;
    /* joblib read raw array bytes: plain pickle.loads reads them as opcodes (docs/security.md) */
    if (doc->plain_diverge != SIZE_MAX && pk_scan_plain(doc, err) != PK_OK) goto fail;
    doc->ambiguous = pk_doc_ambiguous(alloc, &doc->limits, buf, len);
    return doc;
fail:
    pk_doc_free(doc);
    return NULL;
}
