/*
 * pk_vm.c - the unpickler: every opcode of protocols 0-5, executing nothing (see pk_vm.h).
 *
 * One loop reads an opcode byte and step() hands it to the small function of its family (numbers,
 * strings, containers, stack and marks, memo, globals and objects, framing and control), which
 * switches on the PK_OP_ names of pk_opcodes.h. Arguments are read through the bounds-checked
 * pk_reader; values go on one stack with a mark array and a fence (CPython's _pickle.c design);
 * the memo is an array for keys near its size plus a sparse hash for the others. Globals are
 * recorded and pushed as PK_GLOBAL names; REDUCE, NEWOBJ, NEWOBJ_EX, INST, OBJ and BUILD are
 * delegated to pk_globals.c, which interprets the allowlist as data and builds inert objects for
 * everything else.
 *
 * Error messages: "<problem>: <OPCODE> at offset <N>: <detail>", offsets in the decoded stream.
 */
#include "pk_vm.h"

#include "pk_opcodes.h"
#include "pk_unicode.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAIL(vm, code, ...) pk_reader_fail(&(vm)->r, (code), __VA_ARGS__)

/* ---- stack ----------------------------------------------------------------------------------- */

static pk_code nomem(pk_vm *vm) {
    if (vm->ar->over_budget)
        return FAIL(vm, PK_ELIMIT,
                    "over the allocation limit: the decoded objects would need more than %zu "
                    "bytes (the limit is %u times "
                    "the pickle's size plus %llu bytes, at most max_alloc = %llu)",
                    vm->ar->budget, vm->lim->alloc_factor, (unsigned long long)vm->lim->alloc_slack,
                    (unsigned long long)vm->lim->max_alloc);
    return pk_err_nomem(vm->err, vm->r.base + (int64_t)vm->r.op_pos);
}

/* An int value; None, booleans and small ints are shared singletons (immutable in Python too), so
 * a pickle of a million zeros costs a million pointers, not a million nodes. */
static pk_value *vm_int(pk_vm *vm, int64_t v) {
    if (v < PK_SMALL_INT_MIN || v > PK_SMALL_INT_MAX) return pk_new_int(vm->ar, v);
    pk_value **slot = &vm->small_ints[v - PK_SMALL_INT_MIN];
    if (!*slot) *slot = pk_new_int(vm->ar, v);
    return *slot;
}

static pk_value *vm_const(pk_vm *vm, int which) {
    if (!vm->consts[which])
        vm->consts[which] = which == 0 ? pk_new_none(vm->ar) : pk_new_bool(vm->ar, which == 2);
    return vm->consts[which];
}

static pk_code push_slow(pk_vm *vm, pk_value *v) {
    if (!v) return nomem(vm);
    if (vm->sp >= vm->stack_cap) {
        if (vm->sp >= vm->lim->max_stack)
            return FAIL(vm, PK_ELIMIT, "the stack would exceed %u values", vm->lim->max_stack);
        size_t cap = vm->stack_cap ? vm->stack_cap * 2 : 64;
        if (cap > vm->lim->max_stack) cap = vm->lim->max_stack;
        pk_value **n = pk_arena_grow(vm->ar, vm->stack, vm->sp * sizeof *n, cap * sizeof *n);
        if (!n) return nomem(vm);
        vm->stack = n;
        vm->stack_cap = cap;
    }
    vm->stack[vm->sp++] = v;
    return PK_OK;
}

/* Pushes v (NULL: the allocation that made it failed). The common case is inline. */
static inline pk_code push(pk_vm *vm, pk_value *v) {
    if (v && vm->sp < vm->stack_cap) {
        vm->stack[vm->sp++] = v;
        return PK_OK;
    }
    return push_slow(vm, v);
}

/* Requires n values above the fence. */
static pk_code need(pk_vm *vm, size_t n) {
    size_t have = vm->sp - vm->fence;
    if (have >= n) return PK_OK;
    if (have == 0 && vm->nmarks > 0 && n > 0)
        return FAIL(vm, PK_ESTACK, "stack underflow: needs %zu value%s above the MARK, found none",
                    n, n == 1 ? "" : "s");
    return FAIL(vm, PK_ESTACK, "stack underflow: needs %zu value%s, found %zu", n,
                n == 1 ? "" : "s", have);
}

static pk_value *pop(pk_vm *vm) {
    return vm->stack[--vm->sp];
}

static pk_value *top(pk_vm *vm) {
    return vm->stack[vm->sp - 1];
}

static pk_code push_mark(pk_vm *vm) {
    if (vm->nmarks >= vm->lim->max_marks)
        return FAIL(vm, PK_ELIMIT, "more than %u open MARKs", vm->lim->max_marks);
    if (vm->nmarks >= vm->marks_cap) {
        size_t cap = vm->marks_cap ? vm->marks_cap * 2 : 16;
        size_t *n = pk_arena_grow(vm->ar, vm->marks, vm->nmarks * sizeof *n, cap * sizeof *n);
        if (!n) return nomem(vm);
        vm->marks = n;
        vm->marks_cap = cap;
    }
    vm->marks[vm->nmarks++] = vm->sp;
    vm->fence = vm->sp;
    return PK_OK;
}

/* Pops the top mark; *start receives the stack position it marked. */
static pk_code pop_mark(pk_vm *vm, size_t *start) {
    if (vm->nmarks == 0) return FAIL(vm, PK_EMARK, "could not find MARK");
    *start = vm->marks[--vm->nmarks];
    vm->fence = vm->nmarks ? vm->marks[vm->nmarks - 1] : 0;
    return PK_OK;
}

/* ---- memo ------------------------------------------------------------------------------------ */

static size_t memo_slot(const pk_vm *vm, uint32_t key) {
    size_t mask = vm->memo_cap - 1;
    size_t h = (size_t)((key * 2654435761u) ^ (key >> 16)) & mask;
    while (vm->memo[h].val && vm->memo[h].key != key)
        h = (h + 1) & mask;
    return h;
}

/* The sparse slot holding key, or NULL. */
static pk_memo_slot *sparse_find(const pk_vm *vm, uint32_t key) {
    if (!vm->memo_cap) return NULL;
    pk_memo_slot *s = &vm->memo[memo_slot(vm, key)];
    return s->val ? s : NULL;
}

/* Grows the dense array to cover key when key is near the entry count (a key far beyond it
 * goes to the sparse hash, so the array never exceeds about twice the entries). Keys already
 * in the sparse hash stay there. */
static pk_code dense_cover(pk_vm *vm, uint32_t key) {
    if (key < vm->dense_cap || key > 2 * vm->memo_len + 64) return PK_OK;
    size_t cap = vm->dense_cap ? vm->dense_cap * 2 : 64;
    while (cap <= key)
        cap *= 2;
    pk_value **d = pk_arena_alloc(vm->ar, cap * sizeof *d);
    if (!d) return nomem(vm);
    if (vm->dense_cap) memcpy(d, vm->dense, vm->dense_cap * sizeof *d);
    memset(d + vm->dense_cap, 0, (cap - vm->dense_cap) * sizeof *d);
    vm->dense = d;
    vm->dense_cap = cap;
    return PK_OK;
}

static pk_code sparse_put(pk_vm *vm, uint32_t key, pk_value *v) {
    if ((vm->sparse_len + 1) * 2 > vm->memo_cap) {
        size_t cap = vm->memo_cap ? vm->memo_cap * 2 : 64;
        pk_memo_slot *old = vm->memo;
        size_t old_cap = vm->memo_cap;
        vm->memo = pk_arena_calloc(vm->ar, cap, sizeof *vm->memo);
        if (!vm->memo) return nomem(vm);
        vm->memo_cap = cap;
        for (size_t i = 0; i < old_cap; i++)
            if (old[i].val) vm->memo[memo_slot(vm, old[i].key)] = old[i];
    }
    size_t s = memo_slot(vm, key); /* a new key: sparse_find did not find it */
    vm->memo_len++;
    vm->sparse_len++;
    vm->memo[s].key = key;
    vm->memo[s].val = v;
    return PK_OK;
}

static pk_code memo_put_slow(pk_vm *vm, uint64_t key, pk_value *v) {
    if (key > UINT32_MAX)
        return FAIL(vm, PK_EMEMO, "memo key %llu is out of range", (unsigned long long)key);
    uint32_t k = (uint32_t)key;
    pk_memo_slot *sp = sparse_find(vm, k);
    if (sp) { /* a key stored before the array covered it stays where it is */
        sp->val = v;
        return PK_OK;
    }
    int present = k < vm->dense_cap && vm->dense[k];
    if (vm->memo_len >= vm->lim->max_memo && !present)
        return FAIL(vm, PK_ELIMIT, "more than %u memo entries", vm->lim->max_memo);
    PK_TRY(dense_cover(vm, k));
    if (k >= vm->dense_cap) return sparse_put(vm, k, v);
    if (!present) vm->memo_len++;
    vm->dense[k] = v;
    return PK_OK;
}

/* memo_put_slow's result for a key the dense array covers while the sparse hash is empty (every
 * MEMOIZE of a pickle without PUT keys far ahead), inline. */
static inline pk_code memo_put(pk_vm *vm, uint64_t key, pk_value *v) {
    if (key >= vm->dense_cap || vm->memo_cap ||
        (!vm->dense[key] && vm->memo_len >= vm->lim->max_memo))
        return memo_put_slow(vm, key, v);
    if (!vm->dense[key]) vm->memo_len++;
    vm->dense[key] = v;
    return PK_OK;
}

static pk_code memo_get_slow(pk_vm *vm, uint64_t key) {
    if (key <= UINT32_MAX) {
        pk_memo_slot *s = sparse_find(vm, (uint32_t)key);
        if (s) return push(vm, s->val);
    }
    return FAIL(vm, PK_EMEMO, "memo key %llu not found", (unsigned long long)key);
}

/* Pushes the value stored under key: the dense array inline, the rest in memo_get_slow. */
static inline pk_code memo_get(pk_vm *vm, uint64_t key) {
    if (key < vm->dense_cap && vm->dense[key]) return push(vm, vm->dense[key]);
    return memo_get_slow(vm, key);
}

/* ---- text arguments -------------------------------------------------------------------------- */

/* Parses an optionally signed decimal integer text (surrounding blanks allowed). Values beyond
 * int64 become a PK_BIGINT. Returns NULL with an error set on bad text. */
static pk_value *parse_decimal(pk_vm *vm, const uint8_t *s, size_t n) {
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        n--;
    while (n && (*s == ' ' || *s == '\t'))
        s++, n--;
    int neg = 0;
    if (n && (*s == '-' || *s == '+')) {
        neg = *s == '-';
        s++, n--;
    }
    if (n == 0) {
        FAIL(vm, PK_EVALUE, "invalid integer literal");
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9') {
            FAIL(vm, PK_EVALUE, "invalid integer literal: character %zu is not a digit", i);
            return NULL;
        }
    /* fast path: fits in int64 */
    uint64_t u = 0;
    size_t i = 0;
    for (; i < n; i++) {
        unsigned d = s[i] - '0';
        if (u > (UINT64_MAX - d) / 10) break;
        u = u * 10 + d;
    }
    if (i == n && (u <= (uint64_t)INT64_MAX || (neg && u == (uint64_t)INT64_MAX + 1))) {
        int64_t v = neg ? (int64_t)(0 - u) : (int64_t)u;
        pk_value *r = vm_int(vm, v);
        if (!r) nomem(vm);
        return r;
    }
    /* big: base 2^32 limbs, little-endian magnitude, multiply-add per digit. Quadratic, so the
     * digit count is capped (Python itself refuses int text above 4300 digits by default). */
    if (n > PK_MAX_BIGINT_BYTES * 2) {
        FAIL(vm, PK_ELIMIT, "integer literal of %zu digits exceeds the limit of %u", n,
             PK_MAX_BIGINT_BYTES * 2);
        return NULL;
    }
    size_t nl = n / 9 + 2;
    uint32_t *limb = pk_arena_calloc(vm->ar, nl, sizeof *limb);
    if (!limb) {
        nomem(vm);
        return NULL;
    }
    size_t used = 1;
    for (i = 0; i < n; i++) {
        uint64_t carry = (uint64_t)(s[i] - '0');
        for (size_t k = 0; k < used; k++) {
            uint64_t t = (uint64_t)limb[k] * 10u + carry;
            limb[k] = (uint32_t)t;
            carry = t >> 32;
        }
        if (carry) limb[used++] = (uint32_t)carry;
    }
    /* to two's complement bytes, with room for the sign bit */
    size_t nb = used * 4 + 1;
    uint8_t *b = pk_arena_alloc(vm->ar, nb);
    if (!b) {
        nomem(vm);
        return NULL;
    }
    for (size_t k = 0; k < used; k++)
        for (int j = 0; j < 4; j++)
            b[k * 4 + (size_t)j] = (uint8_t)(limb[k] >> (8 * j));
    b[nb - 1] = 0;
    if (neg) {
        unsigned carry = 1;
        for (size_t k = 0; k < nb; k++) {
            unsigned t = (uint8_t)~b[k] + carry;
            b[k] = (uint8_t)t;
            carry = t >> 8;
        }
    }
    return pk_new_long_le(vm->ar, b, nb);
}

static pk_code push_utf8(pk_vm *vm, const uint8_t *s, size_t n) {
    size_t bad = pk_utf8_check((const char *)s, n);
    if (bad != n) return FAIL(vm, PK_EVALUE, "invalid UTF-8 in string at byte %zu of %zu", bad, n);
    return push(vm, pk_new_str(vm->ar, (const char *)s, n));
}

/* UNICODE: raw-unicode-escape text. */
static pk_code push_raw_unicode(pk_vm *vm, const uint8_t *s, size_t n) {
    size_t cap;
    if (pk_mul_overflow(n, 2, &cap)) return nomem(vm);
    uint8_t *out = pk_arena_alloc(vm->ar, cap + 1);
    if (!out) return nomem(vm);
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        if (s[i] == '\\' && i + 1 < n && (s[i + 1] == 'u' || s[i + 1] == 'U')) {
            /* an even run of backslashes before it would make it literal */
            size_t bs = 0;
            while (bs < i && s[i - 1 - bs] == '\\')
                bs++;
            if (bs % 2 == 0) {
                size_t digits = s[i + 1] == 'u' ? 4 : 8;
                if (n - i - 2 < digits)
                    return FAIL(vm, PK_EVALUE, "truncated \\%c escape in raw-unicode-escape text",
                                s[i + 1]);
                uint32_t cp = 0;
                for (size_t k = 0; k < digits; k++) {
                    uint8_t h = s[i + 2 + k];
                    int d = h >= '0' && h <= '9'   ? h - '0'
                            : h >= 'a' && h <= 'f' ? h - 'a' + 10
                            : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                                   : -1;
                    if (d < 0) return FAIL(vm, PK_EVALUE, "bad hex digit in \\%c escape", s[i + 1]);
                    cp = cp * 16 + (uint32_t)d;
                }
                if (cp > 0x10FFFF)
                    return FAIL(vm, PK_EVALUE, "\\U%08x is not a Unicode code point", cp);
                o += pk_utf8_put(cp, out + o);
                i += 2 + digits;
                continue;
            }
        }
        o += pk_utf8_put(s[i], out + o); /* Latin-1 byte: at most 2 UTF-8 bytes */
        i++;
    }
    out[o] = 0;
    pk_value *v = pk_new(vm->ar, PK_STR);
    if (!v) return nomem(vm);
    v->u.s.ptr = (const char *)out;
    v->u.s.len = o;
    return push(vm, v);
}

/* Python 2 str (STRING/BINSTRING/SHORT_BINSTRING): str when ASCII (what Python 3's default
 * encoding='ASCII' accepts), bytes otherwise. Flagged PK_VF_PY2STR either way so numpy can take
 * the original bytes. */
static pk_code push_py2str(pk_vm *vm, const uint8_t *s, size_t n, int borrow) {
    int ascii = 1;
    for (size_t i = 0; i < n && ascii; i++)
        ascii = s[i] < 0x80;
    pk_value *v = ascii ? pk_new_str(vm->ar, (const char *)s, n)
                        : pk_new_bytes(vm->ar, PK_BYTES, s, n, borrow);
    if (v) v->flags |= PK_VF_PY2STR;
    return push(vm, v);
}

/* STRING: a quoted Python literal with escapes. */
static pk_code load_string(pk_vm *vm, const uint8_t *s, size_t n) {
    if (n < 2 || (s[0] != '\'' && s[0] != '"') || s[n - 1] != s[0])
        return FAIL(vm, PK_EVALUE, "the STRING opcode argument must be quoted");
    s++;
    n -= 2;
    uint8_t *out = pk_arena_alloc(vm->ar, n + 1);
    if (!out) return nomem(vm);
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        if (s[i] != '\\') {
            out[o++] = s[i++];
            continue;
        }
        if (i + 1 >= n) return FAIL(vm, PK_EVALUE, "trailing \\ in the STRING literal");
        uint8_t c = s[i + 1];
        i += 2;
        switch (c) {
        case '\n':
            break;
        case '\\':
            out[o++] = '\\';
            break;
        case '\'':
            out[o++] = '\'';
            break;
        case '"':
            out[o++] = '"';
            break;
        case 'b':
            out[o++] = '\b';
            break;
        case 'f':
            out[o++] = '\f';
            break;
        case 't':
            out[o++] = '\t';
            break;
        case 'n':
            out[o++] = '\n';
            break;
        case 'r':
            out[o++] = '\r';
            break;
        case 'v':
            out[o++] = '\v';
            break;
        case 'a':
            out[o++] = '\a';
            break;
        case 'x': {
            int v = 0, k = 0;
            for (; k < 2 && i < n; k++, i++) {
                uint8_t h = s[i];
                int d = h >= '0' && h <= '9'   ? h - '0'
                        : h >= 'a' && h <= 'f' ? h - 'a' + 10
                        : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                               : -1;
                if (d < 0) break;
                v = v * 16 + d;
            }
            if (k != 2) return FAIL(vm, PK_EVALUE, "invalid \\x escape in STRING");
            out[o++] = (uint8_t)v;
            break;
        }
        default:
            if (c >= '0' && c <= '7') {
                int v = c - '0';
                for (int k = 0; k < 2 && i < n && s[i] >= '0' && s[i] <= '7'; k++, i++)
                    v = v * 8 + (s[i] - '0');
                out[o++] = (uint8_t)v;
            } else {
                out[o++] = '\\';
                out[o++] = c;
            }
        }
    }
    return push_py2str(vm, out, o, 1);
}

/* FLOAT: repr text. */
static pk_code load_float_text(pk_vm *vm, const uint8_t *s, size_t n) {
    char tmp[64];
    if (n == 0 || n >= sizeof tmp) return FAIL(vm, PK_EVALUE, "invalid float literal");
    memcpy(tmp, s, n);
    tmp[n] = 0;
    char *end;
    errno = 0;
    double d = strtod(tmp, &end);
    while (*end == ' ' || *end == '\r')
        end++;
    if (end == tmp || *end) {
        int printable = 1;
        for (size_t i = 0; i < n && printable; i++)
            printable = s[i] >= 0x20 && s[i] < 0x7f;
        if (printable) return FAIL(vm, PK_EVALUE, "invalid float literal '%s'", tmp);
        return FAIL(vm, PK_EVALUE, "invalid float literal (%zu bytes, not printable text)", n);
    }
    return push(vm, pk_new_float(vm->ar, d));
}

/* ---- globals --------------------------------------------------------------------------------- */

pk_code pk_vm_note_global(pk_vm *vm, const char *module, const char *name) {
    if (pk_doc_note_global(vm->doc, module, name, pk_global_allowed(module, name), NULL))
        return nomem(vm);
    return PK_OK;
}

/* Pushes the global module.name (after Python 2 mapping for protocols < 3). */
static pk_code push_global(pk_vm *vm, const uint8_t *m, size_t mlen, const uint8_t *nm,
                           size_t nlen) {
    if (pk_utf8_check((const char *)m, mlen) != mlen ||
        pk_utf8_check((const char *)nm, nlen) != nlen)
        return FAIL(vm, PK_EVALUE, "module or class name is not valid UTF-8");
    if (mlen == 0 || nlen == 0) return FAIL(vm, PK_EVALUE, "empty module or class name");
    if (memchr(m, 0, mlen) || memchr(nm, 0, nlen))
        return FAIL(vm, PK_EVALUE, "module or class name contains a NUL byte");
    pk_value *g = pk_new_global(vm->ar, (const char *)m, mlen, (const char *)nm, nlen);
    if (!g) return nomem(vm);
    if (vm->proto < 3) {
        const char *mod = g->u.g.module, *name = g->u.g.name;
        pk_global_map_py2(&mod, &name);
        if (mod != g->u.g.module || name != g->u.g.name) {
            g->u.g.module = mod;
            g->u.g.name = name;
            g->u.g.module_len = strlen(mod);
            g->u.g.name_len = strlen(name);
        }
    }
    PK_TRY(pk_vm_note_global(vm, g->u.g.module, g->u.g.name));
    return push(vm, g);
}

/* "module\nname\n" argument of GLOBAL and INST. */
static pk_code read_global_arg(pk_vm *vm, const uint8_t **m, size_t *mlen, const uint8_t **nm,
                               size_t *nlen) {
    PK_TRY(pk_read_line(&vm->r, m, mlen));
    return pk_read_line(&vm->r, nm, nlen);
}

pk_code pk_vm_position_error(pk_vm *vm) {
    pk_err *e = vm->err;
    if (e->code == PK_OK || e->offset >= 0) return e->code;
    char body[PK_ERR_MSG_MAX];
    snprintf(body, sizeof body, "%s", e->msg);
    pk_code code = e->code;
    pk_err_clear(e);
    return FAIL(vm, code, "%s", body);
}

static pk_code position_helper_error(pk_vm *vm, pk_code rc) {
    if (rc == PK_ENOMEM && vm->ar->over_budget) {
        pk_err_clear(vm->err);
        return nomem(vm);
    }
    if (vm->err->code == PK_OK) return FAIL(vm, rc, "%s", pk_code_label(rc));
    return pk_vm_position_error(vm);
}

/* A helper's result (pk_globals.c, pk_value.c report errors without a position) positioned at
 * the opcode being executed: PK_TRY(positioned(vm, helper(...))). */
static inline pk_code positioned(pk_vm *vm, pk_code rc) {
    return rc == PK_OK ? PK_OK : position_helper_error(vm, rc);
}

/* Builds a tuple from stack[start..sp) and truncates the stack to start. */
static pk_value *take_tuple(pk_vm *vm, size_t start) {
    size_t n = vm->sp - start;
    pk_value *t = pk_new_seq(vm->ar, PK_TUPLE, n);
    if (!t) return NULL;
    if (n) memcpy(t->u.seq.items, vm->stack + start, n * sizeof(pk_value *));
    t->u.seq.len = n;
    vm->sp = start;
    return t;
}

/* APPEND(S) (into a list, `direct` == PK_LIST) and ADDITEMS (into a set, `direct` == PK_SET):
 * moves stack[start..sp) into target. On an inert object (a list/set subclass, or a class with
 * append/extend/add) the items are recorded in its `items` list. */
static pk_code add_to_seq(pk_vm *vm, pk_value *target, size_t start, pk_kind direct) {
    size_t n = vm->sp - start;
    pk_value *seq = target;
    if (target->kind == PK_OBJECT) {
        if (!target->u.o.items && !(target->u.o.items = pk_new_seq(vm->ar, PK_LIST, n)))
            return nomem(vm);
        seq = target->u.o.items;
    } else if (target->kind != direct) {
        char tn[96];
        return FAIL(vm, PK_ESTACK, "cannot %s a value of type %s",
                    direct == PK_LIST ? "append to" : "add items to",
                    pk_type_name(target, tn, sizeof tn));
    }
    for (size_t i = 0; i < n; i++)
        PK_TRY(positioned(vm, pk_seq_append(vm->ar, seq, vm->stack[start + i], vm->err)));
    vm->sp = start;
    return PK_OK;
}

static pk_code set_items(pk_vm *vm, pk_value *target, size_t start) {
    size_t n = vm->sp - start;
    if (n % 2) return FAIL(vm, PK_ESTACK, "odd number of items (%zu) for key/value pairs", n);
    pk_value *dict = NULL;
    if (target->kind == PK_DICT) {
        dict = target;
    } else if (target->kind == PK_OBJECT) {
        if (!target->u.o.dictitems && !(target->u.o.dictitems = pk_new_dict(vm->ar, n / 2)))
            return nomem(vm);
        dict = target->u.o.dictitems;
    } else {
        char tn[96];
        return FAIL(vm, PK_ESTACK, "cannot set items on a value of type %s",
                    pk_type_name(target, tn, sizeof tn));
    }
    PK_TRY(positioned(vm, pk_dict_reserve(vm->ar, dict, n / 2, vm->err)));
    for (size_t i = 0; i < n; i += 2)
        PK_TRY(positioned(vm, pk_dict_set(vm->ar, dict, vm->stack[start + i],
                                          vm->stack[start + i + 1], vm->err)));
    vm->sp = start;
    return PK_OK;
}

static pk_code seq_from_stack(pk_vm *vm, pk_kind kind, size_t start) {
    size_t n = vm->sp - start;
    int copy = kind == PK_LIST || kind == PK_TUPLE;
    /* a list or tuple takes the n items at once: its array is not zero-filled first (n items
     * of the stack: the size cannot overflow) */
    pk_value *s = pk_new_seq(vm->ar, kind, copy ? 0 : n);
    if (!s) return nomem(vm);
    if (copy) {
        if (n) {
            s->u.seq.items = pk_arena_alloc(vm->ar, n * sizeof(pk_value *));
            if (!s->u.seq.items) return nomem(vm);
            memcpy(s->u.seq.items, vm->stack + start, n * sizeof(pk_value *));
            s->u.seq.cap = n;
        }
        s->u.seq.len = n;
    } else {
        for (size_t i = 0; i < n; i++)
            PK_TRY(positioned(vm, pk_seq_append(vm->ar, s, vm->stack[start + i], vm->err)));
    }
    vm->sp = start;
    return push(vm, s);
}

static pk_code unsupported_ext(pk_vm *vm, int64_t code) {
    if (code <= 0) return FAIL(vm, PK_EVALUE, "EXT code %lld must be positive", (long long)code);
    return FAIL(vm, PK_EUNSUPPORTED,
                "extension code %lld refers to Python's copyreg registry, which a pickle read "
                "without Python cannot resolve",
                (long long)code);
}

static pk_code unsupported_persid(pk_vm *vm) {
    return FAIL(vm, PK_EUNSUPPORTED,
                "persistent IDs are not supported (the pickle needs its writer's "
                "persistent_load)");
}

/* ---- opcode families ------------------------------------------------------------------------- */

/* Each family executes the opcodes step() hands it; `op` is always one of its own. step() passes
 * it as a constant and the families are inlined, so each call folds to its one case: the split
 * costs no second dispatch. */
static pk_code unknown_opcode(pk_vm *vm, uint8_t op) {
    pk_reader *r = &vm->r;
    return pk_err_set(vm->err, PK_EOPCODE, r->base + (int64_t)r->op_pos, op,
                      "unknown opcode: byte 0x%02x at offset %lld is not a pickle opcode", op,
                      (long long)(r->base + (int64_t)r->op_pos));
}

/* Integers, floats, None and the booleans. */
static PK_ALWAYS_INLINE pk_code op_number(pk_vm *vm, uint8_t op) {
    pk_reader *r = &vm->r;
    const uint8_t *p;
    size_t n;
    uint8_t u8;
    uint16_t u16;
    int32_t i32;
    double d;
    pk_value *v;
    switch (op) {
    case PK_OP_INT:
        PK_TRY(pk_read_line(r, &p, &n));
        if (n == 2 && p[0] == '0' && (p[1] == '0' || p[1] == '1'))
            return push(vm, vm_const(vm, p[1] == '1' ? 2 : 1));
        v = parse_decimal(vm, p, n);
        return v ? push(vm, v) : vm->err->code;
    case PK_OP_LONG:
        PK_TRY(pk_read_line(r, &p, &n));
        if (n && p[n - 1] == 'L') n--;
        v = parse_decimal(vm, p, n);
        return v ? push(vm, v) : vm->err->code;
    case PK_OP_BININT:
        PK_TRY(pk_read_i32le(r, &i32));
        return push(vm, vm_int(vm, i32));
    case PK_OP_BININT1:
        PK_TRY(pk_read_u8(r, &u8));
        return push(vm, vm_int(vm, u8));
    case PK_OP_BININT2:
        PK_TRY(pk_read_u16le(r, &u16));
        return push(vm, vm_int(vm, u16));
    case PK_OP_LONG1:
        PK_TRY(pk_read_u8(r, &u8));
        PK_TRY(pk_read_bytes(r, u8, &p));
        return push(vm, pk_new_long_le(vm->ar, p, u8));
    case PK_OP_LONG4:
        PK_TRY(pk_read_i32le(r, &i32));
        if (i32 < 0) return FAIL(vm, PK_EVALUE, "negative LONG4 byte count %d", i32);
        PK_TRY(pk_read_bytes(r, (size_t)i32, &p));
        if ((size_t)i32 > PK_MAX_BIGINT_BYTES)
            return FAIL(vm, PK_ELIMIT, "integer of %d bytes exceeds the limit of %u bytes", i32,
                        PK_MAX_BIGINT_BYTES);
        return push(vm, pk_new_long_le(vm->ar, p, (size_t)i32));
    case PK_OP_FLOAT:
        PK_TRY(pk_read_line(r, &p, &n));
        return load_float_text(vm, p, n);
    case PK_OP_BINFLOAT:
        PK_TRY(pk_read_f64be(r, &d));
        return push(vm, pk_new_float(vm->ar, d));
    case PK_OP_NONE:
        return push(vm, vm_const(vm, 0));
    case PK_OP_NEWTRUE:
        return push(vm, vm_const(vm, 2));
    case PK_OP_NEWFALSE:
        return push(vm, vm_const(vm, 1));
    default:
        return unknown_opcode(vm, op);
    }
}

/* str, Python 2 str, bytes, bytearray and out-of-band buffers. */
static PK_ALWAYS_INLINE pk_code op_string(pk_vm *vm, uint8_t op) {
    pk_reader *r = &vm->r;
    const uint8_t *p;
    size_t n;
    uint8_t u8;
    uint32_t u32;
    int32_t i32;
    uint64_t u64;
    switch (op) {
    case PK_OP_STRING:
        PK_TRY(pk_read_line(r, &p, &n));
        return load_string(vm, p, n);
    case PK_OP_BINSTRING:
        PK_TRY(pk_read_i32le(r, &i32));
        if (i32 < 0) return FAIL(vm, PK_EVALUE, "negative BINSTRING length %d", i32);
        PK_TRY(pk_read_bytes(r, (size_t)i32, &p));
        return push_py2str(vm, p, (size_t)i32, 1);
    case PK_OP_SHORT_BINSTRING:
        PK_TRY(pk_read_u8(r, &u8));
        PK_TRY(pk_read_bytes(r, u8, &p));
        return push_py2str(vm, p, u8, 1);
    case PK_OP_BINBYTES:
        PK_TRY(pk_read_u32le(r, &u32));
        PK_TRY(pk_read_bytes(r, u32, &p));
        return push(vm, pk_new_bytes(vm->ar, PK_BYTES, p, u32, 1));
    case PK_OP_SHORT_BINBYTES:
        PK_TRY(pk_read_u8(r, &u8));
        PK_TRY(pk_read_bytes(r, u8, &p));
        return push(vm, pk_new_bytes(vm->ar, PK_BYTES, p, u8, 1));
    case PK_OP_BINBYTES8:
    case PK_OP_BYTEARRAY8:
        PK_TRY(pk_read_u64le(r, &u64));
        PK_TRY(pk_read_bytes64(r, u64, &p));
        return push(vm, pk_new_bytes(vm->ar, op == PK_OP_BINBYTES8 ? PK_BYTES : PK_BYTEARRAY, p,
                                     (size_t)u64, 1));
    case PK_OP_UNICODE:
        PK_TRY(pk_read_line(r, &p, &n));
        return push_raw_unicode(vm, p, n);
    case PK_OP_SHORT_BINUNICODE:
        PK_TRY(pk_read_u8(r, &u8));
        PK_TRY(pk_read_bytes(r, u8, &p));
        return push_utf8(vm, p, u8);
    case PK_OP_BINUNICODE:
        PK_TRY(pk_read_u32le(r, &u32));
        PK_TRY(pk_read_bytes(r, u32, &p));
        return push_utf8(vm, p, u32);
    case PK_OP_BINUNICODE8:
        PK_TRY(pk_read_u64le(r, &u64));
        PK_TRY(pk_read_bytes64(r, u64, &p));
        return push_utf8(vm, p, (size_t)u64);
    case PK_OP_NEXT_BUFFER:
        return FAIL(vm, PK_EUNSUPPORTED,
                    "out-of-band buffers are not supported (the pickle was written with a "
                    "buffer_callback; its data is not in the stream)");
    case PK_OP_READONLY_BUFFER:
        PK_TRY(need(vm, 1));
        top(vm)->flags |= PK_VF_READONLY;
        return PK_OK;
    default:
        return unknown_opcode(vm, op);
    }
}

/* The value below the top MARK, which APPENDS, SETITEMS and ADDITEMS add to. */
static pk_code below_mark(pk_vm *vm, size_t *start, const char *what, pk_value **target) {
    PK_TRY(pop_mark(vm, start));
    if (*start == 0 || *start - 1 < vm->fence)
        return FAIL(vm, PK_ESTACK, "stack underflow: no %s below the MARK", what);
    *target = vm->stack[*start - 1];
    return PK_OK;
}

/* Lists, tuples, dicts, sets and frozensets. */
static PK_ALWAYS_INLINE pk_code op_container(pk_vm *vm, uint8_t op) {
    size_t start;
    pk_value *target;
    switch (op) {
    case PK_OP_EMPTY_LIST:
        return push(vm, pk_new_seq(vm->ar, PK_LIST, 0));
    case PK_OP_EMPTY_TUPLE:
        return push(vm, pk_new_seq(vm->ar, PK_TUPLE, 0));
    case PK_OP_EMPTY_DICT:
        return push(vm, pk_new_dict(vm->ar, 0));
    case PK_OP_EMPTY_SET:
        return push(vm, pk_new_seq(vm->ar, PK_SET, 0));
    case PK_OP_APPEND: {
        PK_TRY(need(vm, 2));
        pk_value *item = pop(vm);
        target = top(vm);
        vm->stack[vm->sp++] = item;
        return add_to_seq(vm, target, vm->sp - 1, PK_LIST);
    }
    case PK_OP_APPENDS:
        PK_TRY(below_mark(vm, &start, "list", &target));
        return add_to_seq(vm, target, start, PK_LIST);
    case PK_OP_LIST:
        PK_TRY(pop_mark(vm, &start));
        return seq_from_stack(vm, PK_LIST, start);
    case PK_OP_TUPLE:
        PK_TRY(pop_mark(vm, &start));
        return seq_from_stack(vm, PK_TUPLE, start);
    case PK_OP_TUPLE1:
    case PK_OP_TUPLE2:
    case PK_OP_TUPLE3: {
        size_t k = (size_t)(op - PK_OP_TUPLE1 + 1);
        PK_TRY(need(vm, k));
        return seq_from_stack(vm, PK_TUPLE, vm->sp - k);
    }
    case PK_OP_DICT: {
        PK_TRY(pop_mark(vm, &start));
        pk_value *dict = pk_new_dict(vm->ar, (vm->sp - start) / 2);
        if (!dict) return nomem(vm);
        PK_TRY(set_items(vm, dict, start));
        return push(vm, dict);
    }
    case PK_OP_SETITEM:
        PK_TRY(need(vm, 3));
        return set_items(vm, vm->stack[vm->sp - 3], vm->sp - 2);
    case PK_OP_SETITEMS:
        PK_TRY(below_mark(vm, &start, "dict", &target));
        return set_items(vm, target, start);
    case PK_OP_ADDITEMS:
        PK_TRY(below_mark(vm, &start, "set", &target));
        return add_to_seq(vm, target, start, PK_SET);
    case PK_OP_FROZENSET:
        PK_TRY(pop_mark(vm, &start));
        return seq_from_stack(vm, PK_FROZENSET, start);
    default:
        return unknown_opcode(vm, op);
    }
}

/* POP, DUP, MARK and POP_MARK. */
static PK_ALWAYS_INLINE pk_code op_stack(pk_vm *vm, uint8_t op) {
    size_t start;
    switch (op) {
    case PK_OP_POP:
        if (vm->nmarks > 0 && vm->marks[vm->nmarks - 1] == vm->sp) return pop_mark(vm, &start);
        PK_TRY(need(vm, 1));
        vm->sp--;
        return PK_OK;
    case PK_OP_DUP:
        PK_TRY(need(vm, 1));
        return push(vm, top(vm));
    case PK_OP_MARK:
        return push_mark(vm);
    case PK_OP_POP_MARK:
        PK_TRY(pop_mark(vm, &start));
        vm->sp = start;
        return PK_OK;
    default:
        return unknown_opcode(vm, op);
    }
}

/* The decimal key of GET and PUT; `what` words a negative or huge key. */
static pk_code text_memo_key(pk_vm *vm, const char *what, uint64_t *key) {
    const uint8_t *p;
    size_t n;
    PK_TRY(pk_read_line(&vm->r, &p, &n));
    pk_value *k = parse_decimal(vm, p, n);
    if (!k) return vm->err->code;
    if (k->kind != PK_INT || k->u.i < 0) return FAIL(vm, PK_EMEMO, "%s", what);
    *key = (uint64_t)k->u.i;
    return PK_OK;
}

/* GET, PUT and their binary forms, MEMOIZE. */
static PK_ALWAYS_INLINE pk_code op_memo(pk_vm *vm, uint8_t op) {
    pk_reader *r = &vm->r;
    uint8_t u8;
    uint32_t u32;
    uint64_t key;
    switch (op) {
    case PK_OP_GET:
        PK_TRY(text_memo_key(vm, "memo key out of range", &key));
        return memo_get(vm, key);
    case PK_OP_BINGET:
        PK_TRY(pk_read_u8(r, &u8));
        return memo_get(vm, u8);
    case PK_OP_LONG_BINGET:
        PK_TRY(pk_read_u32le(r, &u32));
        return memo_get(vm, u32);
    case PK_OP_PUT:
        PK_TRY(text_memo_key(vm, "negative PUT argument", &key));
        PK_TRY(need(vm, 1));
        return memo_put(vm, key, top(vm));
    case PK_OP_BINPUT:
        PK_TRY(pk_read_u8(r, &u8));
        PK_TRY(need(vm, 1));
        return memo_put(vm, u8, top(vm));
    case PK_OP_LONG_BINPUT:
        PK_TRY(pk_read_u32le(r, &u32));
        PK_TRY(need(vm, 1));
        return memo_put(vm, u32, top(vm));
    case PK_OP_MEMOIZE:
        PK_TRY(need(vm, 1));
        return memo_put(vm, vm->memo_len, top(vm));
    default:
        return unknown_opcode(vm, op);
    }
}

/* Globals, the calls that build objects (REDUCE, BUILD, INST, OBJ, NEWOBJ, NEWOBJ_EX) and the
 * refused ways of naming objects (EXT1/2/4, PERSID, BINPERSID). */
static PK_ALWAYS_INLINE pk_code op_object(pk_vm *vm, uint8_t op) {
    pk_reader *r = &vm->r;
    const uint8_t *p, *p2;
    size_t n, n2, start;
    uint8_t u8;
    uint16_t u16;
    int32_t i32;
    pk_value *res = NULL;
    switch (op) {
    case PK_OP_GLOBAL:
        PK_TRY(read_global_arg(vm, &p, &n, &p2, &n2));
        return push_global(vm, p, n, p2, n2);
    case PK_OP_STACK_GLOBAL: {
        PK_TRY(need(vm, 2));
        pk_value *name = vm->stack[vm->sp - 1], *mod = vm->stack[vm->sp - 2];
        if (mod->kind != PK_STR || name->kind != PK_STR)
            return FAIL(vm, PK_ESTACK, "STACK_GLOBAL requires str module and name");
        vm->sp -= 2;
        return push_global(vm, (const uint8_t *)mod->u.s.ptr, mod->u.s.len,
                           (const uint8_t *)name->u.s.ptr, name->u.s.len);
    }
    case PK_OP_REDUCE: {
        PK_TRY(need(vm, 2));
        pk_value *args = pop(vm), *callable = pop(vm);
        if (args->kind != PK_TUPLE) return FAIL(vm, PK_ESTACK, "REDUCE arguments must be a tuple");
        PK_TRY(positioned(vm, pk_globals_reduce(vm, callable, args, &res)));
        return push(vm, res);
    }
    case PK_OP_BUILD: {
        PK_TRY(need(vm, 2));
        pk_value *state = pop(vm);
        PK_TRY(positioned(vm, pk_globals_build(vm, &vm->stack[vm->sp - 1], state)));
        return PK_OK;
    }
    case PK_OP_INST: {
        PK_TRY(read_global_arg(vm, &p, &n, &p2, &n2));
        PK_TRY(pop_mark(vm, &start));
        pk_value *args = take_tuple(vm, start);
        if (!args) return nomem(vm);
        PK_TRY(push_global(vm, p, n, p2, n2));
        pk_value *cls = pop(vm);
        PK_TRY(positioned(vm, pk_globals_inst(vm, cls, args, &res)));
        return push(vm, res);
    }
    case PK_OP_OBJ: {
        PK_TRY(pop_mark(vm, &start));
        if (vm->sp - start < 1) return FAIL(vm, PK_ESTACK, "OBJ needs a class after the MARK");
        pk_value *cls = vm->stack[start];
        pk_value *args = take_tuple(vm, start + 1);
        if (!args) return nomem(vm);
        vm->sp = start;
        PK_TRY(positioned(vm, pk_globals_inst(vm, cls, args, &res)));
        return push(vm, res);
    }
    case PK_OP_NEWOBJ: {
        PK_TRY(need(vm, 2));
        pk_value *args = pop(vm), *cls = pop(vm);
        if (args->kind != PK_TUPLE) return FAIL(vm, PK_ESTACK, "NEWOBJ arguments must be a tuple");
        PK_TRY(positioned(vm, pk_globals_newobj(vm, cls, args, NULL, &res)));
        return push(vm, res);
    }
    case PK_OP_NEWOBJ_EX: {
        PK_TRY(need(vm, 3));
        pk_value *kwargs = pop(vm), *args = pop(vm), *cls = pop(vm);
        if (args->kind != PK_TUPLE || kwargs->kind != PK_DICT)
            return FAIL(vm, PK_ESTACK, "NEWOBJ_EX needs an argument tuple and a keyword dict");
        PK_TRY(positioned(vm, pk_globals_newobj(vm, cls, args, kwargs, &res)));
        return push(vm, res);
    }
    case PK_OP_EXT1:
        PK_TRY(pk_read_u8(r, &u8));
        return unsupported_ext(vm, u8);
    case PK_OP_EXT2:
        PK_TRY(pk_read_u16le(r, &u16));
        return unsupported_ext(vm, u16);
    case PK_OP_EXT4:
        PK_TRY(pk_read_i32le(r, &i32));
        return unsupported_ext(vm, i32);
    case PK_OP_PERSID:
        PK_TRY(pk_read_line(r, &p, &n));
        return unsupported_persid(vm);
    case PK_OP_BINPERSID:
        PK_TRY(need(vm, 1));
        return unsupported_persid(vm);
    default:
        return unknown_opcode(vm, op);
    }
}

/* PROTO, FRAME and STOP (which sets *stop and hands the top value to *out). */
static PK_ALWAYS_INLINE pk_code op_control(pk_vm *vm, uint8_t op, int *stop, pk_value **out) {
    uint8_t u8;
    uint64_t u64;
    switch (op) {
    case PK_OP_PROTO:
        PK_TRY(pk_read_u8(&vm->r, &u8));
        if (u8 > 5) return FAIL(vm, PK_EPROTO, "unsupported pickle protocol: %u", u8);
        vm->proto = u8;
        if (u8 > vm->doc->protocol) vm->doc->protocol = u8;
        return PK_OK;
    case PK_OP_FRAME:
        PK_TRY(pk_read_u64le(&vm->r, &u64));
        return pk_reader_begin_frame(&vm->r, u64);
    case PK_OP_STOP:
        PK_TRY(need(vm, 1));
        *out = pop(vm);
        *stop = 1;
        return PK_OK;
    default:
        return unknown_opcode(vm, op);
    }
}

/* ---- the loop -------------------------------------------------------------------------------- */

/* Executes one opcode: hands it to its family. */
static pk_code step(pk_vm *vm, uint8_t op, int *stop, pk_value **out) {
    switch (op) {
    case PK_OP_INT:
        return op_number(vm, PK_OP_INT);
    case PK_OP_BININT:
        return op_number(vm, PK_OP_BININT);
    case PK_OP_BININT1:
        return op_number(vm, PK_OP_BININT1);
    case PK_OP_BININT2:
        return op_number(vm, PK_OP_BININT2);
    case PK_OP_LONG:
        return op_number(vm, PK_OP_LONG);
    case PK_OP_LONG1:
        return op_number(vm, PK_OP_LONG1);
    case PK_OP_LONG4:
        return op_number(vm, PK_OP_LONG4);
    case PK_OP_FLOAT:
        return op_number(vm, PK_OP_FLOAT);
    case PK_OP_BINFLOAT:
        return op_number(vm, PK_OP_BINFLOAT);
    case PK_OP_NONE:
        return op_number(vm, PK_OP_NONE);
    case PK_OP_NEWTRUE:
        return op_number(vm, PK_OP_NEWTRUE);
    case PK_OP_NEWFALSE:
        return op_number(vm, PK_OP_NEWFALSE);
    case PK_OP_STRING:
        return op_string(vm, PK_OP_STRING);
    case PK_OP_BINSTRING:
        return op_string(vm, PK_OP_BINSTRING);
    case PK_OP_SHORT_BINSTRING:
        return op_string(vm, PK_OP_SHORT_BINSTRING);
    case PK_OP_BINBYTES:
        return op_string(vm, PK_OP_BINBYTES);
    case PK_OP_SHORT_BINBYTES:
        return op_string(vm, PK_OP_SHORT_BINBYTES);
    case PK_OP_BINBYTES8:
        return op_string(vm, PK_OP_BINBYTES8);
    case PK_OP_BYTEARRAY8:
        return op_string(vm, PK_OP_BYTEARRAY8);
    case PK_OP_NEXT_BUFFER:
        return op_string(vm, PK_OP_NEXT_BUFFER);
    case PK_OP_READONLY_BUFFER:
        return op_string(vm, PK_OP_READONLY_BUFFER);
    case PK_OP_UNICODE:
        return op_string(vm, PK_OP_UNICODE);
    case PK_OP_SHORT_BINUNICODE:
        return op_string(vm, PK_OP_SHORT_BINUNICODE);
    case PK_OP_BINUNICODE:
        return op_string(vm, PK_OP_BINUNICODE);
    case PK_OP_BINUNICODE8:
        return op_string(vm, PK_OP_BINUNICODE8);
    case PK_OP_EMPTY_LIST:
        return op_container(vm, PK_OP_EMPTY_LIST);
    case PK_OP_APPEND:
        return op_container(vm, PK_OP_APPEND);
    case PK_OP_APPENDS:
        return op_container(vm, PK_OP_APPENDS);
    case PK_OP_LIST:
        return op_container(vm, PK_OP_LIST);
    case PK_OP_EMPTY_TUPLE:
        return op_container(vm, PK_OP_EMPTY_TUPLE);
    case PK_OP_TUPLE:
        return op_container(vm, PK_OP_TUPLE);
    case PK_OP_TUPLE1:
        return op_container(vm, PK_OP_TUPLE1);
    case PK_OP_TUPLE2:
        return op_container(vm, PK_OP_TUPLE2);
    case PK_OP_TUPLE3:
        return op_container(vm, PK_OP_TUPLE3);
    case PK_OP_EMPTY_DICT:
        return op_container(vm, PK_OP_EMPTY_DICT);
    case PK_OP_DICT:
        return op_container(vm, PK_OP_DICT);
    case PK_OP_SETITEM:
        return op_container(vm, PK_OP_SETITEM);
    case PK_OP_SETITEMS:
        return op_container(vm, PK_OP_SETITEMS);
    case PK_OP_EMPTY_SET:
        return op_container(vm, PK_OP_EMPTY_SET);
    case PK_OP_ADDITEMS:
        return op_container(vm, PK_OP_ADDITEMS);
    case PK_OP_FROZENSET:
        return op_container(vm, PK_OP_FROZENSET);
    case PK_OP_POP:
        return op_stack(vm, PK_OP_POP);
    case PK_OP_DUP:
        return op_stack(vm, PK_OP_DUP);
    case PK_OP_MARK:
        return op_stack(vm, PK_OP_MARK);
    case PK_OP_POP_MARK:
        return op_stack(vm, PK_OP_POP_MARK);
    case PK_OP_GET:
        return op_memo(vm, PK_OP_GET);
    case PK_OP_BINGET:
        return op_memo(vm, PK_OP_BINGET);
    case PK_OP_LONG_BINGET:
        return op_memo(vm, PK_OP_LONG_BINGET);
    case PK_OP_PUT:
        return op_memo(vm, PK_OP_PUT);
    case PK_OP_BINPUT:
        return op_memo(vm, PK_OP_BINPUT);
    case PK_OP_LONG_BINPUT:
        return op_memo(vm, PK_OP_LONG_BINPUT);
    case PK_OP_MEMOIZE:
        return op_memo(vm, PK_OP_MEMOIZE);
    case PK_OP_GLOBAL:
        return op_object(vm, PK_OP_GLOBAL);
    case PK_OP_STACK_GLOBAL:
        return op_object(vm, PK_OP_STACK_GLOBAL);
    case PK_OP_REDUCE:
        return op_object(vm, PK_OP_REDUCE);
    case PK_OP_BUILD:
        return op_object(vm, PK_OP_BUILD);
    case PK_OP_INST:
        return op_object(vm, PK_OP_INST);
    case PK_OP_OBJ:
        return op_object(vm, PK_OP_OBJ);
    case PK_OP_NEWOBJ:
        return op_object(vm, PK_OP_NEWOBJ);
    case PK_OP_NEWOBJ_EX:
        return op_object(vm, PK_OP_NEWOBJ_EX);
    case PK_OP_EXT1:
        return op_object(vm, PK_OP_EXT1);
    case PK_OP_EXT2:
        return op_object(vm, PK_OP_EXT2);
    case PK_OP_EXT4:
        return op_object(vm, PK_OP_EXT4);
    case PK_OP_PERSID:
        return op_object(vm, PK_OP_PERSID);
    case PK_OP_BINPERSID:
        return op_object(vm, PK_OP_BINPERSID);
    case PK_OP_PROTO:
        return op_control(vm, PK_OP_PROTO, stop, out);
    case PK_OP_FRAME:
        return op_control(vm, PK_OP_FRAME, stop, out);
    case PK_OP_STOP:
        return op_control(vm, PK_OP_STOP, stop, out);
    default:
        return unknown_opcode(vm, op);
    }
}

pk_code pk_vm_run(pk_doc *doc, pk_reader *r, int nesting, pk_value **out) {
    pk_vm vm;
    memset(&vm, 0, sizeof vm);
    vm.doc = doc;
    vm.ar = &doc->arena;
    vm.r = *r;
    vm.err = r->err;
    vm.lim = &doc->limits;
    vm.nesting = nesting;
    if (nesting > 8) {
        pk_reader_fail(r, PK_ELIMIT, "nested pickle streams deeper than 8");
        return r->err->code;
    }
    int stop = 0;
    pk_code rc = PK_OK;
    *out = NULL;
    while (!stop) {
        uint8_t op;
        vm.r.op = -1;
        pk_reader_settle(&vm.r);
        vm.r.op_pos = vm.r.pos;
        if (vm.r.pos >= vm.r.len) {
            rc = pk_err_set(vm.err, PK_ETRUNC, vm.r.base + (int64_t)vm.r.pos, -1,
                            "truncated pickle: no STOP opcode before the end of the data at offset "
                            "%lld",
                            (long long)(vm.r.base + (int64_t)vm.r.pos));
            break;
        }
        rc = pk_read_u8(&vm.r, &op);
        if (rc) break;
        vm.r.op = op;
        rc = step(&vm, op, &stop, out);
        if (rc) break;
    }
    pk_reader_settle(&vm.r); /* CPython tolerates a STOP before its frame's end; so do we */
    r->pos = vm.r.pos;
    r->in_frame = vm.r.in_frame;
    r->frame_end = vm.r.frame_end;
    if (rc != PK_OK && vm.err->code == PK_OK)
        pk_err_nomem(vm.err, vm.r.base + (int64_t)vm.r.op_pos);
    return rc;
}
