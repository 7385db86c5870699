/*
 * pk_doc.c - decoding entry point: container detection, inflating, running the unpickler
 * (see pk_doc.h).
 *
 * Memory: the arena budget is limits.alloc_factor * stream size + alloc_slack, so the graph of
 * any input costs at most a small multiple of its size. Inflated streams are capped by
 * limits.max_inflate before a byte is produced past it.
 */
#include "pk_doc.h"

#include "pk_buf.h"
#include "pk_inflate.h"
#include "pk_scan.h"
#include "pk_native.h"
#include "pk_vm.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *pk_compression_name(pk_compression c) {
    switch (c) {
    case PK_COMP_NONE:
        return "none";
    case PK_COMP_ZSTD:
        return "zstd";
    case PK_COMP_ZLIB:
        return "zlib";
    case PK_COMP_GZIP:
        return "gzip";
    case PK_COMP_BZ2:
        return "bz2";
    case PK_COMP_XZ:
        return "xz";
    case PK_COMP_LZMA:
        return "lzma";
    case PK_COMP_LZ4:
        return "lz4";
    case PK_COMP_ZFILE:
        return "zlib (joblib ZF)";
    }
    return "unknown";
}

void pk_doc_free(pk_doc *doc) {
    if (!doc) return;
    const pk_alloc *a = doc->alloc;
    pk_arena_free(&doc->arena);
    pk_free(a, doc->owned);
    pk_free(a, doc->owned2);
    pk_free(a, doc);
}

int pk_doc_safe(const pk_doc *doc) {
    if (doc->ambiguous) return 0;
    for (size_t i = 0; i < doc->nglobals; i++)
        if (!doc->globals[i].allowed) return 0;
    return 1;
}

pk_code pk_doc_note_global(pk_doc *doc, const char *module, const char *name, int allowed,
                           pk_global_ref **out) {
    for (size_t i = 0; i < doc->nglobals; i++)
        if (strcmp(doc->globals[i].module, module) == 0 &&
            strcmp(doc->globals[i].name, name) == 0) {
            if (out) *out = &doc->globals[i];
            return PK_OK;
        }
    if (doc->nglobals >= doc->globals_cap) {
        size_t cap = doc->globals_cap ? doc->globals_cap * 2 : 16;
        pk_global_ref *n =
            pk_arena_grow(&doc->arena, doc->globals, doc->nglobals * sizeof *n, cap * sizeof *n);
        if (!n) return PK_ENOMEM;
        doc->globals = n;
        doc->globals_cap = cap;
    }
    pk_global_ref *g = &doc->globals[doc->nglobals++];
    g->module = module;
    g->name = name;
    g->allowed = allowed;
    g->reason = NULL;
    if (out) *out = g;
    return PK_OK;
}

pk_code pk_doc_mark_unsafe(pk_doc *doc, const char *module, const char *name, const char *fmt,
                           ...) {
    pk_global_ref *g;
    pk_code c = pk_doc_note_global(doc, module, name, 0, &g);
    if (c) return c;
    g->allowed = 0;
    if (g->reason) return PK_OK;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    g->reason = pk_arena_strndup(&doc->arena, msg, strlen(msg));
    return g->reason ? PK_OK : PK_ENOMEM;
}

pk_code pk_doc_unsafe_text(const pk_doc *doc, pk_buf *out, size_t max) {
    size_t shown = 0, more = 0;
    for (size_t i = 0; i < doc->nglobals; i++) {
        const pk_global_ref *g = &doc->globals[i];
        if (g->allowed) continue;
        if (shown == max) {
            more++;
            continue;
        }
        pk_buf_printf(out, "%s%s.%s (%s)", shown ? ", " : "", g->module, g->name,
                      g->reason ? g->reason : "not on the allowlist");
        shown++;
    }
    if (more) pk_buf_printf(out, " and %zu more", more);
    return out->failed;
}

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
