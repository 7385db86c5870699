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
 * "ZF"), or a raw pickle stream. It inflates (bounded by limits->max_inflate), then runs the
 * unpickler over the whole stream. A zstd frame may hold any of the other forms. Compressed
 * input is also tried as a raw pickle: when that decodes too, doc->ambiguous is set.
 *
 * Ownership: the doc owns its arena and any inflated buffer. With PK_DOC_COPY it copies the input
 * too; with PK_DOC_BORROW the caller's input must outlive the doc (values borrow bytes from it).
 */
#ifndef PK_DOC_H
#define PK_DOC_H

#include "pk.h"
#include "pk_err.h"
#include "pk_value.h"

typedef struct pk_global_ref {
    const char *module; /* NUL-terminated, arena-owned */
    const char *name;
    int allowed; /* 1 when interpreted as data or a known model class */
} pk_global_ref;

typedef enum pk_compression {
    PK_COMP_NONE,
    PK_COMP_ZSTD,
    PK_COMP_ZLIB,
    PK_COMP_GZIP,
    PK_COMP_BZ2,
    PK_COMP_XZ,
    PK_COMP_LZMA,
    PK_COMP_LZ4,
    PK_COMP_ZFILE /* joblib < 0.9.3 "ZF" + zlib */
} pk_compression;

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

    pk_global_ref *globals; /* every global referenced, first-use order, unique */
    size_t nglobals, globals_cap;

    /* Set (a static message) when the input is a compressed container whose bytes, read from
     * the first byte as a pickle, also decode: Python's pickle.loads and a decompressor would
     * load different things, so the verdict is unsafe whatever either reading holds. */
    const char *ambiguous;
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

/* 1 when every global the stream references is allowlisted and the bytes are not ambiguous
 * (doc->ambiguous). */
int pk_doc_safe(const pk_doc *doc);

/* "none", "zstd", "zlib", ... */
const char *pk_compression_name(pk_compression c);

/* Appends pk_info's JSON object for doc to out (pk_info.c). */
struct pk_buf;
pk_code pk_doc_info_json(const pk_doc *doc, struct pk_buf *out);

#endif /* PK_DOC_H */
