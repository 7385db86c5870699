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
 * Default level, measured on 2026-11-28 with Debian's libzstd 1.5.4 over protocol-4 pickles of
 * eight scikit-learn 1.2.1 models fit on 5000 x 20 data (LogisticRegression, Ridge, a 100-tree
 * RandomForest, HistGradientBoosting, GradientBoosting, a scaler+logreg Pipeline, KMeans, a
 * DecisionTree; 7.47 MB in all, 6.3 MB of it the forest), through pickle_compress itself:
 *
 *   level   total size   ratio   compress (all 8)   decompress (all 8)
 *      1     1,639,363   0.220        64 ms              ~15-20 ms
 *      3     1,567,046   0.210        60 ms
 *      6     1,434,077   0.192       166 ms
 *      9     1,382,715   0.185       276 ms
 *     12     1,333,742   0.179       458 ms
 *     15     1,275,294   0.171     2,532 ms
 *     19     1,212,314   0.162     8,275 ms
 *
 * Decompression speed hardly depends on the level. Models are written once and read many times,
 * but pickle_set re-compresses inside UPDATEs, so the level must stay interactive: 9 gives 12%
 * smaller blobs than zstd's own default (3) for about 23 MB/s of compression, while 15 and above
 * cost 10-30x the time for 7-12% more.
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
    return pk_zstd_magic(buf, len);
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

pk_code pk_zstd_decompress(const pk_alloc *alloc, const uint8_t *src, size_t n, uint64_t max_out,
                           uint8_t **out, size_t *out_len, pk_err *err) {
    *out = NULL;
    *out_len = 0;
    if (!pk_zstd_is_frame(src, n))
        return pk_err_set(err, PK_ECOMPRESS, 0, -1, "bad compressed data: not a zstd frame");
    return pk_inflate(alloc, PK_COMP_ZSTD, src, n, max_out, out, out_len, err);
}
