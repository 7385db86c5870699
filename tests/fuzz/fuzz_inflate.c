/*
 * fuzz_inflate.c - libFuzzer target: the decompressors (pk_inflate.c) on fuzzed bytes.
 *
 * Input layout: byte 0 selects the compressor (low 4 bits, modulo the 8 kinds) and the mode (bit
 * 7); the rest is the payload.
 *   mode 0 (corrupt input): the payload is prefixed with the compressor's magic bytes (so the
 *     fuzzer need not discover them) and handed to pk_inflate as is. It must fail cleanly or
 *     succeed with a NUL-padded buffer no longer than the cap; pk_detect_compression runs on the
 *     raw input too.
 *   mode 1 (round trip): the payload is compressed with the real library (zstd, zlib, gzip, xz,
 *     bz2, lz4 frame) and pk_inflate must give back exactly the payload; with a cap below the
 *     payload size it must fail with PK_ELIMIT.
 */
#include "fuzz_util.h"
#include "pk_inflate.h"

#include <bzlib.h>
#include <lz4frame.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

static const pk_compression kinds[] = {PK_COMP_ZSTD, PK_COMP_ZLIB, PK_COMP_GZIP, PK_COMP_BZ2,
                                       PK_COMP_XZ,   PK_COMP_LZMA, PK_COMP_LZ4,  PK_COMP_ZFILE};

static const char *magic(pk_compression c, size_t *n) {
    switch (c) {
    case PK_COMP_ZSTD:
        *n = 4;
        return "\x28\xb5\x2f\xfd";
    case PK_COMP_ZLIB:
        *n = 1;
        return "\x78";
    case PK_COMP_GZIP:
        *n = 2;
        return "\x1f\x8b";
    case PK_COMP_BZ2:
        *n = 3;
        return "BZh";
    case PK_COMP_XZ:
        *n = 6;
        return "\xfd"
               "7zXZ\x00";
    case PK_COMP_LZMA:
        *n = 2;
        return "\x5d\x00";
    case PK_COMP_LZ4:
        *n = 4;
        return "\x04\x22\x4d\x18";
    case PK_COMP_ZFILE:
        *n = 2;
        return "ZF";
    default:
        *n = 0;
        return "";
    }
}

/* Compresses src with the real library; returns a malloc'd buffer or NULL when the kind has no
 * round trip here (lzma-alone, ZF). */
static uint8_t *compress_with(pk_compression c, const uint8_t *src, size_t n, size_t *out_n) {
    uint8_t *out = NULL;
    switch (c) {
    case PK_COMP_ZSTD: {
        size_t cap = ZSTD_compressBound(n);
        out = malloc(cap);
        if (!out) return NULL;
        size_t r = ZSTD_compress(out, cap, src, n, 1);
        if (ZSTD_isError(r)) break;
        *out_n = r;
        return out;
    }
    case PK_COMP_ZLIB:
    case PK_COMP_GZIP: {
        z_stream z;
        memset(&z, 0, sizeof z);
        if (deflateInit2(&z, 3, Z_DEFLATED, c == PK_COMP_GZIP ? 31 : 15, 8, Z_DEFAULT_STRATEGY))
            return NULL;
        size_t cap = deflateBound(&z, (uLong)n) + 32;
        out = malloc(cap);
        if (!out) {
            deflateEnd(&z);
            return NULL;
        }
        z.next_in = (Bytef *)(uintptr_t)src;
        z.avail_in = (uInt)n;
        z.next_out = out;
        z.avail_out = (uInt)cap;
        int rc = deflate(&z, Z_FINISH);
        *out_n = z.total_out;
        deflateEnd(&z);
        if (rc != Z_STREAM_END) break;
        return out;
    }
    case PK_COMP_BZ2: {
        unsigned cap = (unsigned)(n + n / 100 + 700);
        out = malloc(cap);
        if (!out) return NULL;
        if (BZ2_bzBuffToBuffCompress((char *)out, &cap, (char *)(uintptr_t)src, (unsigned)n, 1, 0,
                                     0) != BZ_OK)
            break;
        *out_n = cap;
        return out;
    }
    case PK_COMP_XZ: {
        size_t cap = lzma_stream_buffer_bound(n), pos = 0;
        out = malloc(cap);
        if (!out) return NULL;
        if (lzma_easy_buffer_encode(1, LZMA_CHECK_CRC64, NULL, src, n, out, &pos, cap) != LZMA_OK)
            break;
        *out_n = pos;
        return out;
    }
    case PK_COMP_LZ4: {
        size_t cap = LZ4F_compressFrameBound(n, NULL);
        out = malloc(cap);
        if (!out) return NULL;
        size_t r = LZ4F_compressFrame(out, cap, src, n, NULL);
        if (LZ4F_isError(r)) break;
        *out_n = r;
        return out;
    }
    default:
        return NULL;
    }
    free(out);
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    (void)pk_detect_compression(data, size);
    if (size < 1) return 0;
    pk_compression c = kinds[(data[0] & 0x0f) % (sizeof kinds / sizeof kinds[0])];
    int round_trip = (data[0] & 0x80) != 0;
    const uint8_t *payload = data + 1;
    size_t plen = size - 1;
    pk_err err;
    pk_err_clear(&err);
    uint8_t *out = NULL;
    size_t out_len = 0;

    if (!round_trip) {
        size_t mlen;
        const char *m = magic(c, &mlen);
        uint8_t *in = malloc(mlen + plen + 1);
        FUZZ_CHECK(in != NULL);
        memcpy(in, m, mlen);
        if (plen) memcpy(in + mlen, payload, plen);
        size_t n = mlen + plen;
        (void)pk_detect_compression(in, n);
        pk_code rc = pk_inflate(&pk_alloc_std, c, in, n, FUZZ_MAX_INFLATE, &out, &out_len, &err);
        if (rc == PK_OK) {
            FUZZ_CHECK(out != NULL && out_len <= FUZZ_MAX_INFLATE);
            FUZZ_CHECK(out[out_len] == 0);
            pk_free(&pk_alloc_std, out);
        } else {
            fuzz_check_err(&err);
        }
        free(in);
        return 0;
    }

    size_t zn = 0;
    uint8_t *z = compress_with(c, payload, plen, &zn);
    if (!z) return 0;
    FUZZ_CHECK(pk_detect_compression(z, zn) == c);
    pk_code rc = pk_inflate(&pk_alloc_std, c, z, zn, FUZZ_MAX_INFLATE, &out, &out_len, &err);
    if (rc != PK_OK) fprintf(stderr, "round trip of %zu bytes failed: %s\n", plen, err.msg);
    FUZZ_CHECK(rc == PK_OK);
    FUZZ_CHECK(out_len == plen && (plen == 0 || memcmp(out, payload, plen) == 0));
    FUZZ_CHECK(out[out_len] == 0);
    pk_free(&pk_alloc_std, out);
    if (plen > 0) {
        /* A cap one byte short of the content must stop the inflater. */
        out = NULL;
        pk_err_clear(&err);
        rc = pk_inflate(&pk_alloc_std, c, z, zn, plen - 1, &out, &out_len, &err);
        if (rc != PK_ELIMIT)
            fprintf(stderr, "cap %zu on %zu bytes: rc %d %s\n", plen - 1, plen, rc, err.msg);
        FUZZ_CHECK(rc == PK_ELIMIT);
    }
    free(z);
    return 0;
}
