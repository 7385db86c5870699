/*
 * pk_dl.c - dlopen of the rarely used decompression libraries (see pk_dl.h).
 *
 * A library counts as present only when it loads under its soname and every function
 * pk_inflate.c needs is found; otherwise its handle is closed and the getter returns NULL.
 */
#include "pk_dl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <string.h>

/* Looks up `name` in `h` and stores it in the function pointer at `fn` (of `size` bytes; a
 * memcpy, as POSIX allows for dlsym results, without type-punning a pointer). Clears *ok when the
 * symbol is missing. */
static void sym(void *h, const char *name, void *fn, size_t size, int *ok) {
    void *p = dlsym(h, name);
    if (!p || size != sizeof p) {
        *ok = 0;
        return;
    }
    memcpy(fn, &p, sizeof p);
}
#define SYM(h, name, field, ok) sym((h), (name), &(field), sizeof(field), (ok))

/* Opens a library by soname; NULL when absent. */
static void *open_lib(const char *soname) {
    return dlopen(soname, RTLD_NOW | RTLD_LOCAL);
}

/* ---- bz2 ------------------------------------------------------------------------------------- */

#define BZ2_SONAME "libbz2.so.1.0"
static pk_dl_bz2 bz2;
static int bz2_ok;
static pthread_once_t bz2_once = PTHREAD_ONCE_INIT;

static void bz2_load(void) {
    void *h = open_lib(BZ2_SONAME);
    if (!h) return;
    int ok = 1;
    SYM(h, "BZ2_bzDecompressInit", bz2.decompress_init, &ok);
    SYM(h, "BZ2_bzDecompress", bz2.decompress, &ok);
    SYM(h, "BZ2_bzDecompressEnd", bz2.decompress_end, &ok);
    if (ok)
        bz2_ok = 1;
    else
        dlclose(h);
}

const pk_dl_bz2 *pk_dl_get_bz2(const char **lib) {
    pthread_once(&bz2_once, bz2_load);
    *lib = BZ2_SONAME;
    return bz2_ok ? &bz2 : NULL;
}

/* ---- xz / lzma ------------------------------------------------------------------------------- */

#define LZMA_SONAME "liblzma.so.5"
static pk_dl_lzma lzma;
static int lzma_ok;
static pthread_once_t lzma_once = PTHREAD_ONCE_INIT;

static void lzma_load(void) {
    void *h = open_lib(LZMA_SONAME);
    if (!h) return;
    int ok = 1;
    SYM(h, "lzma_stream_decoder", lzma.stream_decoder, &ok);
    SYM(h, "lzma_alone_decoder", lzma.alone_decoder, &ok);
    SYM(h, "lzma_code", lzma.code, &ok);
    SYM(h, "lzma_end", lzma.end, &ok);
    if (ok)
        lzma_ok = 1;
    else
        dlclose(h);
}

const pk_dl_lzma *pk_dl_get_lzma(const char **lib) {
    pthread_once(&lzma_once, lzma_load);
    *lib = LZMA_SONAME;
    return lzma_ok ? &lzma : NULL;
}

/* ---- lz4 ------------------------------------------------------------------------------------- */

#define LZ4_SONAME "liblz4.so.1"
static pk_dl_lz4 lz4;
static int lz4_ok;
static pthread_once_t lz4_once = PTHREAD_ONCE_INIT;

static void lz4_load(void) {
    void *h = open_lib(LZ4_SONAME);
    if (!h) return;
    int ok = 1;
    SYM(h, "LZ4F_createDecompressionContext", lz4.create_dctx, &ok);
    SYM(h, "LZ4F_freeDecompressionContext", lz4.free_dctx, &ok);
    SYM(h, "LZ4F_decompress", lz4.decompress, &ok);
    SYM(h, "LZ4F_isError", lz4.is_error, &ok);
    SYM(h, "LZ4F_getErrorName", lz4.error_name, &ok);
    if (ok)
        lz4_ok = 1;
    else
        dlclose(h);
}

const pk_dl_lz4 *pk_dl_get_lz4(const char **lib) {
    pthread_once(&lz4_once, lz4_load);
    *lib = LZ4_SONAME;
    return lz4_ok ? &lz4 : NULL;
}
