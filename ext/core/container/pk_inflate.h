/*
 * pk_inflate.h - the containers a pickle may arrive in: zstd frames and joblib's compressors.
 *
 * Detection is by magic bytes (docs/formats.md, "Compression"); inflating uses Debian's libraries
 * (libzstd, zlib, libbz2, liblzma, liblz4). Every inflater stops with PK_ELIMIT as soon as the
 * output would exceed max_out, so a decompression bomb costs at most max_out bytes and the time
 * to produce them. Truncated or corrupt input is PK_ECOMPRESS with the byte offset where the
 * library gave up (the compressed offset).
 */
#ifndef PK_INFLATE_H
#define PK_INFLATE_H

#include "pk.h"
#include "pk_err.h"

#include <stddef.h>
#include <stdint.h>

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

/* "none", "zstd", "zlib", ... (pickle_info's "compression"). */
const char *pk_compression_name(pk_compression c);

/* The container of buf: PK_COMP_NONE for a raw pickle (or anything unrecognised). A zstd
 * stream may start with a skippable frame (pk_zstd_magic). */
pk_compression pk_detect_compression(const uint8_t *buf, size_t len);

/* 1 when buf starts with a zstd frame's magic (28 b5 2f fd) or a skippable frame's
 * (0x184D2A50..0x184D2A5F, little-endian): what `zstd -d` reads as a zstd stream. */
int pk_zstd_magic(const uint8_t *buf, size_t len);

/* Inflates buf (which starts with c's magic) into a new buffer allocated with alloc, owned by the
 * caller (*out, *out_len; *out is NUL-padded by one byte). */
pk_code pk_inflate(const pk_alloc *alloc, pk_compression c, const uint8_t *buf, size_t len,
                   uint64_t max_out, uint8_t **out, size_t *out_len, pk_err *err);

#endif /* PK_INFLATE_H */
