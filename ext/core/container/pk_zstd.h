/*
 * pk_zstd.h - the zstd envelope of stored pickles (pickle_compress / pickle_decompress).
 *
 * Compression writes one zstd frame that declares its content size and carries a checksum
 * (libzstd's ZSTD_compress2 with contentSizeFlag = 1, checksumFlag = 1), so that every reader
 * (pk_doc_decode, via pk_inflate) can check the size against its limit before inflating.
 * Decompression is pk_inflate's (pk_inflate.c), read as `zstd -d` reads it: every frame decoded
 * and concatenated, skippable frames skipped; it refuses frames without a content size, content
 * larger than the limit and corrupt data.
 *
 * Default level 9, chosen by measurement over scikit-learn model pickles (the table is at its
 * definition in pk_zstd.c; make bench's storage section measures the levels again).
 */
#ifndef PK_ZSTD_H
#define PK_ZSTD_H

#include "pk.h"
#include "pk_err.h"

#include <stddef.h>
#include <stdint.h>

/* The level pickle_compress uses when none is given. */
int pk_zstd_default_level(void);

/* The accepted level range (libzstd's ZSTD_minCLevel() .. ZSTD_maxCLevel()). */
void pk_zstd_level_range(int *min, int *max);

/* 1 when buf starts with a zstd frame's magic number (28 b5 2f fd) or a skippable frame's
 * (pk_inflate.h's pk_zstd_magic): what `zstd -d` decodes. */
int pk_zstd_is_frame(const uint8_t *buf, size_t len);

/* Compresses src[0..n) at `level` into a new buffer (alloc, owned by the caller). PK_EVALUE for
 * a level out of range, PK_ELIMIT when the frame would exceed max_out (0 = no cap). */
pk_code pk_zstd_compress(const pk_alloc *alloc, const uint8_t *src, size_t n, int level,
                         uint64_t max_out, uint8_t **out, size_t *out_len, pk_err *err);

/* The content of the zstd frame src[0..n) (pk_inflate with PK_COMP_ZSTD), at most max_out
 * bytes. PK_ECOMPRESS for what is not one valid frame with a declared content size. */
pk_code pk_zstd_decompress(const pk_alloc *alloc, const uint8_t *src, size_t n, uint64_t max_out,
                           uint8_t **out, size_t *out_len, pk_err *err);

#endif /* PK_ZSTD_H */
