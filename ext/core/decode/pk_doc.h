/*
 * pk_doc.h - one decoded pickle: the entry point of the core.
 *
 *   pk_err err;
 *   pk_doc *doc = pk_doc_decode(&pk_alloc_std, NULL, blob, n, PK_DOC_COPY, &err);
 *   if (!doc) { puts(err.msg); return; }
 *   ... doc->root ...
 *   pk_doc_free(doc);
 *
 * pk_doc_decode recognises the container by its first bytes: a zstd frame (28 b5 2f fd), a
 * joblib compressed file (zlib 78, gzip 1f 8b, bz2 "BZh", xz, lzma-alone 5d 00, lz4 frame, legacy
 * "ZF"), an XGBoost model file (pk_native.h), or a raw pickle stream. It inflates (bounded by
 * limits->max_inflate), then runs the unpickler over the whole stream. A zstd frame may hold any of
 * the other forms. Compressed input is also tried as a raw pickle: when that decodes too,
 * doc->ambiguous is set.
 *
 * pk_doc_decode and pk_doc_ambiguous are pk_decode.c; the rest of this header (the document,
 * its globals and their verdict) is pk_doc.c.
 *
 * Ownership: the doc owns its arena and any inflated buffer. With PK_DOC_COPY it copies the input
 * too; with PK_DOC_BORROW the caller's input must outlive the doc (values borrow bytes from it).
 */
#ifndef PK_DOC_H
#define PK_DOC_H

#include "pk.h"
#include "pk_err.h"
#include "pk_inflate.h"
#include "pk_value.h"

typedef struct pk_global_ref {
    const char *module; /* NUL-terminated, arena-owned or static */
    const char *name;
    int allowed;        /* 1 when interpreted as data or a known model class, and every call
                           of it had arguments Python handles safely */
    const char *reason; /* why an allowlisted global is unsafe here (arena), else NULL */
} pk_global_ref;

typedef struct pk_doc {
    const pk_alloc *alloc;
    pk_limits limits;
    pk_arena arena;
    pk_value *root;

    const uint8_t *stream; /* the pickle bytes decoded (after inflating) */
    size_t stream_len;
    size_t input_len; /* size of what the caller passed */
    uint8_t *owned;   /* input copy or inflated stream, freed with the doc */
    uint8_t *owned2;  /* second stage of a two-stage inflate (zstd of a joblib .z) */

    pk_compression outer; /* PK_COMP_ZSTD when wrapped in a zstd frame, else NONE */
    pk_compression inner; /* joblib's compressor, or NONE                         */
    int joblib;           /* 1 when the stream holds joblib NumpyArrayWrappers     */
    int protocol;         /* highest PROTO seen; 0 when none                       */
    int xgboost;          /* 1 for an XGBoost model file, not a pickle (pk_native.h) */
    int lightgbm;         /* 1 for a LightGBM text model, not a pickle (pk_native.h)  */

    pk_global_ref *globals; /* every global referenced, first-use order, unique */
    size_t nglobals, globals_cap;

    /* Set (a static message) when the input is a compressed container whose bytes, read from
     * the first byte as a pickle, also decode: Python's pickle.loads and a decompressor would
     * load different things, so the verdict is unsafe whatever either reading holds. */
    const char *ambiguous;

    /* Offset in `stream` of the first raw array data joblib reads after a NumpyArrayWrapper
     * (where plain pickle.loads starts reading the same bytes differently), or SIZE_MAX. */
    size_t plain_diverge;
    int plain_reading; /* 1 while pk_scan_plain re-reads the stream as pickle.loads would */
    uint64_t py_alloc; /* bytes the checked calls make Python allocate (pk_verdict.c)     */
} pk_doc;

#define PK_DOC_BORROW 0
#define PK_DOC_COPY   1

/* Decodes `len` bytes. limits may be NULL (defaults). Returns NULL with err set on failure (err
 * offsets are positions in the decoded stream). */
pk_doc *pk_doc_decode(const pk_alloc *alloc, const pk_limits *limits, const uint8_t *buf,
                      size_t len, int copy, pk_err *err);

/* When buf[0..len) starts with a container's magic (pk_detect_compression) and the same bytes
 * also decode as a pickle read from the first byte, a static message saying so; else NULL.
 * pk_doc_decode stores it in doc->ambiguous. limits may be NULL (defaults). */
const char *pk_doc_ambiguous(const pk_alloc *alloc, const pk_limits *limits, const uint8_t *buf,
                             size_t len);

/* Frees everything; NULL is accepted. */
void pk_doc_free(pk_doc *doc);

/* 1 when every global the stream references is allowlisted and was called with safe arguments
 * under both readings of the bytes (see docs/security.md), and the bytes are not ambiguous
 * (doc->ambiguous). */
int pk_doc_safe(const pk_doc *doc);

/* Records that the stream references module.name (unique, first-use order); `module` and `name`
 * must outlive the doc (arena or static strings). allowed: the allowlist's verdict. *out (may be
 * NULL) receives the entry. */
pk_code pk_doc_note_global(pk_doc *doc, const char *module, const char *name, int allowed,
                           pk_global_ref **out);

/* Makes the verdict unsafe because of module.name (recorded if new), keeping the first reason
 * given (printf format, copied into the arena). */
pk_code pk_doc_mark_unsafe(pk_doc *doc, const char *module, const char *name, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* Appends pk_info's JSON object for doc to out (pk_info.c). */
struct pk_buf;
pk_code pk_doc_info_json(const pk_doc *doc, struct pk_buf *out);

#endif /* PK_DOC_H */
