/*
 * pk_reader.h - the one bounds-checked cursor over input bytes.
 *
 * Every byte the decoder looks at comes through these functions. Each read checks the remaining
 * length (and the end of the current pickle FRAME) before touching memory, and reports a
 * positioned error otherwise. The reader borrows the buffer: it must outlive the reader and every
 * value that points into it.
 *
 * Frames (protocol 4+): after pk_reader_begin_frame(n) the next n bytes form a frame. A read that
 * would cross the frame's end is a PK_EFRAME error (CPython can execute such "straddling" opcodes
 * differently from a static reader, so we refuse them); a FRAME opcode inside an unfinished frame
 * is an error too. The frame is left only by pk_reader_settle between opcodes, once its bytes are
 * all consumed; reads then continue unframed (joblib writes raw array bytes between frames).
 *
 * Errors name the opcode being read: set r->op / r->op_pos before reading an opcode's argument.
 */
#ifndef PK_READER_H
#define PK_READER_H

#include "pk_err.h"
#include "pk_opcodes.h"

#include <stddef.h>
#include <stdint.h>

typedef struct pk_reader {
    const uint8_t *buf; /* borrowed                                   */
    size_t len;
    size_t pos;
    size_t frame_end; /* valid when in_frame                          */
    int in_frame;
    int op;        /* opcode whose argument is being read, or -1  */
    size_t op_pos; /* offset of that opcode                       */
    int64_t base;  /* added to offsets in messages (nested streams) */
    pk_err *err;   /* where errors go (borrowed)                  */
} pk_reader;

void pk_reader_init(pk_reader *r, const uint8_t *buf, size_t len, pk_err *err);

/* Bytes left before the end of input (ignores frames). */
static inline size_t pk_reader_remaining(const pk_reader *r) {
    return r->len - r->pos;
}

/* Bytes that may be read now: up to the frame end inside a frame, else to the end of input. */
size_t pk_reader_available(const pk_reader *r);

/* Reports why n bytes cannot be read now (PK_ETRUNC or PK_EFRAME); the slow path of the reads
 * below. n is 64-bit so that 8-byte lengths are reported as read, on 32-bit targets too. */
pk_code pk_reader_short(pk_reader *r, uint64_t n);

/* Points *out at the next n bytes and advances. Fails (PK_ETRUNC / PK_EFRAME) before moving when
 * fewer than n bytes are available (*out is then NULL). n is any size_t: the check cannot
 * overflow. Inline: this is
 * the decoder's hottest path. */
static inline pk_code pk_read_bytes(pk_reader *r, size_t n, const uint8_t **out) {
    size_t avail = (r->in_frame ? r->frame_end : r->len) - r->pos;
    if (n > avail) {
        *out = NULL;
        return pk_reader_short(r, n);
    }
    *out = r->buf + r->pos;
    r->pos += n;
    return PK_OK;
}

/* pk_read_bytes for an 8-byte length (BINBYTES8, BINUNICODE8, BYTEARRAY8): a length beyond the
 * input is a truncated pickle on every target, also where it exceeds SIZE_MAX. */
static inline pk_code pk_read_bytes64(pk_reader *r, uint64_t n, const uint8_t **out) {
    if (n > (uint64_t)pk_reader_available(r)) {
        *out = NULL;
        return pk_reader_short(r, n);
    }
    return pk_read_bytes(r, (size_t)n, out);
}

/* Reads one byte into *out. At end of input: PK_ETRUNC (and *out = 0). */
static inline pk_code pk_read_u8(pk_reader *r, uint8_t *out) {
    if (r->pos >= (r->in_frame ? r->frame_end : r->len)) {
        *out = 0;
        return pk_reader_short(r, 1);
    }
    *out = r->buf[r->pos++];
    return PK_OK;
}

/* Leaves a frame whose bytes are all consumed. Called between opcodes (and before joblib's raw
 * array bytes, which follow a frame): an opcode and its argument never straddle a frame end,
 * since reads inside an opcode never leave the frame. */
static inline void pk_reader_settle(pk_reader *r) {
    if (r->in_frame && r->pos == r->frame_end) r->in_frame = 0;
}

/* Little-endian unsigned integers of 2, 4, 8 bytes; signed 32-bit; big-endian IEEE double. */
pk_code pk_read_u16le(pk_reader *r, uint16_t *out);
pk_code pk_read_u32le(pk_reader *r, uint32_t *out);
pk_code pk_read_i32le(pk_reader *r, int32_t *out);
pk_code pk_read_u64le(pk_reader *r, uint64_t *out);
pk_code pk_read_f64be(pk_reader *r, double *out);

/* Reads up to and including the next '\n'. *line points at the text, *n excludes the newline.
 * No newline before the available end: PK_ETRUNC. */
pk_code pk_read_line(pk_reader *r, const uint8_t **line, size_t *n);

/* Starts a frame of n bytes at the current position (FRAME opcode). */
pk_code pk_reader_begin_frame(pk_reader *r, uint64_t n);

/* Sets an error positioned at the current opcode, e.g. pk_reader_fail(r, PK_EVALUE, "bad %s", x).
 */
pk_code pk_reader_fail(pk_reader *r, pk_code code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#endif /* PK_READER_H */
