/*
 * pk_reader.c - bounds-checked reads (see pk_reader.h).
 */
#include "pk_reader.h"

#include <stdio.h>
#include <string.h>

void pk_reader_init(pk_reader *r, const uint8_t *buf, size_t len, pk_err *err) {
    r->buf = buf;
    r->len = len;
    r->pos = 0;
    r->frame_end = 0;
    r->in_frame = 0;
    r->op = -1;
    r->op_pos = 0;
    r->base = 0;
    r->err = err;
}

size_t pk_reader_available(const pk_reader *r) {
    if (r->in_frame) return r->frame_end - r->pos;
    return r->len - r->pos;
}

static const char *op_label(const pk_reader *r, char tmp[16]) {
    const char *name = pk_opcode_name(r->op);
    if (name) return name;
    if (r->op < 0) return "pickle";
    snprintf(tmp, 16, "opcode 0x%02x", (unsigned)r->op & 0xffu);
    return tmp;
}

pk_code pk_reader_fail(pk_reader *r, pk_code code, const char *fmt, ...) {
    char tmp[16], body[PK_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    int64_t off = r->base + (int64_t)r->op_pos;
    return pk_err_set(r->err, code, off, r->op, "%s: %s at offset %lld: %s", pk_code_label(code),
                      op_label(r, tmp), (long long)off, body);
}

pk_code pk_reader_short(pk_reader *r, uint64_t n) {
    char tmp[16];
    int64_t off = r->base + (int64_t)r->op_pos;
    if (r->in_frame && r->len - r->pos >= n)
        return pk_err_set(r->err, PK_EFRAME, off, r->op,
                          "frame violation: %s at offset %lld needs %llu bytes, but the frame "
                          "ends after %zu, at offset %lld",
                          op_label(r, tmp), (long long)off, (unsigned long long)n,
                          r->frame_end - r->pos, (long long)(r->base + (int64_t)r->frame_end));
    return pk_err_set(r->err, PK_ETRUNC, off, r->op,
                      "truncated pickle: %s at offset %lld needs %llu bytes, %zu remain",
                      op_label(r, tmp), (long long)off, (unsigned long long)n, r->len - r->pos);
}

pk_code pk_read_u16le(pk_reader *r, uint16_t *out) {
    const uint8_t *p;
    pk_code c = pk_read_bytes(r, 2, &p);
    if (c == PK_OK) *out = (uint16_t)(p[0] | (p[1] << 8));
    return c;
}

pk_code pk_read_u32le(pk_reader *r, uint32_t *out) {
    const uint8_t *p;
    pk_code c = pk_read_bytes(r, 4, &p);
    if (c == PK_OK)
        *out = (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
               ((uint32_t)p[3] << 24);
    return c;
}

pk_code pk_read_i32le(pk_reader *r, int32_t *out) {
    uint32_t u;
    pk_code c = pk_read_u32le(r, &u);
    if (c == PK_OK) *out = (int32_t)u; /* two's complement on every supported platform */
    return c;
}

pk_code pk_read_u64le(pk_reader *r, uint64_t *out) {
    const uint8_t *p;
    pk_code c = pk_read_bytes(r, 8, &p);
    if (c == PK_OK) {
        uint64_t v = 0;
        for (int i = 7; i >= 0; i--)
            v = (v << 8) | p[i];
        *out = v;
    }
    return c;
}

pk_code pk_read_f64be(pk_reader *r, double *out) {
    const uint8_t *p;
    pk_code c = pk_read_bytes(r, 8, &p);
    if (c == PK_OK) {
        uint64_t v = 0;
        for (int i = 0; i < 8; i++)
            v = (v << 8) | p[i];
        memcpy(out, &v, sizeof v);
    }
    return c;
}

pk_code pk_read_line(pk_reader *r, const uint8_t **line, size_t *n) {
    size_t avail = pk_reader_available(r);
    const uint8_t *start = r->buf + r->pos;
    const uint8_t *nl = avail ? memchr(start, '\n', avail) : NULL;
    if (!nl) {
        char tmp[16];
        int64_t off = r->base + (int64_t)r->op_pos;
        if (r->in_frame && memchr(start, '\n', r->len - r->pos))
            return pk_err_set(r->err, PK_EFRAME, off, r->op,
                              "frame violation: %s at offset %lld: its line crosses the end of "
                              "the frame at offset %lld",
                              op_label(r, tmp), (long long)off,
                              (long long)(r->base + (int64_t)r->frame_end));
        return pk_err_set(r->err, PK_ETRUNC, off, r->op,
                          "truncated pickle: %s at offset %lld: no end of line in the %zu bytes "
                          "that remain",
                          op_label(r, tmp), (long long)off, avail);
    }
    *line = start;
    *n = (size_t)(nl - start);
    r->pos += *n + 1;
    return PK_OK;
}

pk_code pk_reader_begin_frame(pk_reader *r, uint64_t n) {
    if (r->in_frame)
        return pk_reader_fail(r, PK_EFRAME,
                              "a new frame begins %zu bytes before the end of the current frame",
                              r->frame_end - r->pos);
    if (n > r->len - r->pos)
        return pk_reader_fail(r, PK_ETRUNC, "the frame declares %llu bytes, %zu remain",
                              (unsigned long long)n, r->len - r->pos);
    if (n == 0) return PK_OK;
    r->in_frame = 1;
    r->frame_end = r->pos + (size_t)n;
    return PK_OK;
}
