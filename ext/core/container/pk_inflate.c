/*
 * pk_inflate.c - recognise and inflate the containers a pickle may arrive in (see pk_inflate.h).
 *
 * How it works: pk_detect_compression looks at magic bytes only (docs/formats.md, "Compression").
 * pk_inflate runs the matching Debian library over the whole input into one growing buffer whose
 * size never exceeds max_out + 1 bytes: producing byte max_out + 1 is the proof that the stream
 * is too large (PK_ELIMIT), so a decompression bomb costs at most max_out bytes of memory. Streams
 * that joblib's readers accept concatenated (gzip members, bz2/xz streams, lz4 frames) are
 * accepted concatenated here too. Errors carry the compressed offset where decoding stopped.
 *
 * zstd input is read as `zstd -d` reads it: one or more frames, decoded and concatenated, with
 * skippable frames (magic 0x184D2A50..5F, which the zstd and lz4 frame formats define) skipped;
 * every frame must declare its content size (ZSTD_compress and pickle_compress do); "ZF" (joblib <
 * 0.9.3) is "ZF" + hex length + spaces + a zlib stream whose inflated length must equal the
 * declared one.
 */
#include "pk_inflate.h"
#include "pk_dl.h"

#include <bzlib.h>
#include <lz4frame.h>
#include <lzma.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#define PK_LZMA_MEMLIMIT ((uint64_t)1 << 28) /* 256 MiB of decoder state at most */

int pk_zstd_magic(const uint8_t *buf, size_t len) {
    if (!buf || len < 4) return 0;
    if (buf[0] == 0x28 && buf[1] == 0xb5 && buf[2] == 0x2f && buf[3] == 0xfd) return 1;
    /* skippable frame: 0x184D2A50..0x184D2A5F little-endian */
    return (buf[0] & 0xF0) == 0x50 && buf[1] == 0x2a && buf[2] == 0x4d && buf[3] == 0x18;
}

pk_compression pk_detect_compression(const uint8_t *buf, size_t len) {
    if (!buf) return PK_COMP_NONE;
    if (pk_zstd_magic(buf, len)) return PK_COMP_ZSTD;
    if (len >= 2 && buf[0] == 0x78 && ((unsigned)buf[0] << 8 | buf[1]) % 31 == 0)
        return PK_COMP_ZLIB;
    if (len >= 2 && buf[0] == 0x1f && buf[1] == 0x8b) return PK_COMP_GZIP;
    if (len >= 3 && buf[0] == 'B' && buf[1] == 'Z' && buf[2] == 'h') return PK_COMP_BZ2;
    if (len >= 6 && memcmp(buf,
                           "\xfd"
                           "7zXZ\0",
                           6) == 0)
        return PK_COMP_XZ;
    if (len >= 2 && buf[0] == 0x5d && buf[1] == 0x00) return PK_COMP_LZMA;
    if (len >= 4 && buf[0] == 0x04 && buf[1] == 0x22 && buf[2] == 0x4d && buf[3] == 0x18)
        return PK_COMP_LZ4;
    if (len >= 3 && buf[0] == 'Z' && buf[1] == 'F' &&
        ((buf[2] >= '0' && buf[2] <= '9') || (buf[2] >= 'a' && buf[2] <= 'f')))
        return PK_COMP_ZFILE;
    return PK_COMP_NONE;
}

const char *pk_compression_name(pk_compression c) {
    switch (c) {
    case PK_COMP_NONE:
        return "none";
    case PK_COMP_ZSTD:
        return "zstd";
    case PK_COMP_ZLIB:
        return "zlib";
    case PK_COMP_GZIP:
        return "gzip";
    case PK_COMP_BZ2:
        return "bz2";
    case PK_COMP_XZ:
        return "xz";
    case PK_COMP_LZMA:
        return "lzma";
    case PK_COMP_LZ4:
        return "lz4";
    case PK_COMP_ZFILE:
        return "zlib (joblib ZF)";
    }
    return "unknown";
}

/* ---- output buffer --------------------------------------------------------------------------- */

typedef struct outbuf {
    const pk_alloc *alloc;
    uint8_t *data;
    size_t len, cap;
    uint64_t max; /* content may not exceed this */
    pk_err *err;
    const char *what;
} outbuf;

/* Makes room for at least one more byte (up to max + 1, so that overflow can be observed). */
static pk_code out_grow(outbuf *o, size_t hint) {
    size_t hard = o->max >= SIZE_MAX - 1 ? SIZE_MAX - 1 : (size_t)o->max + 1;
    if (o->cap >= hard)
        return pk_err_set(o->err, PK_ELIMIT, -1, -1,
                          "limit exceeded: %s data inflates past the limit of %llu bytes", o->what,
                          (unsigned long long)o->max);
    size_t want = o->cap ? (o->cap > hard / 2 ? hard : o->cap * 2) : (hint < 65536 ? 65536 : hint);
    if (want > hard) want = hard;
    uint8_t *p = pk_realloc(o->alloc, o->data, o->data ? o->cap + 1 : 0, want + 1);
    if (!p) return pk_err_nomem(o->err, -1);
    o->data = p;
    o->cap = want;
    return PK_OK;
}

static pk_code out_check(outbuf *o) {
    if (o->len > o->max)
        return pk_err_set(o->err, PK_ELIMIT, -1, -1,
                          "limit exceeded: %s data inflates past the limit of %llu bytes", o->what,
                          (unsigned long long)o->max);
    return PK_OK;
}

static pk_code trunc_err(outbuf *o, size_t off) {
    return pk_err_set(o->err, PK_ECOMPRESS, (int64_t)off, -1,
                      "bad compressed data: %s data truncated at offset %zu (the stream ends "
                      "before its end marker)",
                      o->what, off);
}

/* A container whose library is not installed (bz2, xz/lzma, lz4 are loaded on first use). */
static pk_code absent_err(outbuf *o, const char *lib) {
    return pk_err_set(o->err, PK_EUNSUPPORTED, 0, -1,
                      "unsupported pickle feature: %s data needs the library %s, which cannot be "
                      "loaded (install it to read such files)",
                      o->what, lib);
}

static pk_code corrupt_err(outbuf *o, size_t off, const char *detail) {
    return pk_err_set(o->err, PK_ECOMPRESS, (int64_t)off, -1,
                      "bad compressed data: %s data corrupt at offset %zu: %s", o->what, off,
                      detail);
}

/* ---- zlib / gzip ----------------------------------------------------------------------------- */

static pk_code run_zlib(outbuf *o, const uint8_t *buf, size_t len, int wbits, size_t base) {
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, wbits) != Z_OK) return pk_err_nomem(o->err, -1);
    size_t pos = 0;
    pk_code rc = PK_OK;
    int ended = 0;
    for (;;) {
        if (o->len == o->cap && (rc = out_grow(o, len * 4)) != PK_OK) break;
        size_t in_chunk = len - pos > UINT32_MAX ? UINT32_MAX : len - pos;
        size_t out_chunk = o->cap - o->len > UINT32_MAX ? UINT32_MAX : o->cap - o->len;
        z.next_in = (Bytef *)(uintptr_t)(buf + pos);
        z.avail_in = (uInt)in_chunk;
        z.next_out = o->data + o->len;
        z.avail_out = (uInt)out_chunk;
        int zr = inflate(&z, Z_NO_FLUSH);
        pos += in_chunk - z.avail_in;
        o->len += out_chunk - z.avail_out;
        if ((rc = out_check(o)) != PK_OK) break;
        if (zr == Z_STREAM_END) {
            ended = 1;
            if (pos == len) break;
            /* another member follows (gzip/zlib concatenation, as joblib's reader accepts) */
            if (inflateReset(&z) != Z_OK) {
                rc = corrupt_err(o, base + pos, "cannot restart the decoder");
                break;
            }
            ended = 0;
            continue;
        }
        if (zr == Z_BUF_ERROR && pos == len && z.avail_out != 0) {
            rc = trunc_err(o, base + pos);
            break;
        }
        if (zr != Z_OK && zr != Z_BUF_ERROR) {
            if (zr == Z_MEM_ERROR)
                rc = pk_err_nomem(o->err, -1);
            else
                rc = corrupt_err(o, base + pos, z.msg ? z.msg : "invalid stream");
            break;
        }
        if (pos == len && z.avail_out != 0) {
            rc = trunc_err(o, base + pos);
            break;
        }
    }
    inflateEnd(&z);
    if (rc == PK_OK && !ended) rc = trunc_err(o, base + pos);
    return rc;
}

/* ---- bz2 ------------------------------------------------------------------------------------- */

static pk_code run_bz2(outbuf *o, const uint8_t *buf, size_t len) {
    const char *lib;
    const pk_dl_bz2 *bz = pk_dl_get_bz2(&lib);
    if (!bz) return absent_err(o, lib);
    size_t pos = 0;
    pk_code rc = PK_OK;
    while (rc == PK_OK && pos < len) {
        bz_stream b;
        memset(&b, 0, sizeof b);
        if (bz->decompress_init(&b, 0, 0) != BZ_OK) return pk_err_nomem(o->err, -1);
        int ended = 0;
        for (;;) {
            if (o->len == o->cap && (rc = out_grow(o, len * 4)) != PK_OK) break;
            size_t in_chunk = len - pos > UINT32_MAX ? UINT32_MAX : len - pos;
            size_t out_chunk = o->cap - o->len > UINT32_MAX ? UINT32_MAX : o->cap - o->len;
            b.next_in = (char *)(uintptr_t)(buf + pos);
            b.avail_in = (unsigned)in_chunk;
            b.next_out = (char *)(o->data + o->len);
            b.avail_out = (unsigned)out_chunk;
            int br = bz->decompress(&b);
            pos += in_chunk - b.avail_in;
            o->len += out_chunk - b.avail_out;
            if ((rc = out_check(o)) != PK_OK) break;
            if (br == BZ_STREAM_END) {
                ended = 1;
                break;
            }
            if (br != BZ_OK) {
                rc = br == BZ_MEM_ERROR ? pk_err_nomem(o->err, -1)
                                        : corrupt_err(o, pos, "invalid bzip2 stream");
                break;
            }
            if (pos == len && b.avail_out != 0) {
                rc = trunc_err(o, pos);
                break;
            }
        }
        bz->decompress_end(&b);
        if (rc == PK_OK && !ended) rc = trunc_err(o, pos);
    }
    return rc;
}

/* ---- xz / lzma-alone ------------------------------------------------------------------------- */

static pk_code run_lzma(outbuf *o, const uint8_t *buf, size_t len, int alone) {
    const char *lib;
    const pk_dl_lzma *xz = pk_dl_get_lzma(&lib);
    if (!xz) return absent_err(o, lib);
    lzma_stream s = LZMA_STREAM_INIT;
    lzma_ret lr = alone ? xz->alone_decoder(&s, PK_LZMA_MEMLIMIT)
                        : xz->stream_decoder(&s, PK_LZMA_MEMLIMIT, LZMA_CONCATENATED);
    if (lr != LZMA_OK) return pk_err_nomem(o->err, -1);
    pk_code rc = PK_OK;
    s.next_in = buf;
    s.avail_in = len;
    int ended = 0;
    for (;;) {
        if (o->len == o->cap && (rc = out_grow(o, len * 4)) != PK_OK) break;
        s.next_out = o->data + o->len;
        s.avail_out = o->cap - o->len;
        size_t before = s.avail_out;
        lr = xz->code(&s, LZMA_FINISH);
        o->len += before - s.avail_out;
        if ((rc = out_check(o)) != PK_OK) break;
        size_t pos = len - s.avail_in;
        if (lr == LZMA_STREAM_END) {
            ended = 1;
            if (s.avail_in != 0) rc = corrupt_err(o, pos, "trailing bytes after the stream");
            break;
        }
        if (lr == LZMA_OK) continue;
        if (lr == LZMA_BUF_ERROR) {
            if (s.avail_out == 0) continue;
            rc = trunc_err(o, pos);
        } else if (lr == LZMA_MEM_ERROR) {
            rc = pk_err_nomem(o->err, -1);
        } else if (lr == LZMA_MEMLIMIT_ERROR) {
            rc = pk_err_set(o->err, PK_ELIMIT, (int64_t)pos, -1,
                            "limit exceeded: %s data needs more than %llu bytes of decoder memory",
                            o->what, (unsigned long long)PK_LZMA_MEMLIMIT);
        } else {
            rc = corrupt_err(o, pos,
                             lr == LZMA_FORMAT_ERROR    ? "not an lzma stream"
                             : lr == LZMA_OPTIONS_ERROR ? "unsupported options"
                                                        : "invalid data");
        }
        break;
    }
    xz->end(&s);
    if (rc == PK_OK && !ended) rc = trunc_err(o, len - s.avail_in);
    return rc;
}

/* ---- lz4 frame ------------------------------------------------------------------------------- */

static pk_code run_lz4(outbuf *o, const uint8_t *buf, size_t len) {
    const char *lib;
    const pk_dl_lz4 *lz = pk_dl_get_lz4(&lib);
    if (!lz) return absent_err(o, lib);
    LZ4F_dctx *dctx = NULL;
    if (lz->is_error(lz->create_dctx(&dctx, LZ4F_VERSION))) return pk_err_nomem(o->err, -1);
    size_t pos = 0, hint = 1;
    pk_code rc = PK_OK;
    while (pos < len) {
        if (o->len == o->cap && (rc = out_grow(o, len * 4)) != PK_OK) break;
        size_t in_n = len - pos, out_n = o->cap - o->len;
        size_t r = lz->decompress(dctx, o->data + o->len, &out_n, buf + pos, &in_n, NULL);
        pos += in_n;
        o->len += out_n;
        if ((rc = out_check(o)) != PK_OK) break;
        if (lz->is_error(r)) {
            rc = corrupt_err(o, pos, lz->error_name(r));
            break;
        }
        hint = r;
        if (in_n == 0 && out_n == 0 && o->len < o->cap) {
            rc = corrupt_err(o, pos, "decoder made no progress");
            break;
        }
    }
    /* drain output still buffered in the context */
    while (rc == PK_OK && hint != 0) {
        if (o->len == o->cap && (rc = out_grow(o, len * 4)) != PK_OK) break;
        size_t in_n = 0, out_n = o->cap - o->len;
        size_t r = lz->decompress(dctx, o->data + o->len, &out_n, NULL, &in_n, NULL);
        o->len += out_n;
        if ((rc = out_check(o)) != PK_OK) break;
        if (lz->is_error(r)) {
            rc = corrupt_err(o, pos, lz->error_name(r));
            break;
        }
        if (out_n == 0) {
            if (r != 0) rc = trunc_err(o, pos);
            break;
        }
        hint = r;
    }
    lz->free_dctx(dctx);
    return rc;
}

/* ---- zstd ------------------------------------------------------------------------------------ */

/* What `zstd -d` does with the input: every frame decoded and the contents concatenated,
 * skippable frames (magic 0x184D2A50..5F) skipped. Frames must declare their content size, so
 * the total is known (and checked against the limit) before a byte is inflated. */
static pk_code run_zstd(outbuf *o, const uint8_t *buf, size_t len) {
    unsigned long long size = 0;
    size_t pos = 0;
    while (pos < len) {
        const uint8_t *f = buf + pos;
        size_t fs = ZSTD_findFrameCompressedSize(f, len - pos);
        if (ZSTD_isError(fs)) {
            if (pos > 0 && !pk_zstd_magic(f, len - pos))
                return corrupt_err(o, pos, "trailing bytes after the last zstd frame");
            return ZSTD_getErrorCode(fs) == ZSTD_error_srcSize_wrong
                       ? trunc_err(o, len)
                       : corrupt_err(o, pos, "bad zstd frame header");
        }
        if (f[0] != 0x28) { /* a skippable frame: no content */
            pos += fs;
            continue;
        }
        unsigned long long cs = ZSTD_getFrameContentSize(f, fs);
        if (cs == ZSTD_CONTENTSIZE_UNKNOWN)
            return pos ? pk_err_set(o->err, PK_ECOMPRESS, (int64_t)pos, -1,
                                    "bad compressed data: zstd frame at offset %zu does not "
                                    "declare its content size",
                                    pos)
                       : pk_err_set(o->err, PK_ECOMPRESS, 0, -1,
                                    "bad compressed data: zstd frame does not declare its "
                                    "content size");
        if (cs == ZSTD_CONTENTSIZE_ERROR) return corrupt_err(o, pos, "bad zstd frame header");
        size = size + cs < size ? ~0ull : size + cs;
        if (size > o->max)
            return pk_err_set(
                o->err, PK_ELIMIT, (int64_t)pos, -1,
                "limit exceeded: zstd frame declares %llu bytes%s, more than the limit of %llu", cs,
                size > cs ? " (more with the frames before it)" : "", (unsigned long long)o->max);
        pos += fs;
    }
    o->data = pk_malloc(o->alloc, (size_t)size + 1);
    if (!o->data) return pk_err_nomem(o->err, -1);
    o->cap = (size_t)size;
    size_t r = ZSTD_decompress(o->data, (size_t)size, buf, len);
    if (ZSTD_isError(r)) return corrupt_err(o, 0, ZSTD_getErrorName(r));
    if (r != size) return corrupt_err(o, 0, "content size differs from the frame header");
    o->len = r;
    return PK_OK;
}

/* ---- joblib "ZF" ----------------------------------------------------------------------------- */

static pk_code run_zfile(outbuf *o, const uint8_t *buf, size_t len) {
    size_t k = 2;
    uint64_t declared = 0;
    if (k + 1 < len && buf[k] == '0' && buf[k + 1] == 'x') k += 2;
    size_t digits = 0;
    while (k < len && digits < 17) {
        uint8_t c = buf[k];
        int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (v < 0) break;
        declared = declared * 16 + (uint64_t)v;
        digits++;
        k++;
    }
    if (digits == 0 || digits > 16) return corrupt_err(o, k, "bad length in joblib ZF header");
    size_t spaces = 0;
    while (k < len && buf[k] == ' ' && spaces < 24) {
        k++;
        spaces++;
    }
    if (k >= len) return trunc_err(o, k);
    if (declared > o->max)
        return pk_err_set(
            o->err, PK_ELIMIT, 2, -1,
            "limit exceeded: joblib ZF header declares %llu bytes, more than the limit of %llu",
            (unsigned long long)declared, (unsigned long long)o->max);
    o->max = declared; /* anything longer than declared is corrupt */
    o->what = "joblib ZF";
    pk_code rc = run_zlib(o, buf + k, len - k, 15, k);
    if (rc == PK_ELIMIT) {
        pk_err_clear(o->err);
        return corrupt_err(o, k, "inflates past its declared length");
    }
    if (rc != PK_OK) return rc;
    if (o->len != declared) return corrupt_err(o, k, "inflated length differs from the header");
    return PK_OK;
}

/* The container's name in messages: pk_compression_name's, but "joblib ZF" and "uncompressed". */
static const char *container_name(pk_compression c) {
    if (c == PK_COMP_ZFILE) return "joblib ZF";
    return c == PK_COMP_NONE ? "uncompressed" : pk_compression_name(c);
}

pk_code pk_inflate(const pk_alloc *alloc, pk_compression c, const uint8_t *buf, size_t len,
                   uint64_t max_out, uint8_t **out, size_t *out_len, pk_err *err) {
    outbuf o = {alloc, NULL, 0, 0, max_out, err, container_name(c)};
    pk_code rc;
    *out = NULL;
    *out_len = 0;
    switch (c) {
    case PK_COMP_ZSTD:
        rc = run_zstd(&o, buf, len);
        break;
    case PK_COMP_ZLIB:
        rc = run_zlib(&o, buf, len, 15, 0);
        break;
    case PK_COMP_GZIP:
        rc = run_zlib(&o, buf, len, 31, 0);
        break;
    case PK_COMP_BZ2:
        rc = run_bz2(&o, buf, len);
        break;
    case PK_COMP_XZ:
        rc = run_lzma(&o, buf, len, 0);
        break;
    case PK_COMP_LZMA:
        rc = run_lzma(&o, buf, len, 1);
        break;
    case PK_COMP_LZ4:
        rc = run_lz4(&o, buf, len);
        break;
    case PK_COMP_ZFILE:
        rc = run_zfile(&o, buf, len);
        break;
    default:
        rc = pk_err_set(err, PK_EVALUE, -1, -1, "no compressed container to inflate");
    }
    if (rc != PK_OK) {
        pk_free(alloc, o.data);
        return rc;
    }
    if (!o.data) {
        o.data = pk_malloc(alloc, 1);
        if (!o.data) return pk_err_nomem(err, -1);
    }
    o.data[o.len] = 0; /* every allocation above reserves cap + 1 bytes */
    *out = o.data;
    *out_len = o.len;
    return PK_OK;
}
