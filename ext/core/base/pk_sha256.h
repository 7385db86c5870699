/*
 * pk_sha256.h - SHA-256 (FIPS 180-4), used by the registry to content-hash pickles.
 *
 * How it works: the standard Merkle-Damgard construction over 64-byte blocks, written from the
 * FIPS 180-4 specification; tested against Python's hashlib (tests/unit/test_sha256.c holds
 * vectors it printed). Streaming (init/update/final) so a caller can hash pieces; the one-shot
 * pk_sha256_hex is what the SQL function pickle_sha256 uses.
 *
 * Limits: messages up to 2^64-1 bits (the length field of the padding). No allocation; the
 * context lives on the caller's stack.
 */
#ifndef PK_SHA256_H
#define PK_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct pk_sha256 {
    uint32_t h[8];     /* chaining state                                */
    uint64_t bytes;    /* message bytes consumed so far                  */
    uint8_t block[64]; /* pending partial block                          */
    size_t nblock;     /* bytes in block (always < 64 between calls)     */
} pk_sha256;

#define PK_SHA256_DIGEST 32
#define PK_SHA256_HEX    (2 * PK_SHA256_DIGEST + 1) /* 64 hex digits + NUL */

/* Starts a new hash. */
void pk_sha256_init(pk_sha256 *s);

/* Feeds n bytes of data (data may be NULL when n == 0). */
void pk_sha256_update(pk_sha256 *s, const uint8_t *data, size_t n);

/* Finishes the hash: writes the 32-byte digest to out. s must be re-initialised to be reused. */
void pk_sha256_final(pk_sha256 *s, uint8_t out[PK_SHA256_DIGEST]);

/* One shot: the lowercase hex digest of data[0..n) into hex (65 bytes, NUL-terminated). */
void pk_sha256_hex(const uint8_t *data, size_t n, char hex[PK_SHA256_HEX]);

#endif /* PK_SHA256_H */
