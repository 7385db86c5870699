/*
 * pk_dl.h - the rarely used joblib decompressors (bz2, xz/lzma, lz4), loaded when first needed.
 *
 * zlib and zstd carry almost every stored pickle and are linked normally. bz2, xz/lzma and lz4
 * only appear in joblib files dumped with compress=('bz2'|'xz'|'lzma'|'lz4', ...), so the
 * extension does not need their libraries to load: the first file that needs one opens it with
 * dlopen (by its fixed soname, never a name taken from the input) and looks up the few functions
 * pk_inflate.c calls. A missing library or function makes that file fail with
 * PK_EUNSUPPORTED and a message naming the library; everything else keeps working.
 *
 * Thread-safe: each library is looked up once per process (pthread_once); the tables are then
 * read-only. Handles are never closed (the functions may be in use by other threads).
 */
#ifndef PK_DL_H
#define PK_DL_H

#include <bzlib.h>
#include <lz4frame.h>
#include <lzma.h>

typedef struct pk_dl_bz2 {
    int (*decompress_init)(bz_stream *, int, int);
    int (*decompress)(bz_stream *);
    int (*decompress_end)(bz_stream *);
} pk_dl_bz2;

typedef struct pk_dl_lzma {
    lzma_ret (*stream_decoder)(lzma_stream *, uint64_t, uint32_t);
    lzma_ret (*alone_decoder)(lzma_stream *, uint64_t);
    lzma_ret (*code)(lzma_stream *, lzma_action);
    void (*end)(lzma_stream *);
} pk_dl_lzma;

typedef struct pk_dl_lz4 {
    LZ4F_errorCode_t (*create_dctx)(LZ4F_dctx **, unsigned);
    LZ4F_errorCode_t (*free_dctx)(LZ4F_dctx *);
    size_t (*decompress)(LZ4F_dctx *, void *, size_t *, const void *, size_t *,
                         const LZ4F_decompressOptions_t *);
    unsigned (*is_error)(LZ4F_errorCode_t);
    const char *(*error_name)(LZ4F_errorCode_t);
} pk_dl_lz4;

/* The library's functions, or NULL when it cannot be loaded; then *lib names the library that
 * was looked for (e.g. "libbz2.so.1.0"), for the error message. */
const pk_dl_bz2 *pk_dl_get_bz2(const char **lib);
const pk_dl_lzma *pk_dl_get_lzma(const char **lib);
const pk_dl_lz4 *pk_dl_get_lz4(const char **lib);

#endif
