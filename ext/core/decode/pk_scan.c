/*
 * pk_scan.c - the second reading of a joblib stream: plain pickle.loads's (see pk_scan.h).
 *
 * 1. The unpickler runs again over the whole stream with doc->plain_reading set: a
 *    NumpyArrayWrapper is then an ordinary object and the bytes after it are opcodes, as for
 *    CPython's C unpickler. Every global it meets is recorded in doc->globals and every call of
 *    an allowlisted global has its arguments checked (pk_verdict.c), exactly as in the first
 *    reading; the value it builds is dropped. It ends at STOP, or where CPython raises too
 *    (an unknown opcode, truncated data, a missing MARK, a protocol above 5).
 * 2. If it ends on an error CPython might not raise (a feature or value this decoder refuses, a
 *    limit), the stream is walked by a linear opcode scan (below) that marks every global it
 *    could reach from that point on as unsafe: its arguments were never checked. If that scan
 *    goes past the failing opcode itself (CPython would execute it: e.g. a BUILD of an array
 *    state the decoder refused), the verdict is unsafe as well.
 *
 * The linear scan reads bytes as the C unpickler does: it stops where that unpickler certainly
 * raises (an unknown opcode, truncated data, a stack underflow, a missing MARK or memo entry, a
 * PROTO above 5, text that does not decode, a persistent id or out-of-band buffer that
 * pickle.loads has no handler for) and at STOP. Where the outcome depends on what a call returns
 * (REDUCE, BUILD, NEWOBJ, INST, OBJ, a dict key's hashability) it assumes the call succeeds and
 * goes on, so the set of globals found is a superset of those Python can reach.
 *
 * Values are tracked only as far as STACK_GLOBAL needs them: a str of known text (its bytes in
 * the stream), a str of unknown text (escaped STRING/UNICODE literals), a value that is certainly
 * not a str (literals and containers: STACK_GLOBAL on it raises), or anything else (results of
 * calls, globals). The memo keeps the same kinds. A STACK_GLOBAL whose operands are not known
 * text is recorded as an unresolved global ("?.?"). Protocol < 3 names are mapped as find_class
 * maps them (pk_compat.c).
 *
 * Memory: the scan's stack and memo grow with the stream (at most one value per opcode); past the
 * decoder's max_stack / max_memo / max_marks limits the scan stops and the verdict is unsafe, as
 * the rest of the stream was not read.
 */
#include "pk_scan.h"

#include "pk_opcodes.h"
#include "pk_vm.h"

#include <stdio.h>
#include <string.h>

/* V_STR: str of known text; V_STRX: str of unknown text; V_NOSTR: certainly not a str (a
 * literal number, bytes, container, an instance of an allowlisted class); V_GSAFE: an
 * allowlisted global that is not a str and whose calls never return an exact str; V_OTHER: any
 * other global or call result, could be anything */
enum { V_OTHER, V_STR, V_STRX, V_NOSTR, V_GSAFE };

typedef struct slot {
    const uint8_t *p; /* V_STR: UTF-8 text in the stream */
    size_t len;
    int kind;
} slot;

typedef struct memo_ent {
    uint64_t key;
    slot val;
    int used;
} memo_ent;

typedef struct scan {
    pk_doc *doc;
    size_t threshold; /* globals at opcodes from here on are unsafe */
    const pk_alloc *alloc;
    const uint8_t *s;
    size_t n, pos, op_pos;
    slot *stack;
    size_t sp, cap;
    size_t *marks;
    size_t nmarks, mcap;
    size_t fence;
    memo_ent *memo;
    size_t memo_len, memo_cap;
    int proto;
} scan;

/* Result of one step: go on, stop (where Python raises or returns), or an error of ours. */
#define GO   0
#define STOP 1
#define FAIL 2

static int grow(scan *sc, void **p, size_t *cap, size_t elem, size_t need, size_t limit) {
    if (need <= *cap) return GO;
    if (need > limit) return STOP;
    size_t nc = *cap ? *cap * 2 : 64;
    if (nc > limit) nc = limit;
    void *q = pk_realloc(sc->alloc, *p, *cap * elem, nc * elem);
    if (!q) return FAIL;
    *p = q;
    *cap = nc;
    return GO;
}

static int too_big(scan *sc, const char *what) {
    if (pk_doc_mark_unsafe(sc->doc, "?", "?",
                           "pickle.loads's reading of the stream was not followed to its end: "
                           "more than %u %s",
                           what[0] == 's' ? sc->doc->limits.max_stack : sc->doc->limits.max_memo,
                           what))
        return FAIL;
    return STOP;
}

static int push(scan *sc, int kind, const uint8_t *p, size_t len) {
    int r = grow(sc, (void **)&sc->stack, &sc->cap, sizeof *sc->stack, sc->sp + 1,
                 sc->doc->limits.max_stack);
    if (r == STOP) return too_big(sc, "stack values");
    if (r) return r;
    sc->stack[sc->sp].kind = kind;
    sc->stack[sc->sp].p = p;
    sc->stack[sc->sp].len = len;
    sc->sp++;
    return GO;
}

/* k values above the MARK fence, else Python's "unpickling stack underflow". */
static int need(const scan *sc, size_t k) {
    return sc->sp - sc->fence >= k ? GO : STOP;
}

static int pop_mark(scan *sc, size_t *start) {
    if (sc->nmarks == 0) return STOP; /* "could not find MARK" */
    *start = sc->marks[--sc->nmarks];
    sc->fence = sc->nmarks ? sc->marks[sc->nmarks - 1] : 0;
    return GO;
}

/* ---- memo ------------------------------------------------------------------------------------ */

static memo_ent *memo_find(const scan *sc, uint64_t key) {
    if (!sc->memo_cap) return NULL;
    size_t mask = sc->memo_cap - 1, h = (size_t)(key * 0x9E3779B97F4A7C15ull >> 17) & mask;
    while (sc->memo[h].used && sc->memo[h].key != key)
        h = (h + 1) & mask;
    return &sc->memo[h];
}

static int memo_put(scan *sc, uint64_t key) {
    if (sc->sp <= sc->fence) return STOP;
    memo_ent *e = memo_find(sc, key);
    if (!e || !e->used) {
        if (sc->memo_len >= sc->doc->limits.max_memo) return too_big(sc, "memo entries");
        if ((sc->memo_len + 1) * 2 > sc->memo_cap) {
            size_t nc = sc->memo_cap ? sc->memo_cap * 2 : 64, bytes;
            if (pk_mul_overflow(nc, sizeof *sc->memo, &bytes)) return FAIL;
            memo_ent *old = sc->memo, *fresh = pk_malloc(sc->alloc, bytes);
            if (!fresh) return FAIL;
            memset(fresh, 0, bytes);
            size_t oc = sc->memo_cap;
            sc->memo = fresh;
            sc->memo_cap = nc;
            for (size_t i = 0; i < oc; i++)
                if (old[i].used) *memo_find(sc, old[i].key) = old[i];
            pk_free(sc->alloc, old);
        }
        e = memo_find(sc, key);
        e->used = 1;
        e->key = key;
        sc->memo_len++;
    }
    e->val = sc->stack[sc->sp - 1];
    return GO;
}

static int memo_get(scan *sc, uint64_t key) {
    const memo_ent *e = memo_find(sc, key);
    if (!e || !e->used) return STOP; /* KeyError / "Memo value not found" */
    return push(sc, e->val.kind, e->val.p, e->val.len);
}

/* ---- reading --------------------------------------------------------------------------------- */

static int take(scan *sc, size_t k, const uint8_t **p) {
    if (sc->n - sc->pos < k) return STOP;
    *p = sc->s + sc->pos;
    sc->pos += k;
    return GO;
}

static uint64_t le(const uint8_t *p, int k) {
    uint64_t v = 0;
    for (int i = k - 1; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

/* A line without its '\n'. */
static int line(scan *sc, const uint8_t **p, size_t *len) {
    const uint8_t *start = sc->s + sc->pos;
    const uint8_t *nl = memchr(start, '\n', sc->n - sc->pos);
    if (!nl) return STOP;
    *p = start;
    *len = (size_t)(nl - start);
    sc->pos += *len + 1;
    return GO;
}

/* Text memo key of GET/PUT as int(text, 10) reads it: blanks around, an optional '+', digits
 * with single '_' between them. 0 for anything else (a negative or unparsable key, or one too
 * large for a memo index: the C unpickler raises on all of them). */
static int text_key(const uint8_t *p, size_t len, uint64_t *key) {
    static const char blanks[] = " \t\n\r\f\v";
    while (len && memchr(blanks, p[len - 1], sizeof blanks - 1))
        len--;
    while (len && memchr(blanks, p[0], sizeof blanks - 1))
        p++, len--;
    if (len && p[0] == '+') p++, len--;
    uint64_t v = 0;
    size_t digits = 0;
    for (size_t i = 0; i < len; i++) {
        if (p[i] == '_' && i > 0 && i + 1 < len && p[i - 1] != '_') continue;
        if (p[i] < '0' || p[i] > '9' || ++digits > 18) return 0;
        v = v * 10 + (uint64_t)(p[i] - '0');
    }
    if (!digits) return 0;
    *key = v;
    return 1;
}

static int ascii(const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (p[i] >= 0x80) return 0;
    return 1;
}

/* A str pushed from UTF-8 bytes (BINUNICODE family): invalid text stops the load. */
static int push_utf8(scan *sc, const uint8_t *p, size_t len) {
    if (pk_utf8_check((const char *)p, len) != len) return STOP;
    return push(sc, V_STR, p, len);
}

/* Python 2 str opcodes decode as ASCII (pickle.loads's default encoding) or fail. */
static int push_py2(scan *sc, const uint8_t *p, size_t len) {
    if (!ascii(p, len)) return STOP;
    return push(sc, V_STR, p, len);
}

/* ---- globals --------------------------------------------------------------------------------- */

/* Allowlisted callables that can return an exact str (str itself, copyreg's constructors given
 * str as the class, _codecs.encode with a text codec). */
static int may_make_str(const char *mod, const char *name) {
    return (strcmp(mod, "builtins") == 0 && strcmp(name, "str") == 0) ||
           strcmp(mod, "copyreg") == 0 || strcmp(mod, "_codecs") == 0;
}

/* A global the reading imports: *kind receives V_GSAFE or V_OTHER; past the threshold it is
 * recorded as unsafe. */
static int report(scan *sc, const uint8_t *m, size_t mlen, const uint8_t *nm, size_t nlen,
                  int *kind) {
    char mb[256], nb[256];
    *kind = V_OTHER;
    if (mlen < sizeof mb && nlen < sizeof nb) {
        memcpy(mb, m, mlen);
        mb[mlen] = 0;
        memcpy(nb, nm, nlen);
        nb[nlen] = 0;
        const char *mod = mb, *name = nb;
        if (sc->proto < 3) pk_global_map_py2(&mod, &name);
        if (strlen(mod) == mlen && strlen(name) == nlen && pk_global_allowed(mod, name) &&
            !may_make_str(mod, name))
            *kind = V_GSAFE;
    }
    if (sc->op_pos < sc->threshold) return GO; /* already judged by an unpickler run */
    pk_arena *ar = &sc->doc->arena;
    const char *mod = pk_arena_strndup(ar, (const char *)m, mlen);
    const char *name = pk_arena_strndup(ar, (const char *)nm, nlen);
    if (!mod || !name) return FAIL;
    if (sc->proto < 3) pk_global_map_py2(&mod, &name);
    if (pk_doc_mark_unsafe(sc->doc, mod, name,
                           "imported at offset %zu by plain pickle.loads, which reads joblib's "
                           "array data at offset %zu as opcodes; not checked from offset %zu on",
                           sc->op_pos, sc->doc->plain_diverge, sc->threshold))
        return FAIL;
    return GO;
}

static int global_text(scan *sc, int *kind) {
    const uint8_t *m, *nm;
    size_t ml, nl;
    int r = line(sc, &m, &ml);
    if (r == GO) r = line(sc, &nm, &nl);
    if (r) return r;
    if (pk_utf8_check((const char *)m, ml) != ml || pk_utf8_check((const char *)nm, nl) != nl)
        return STOP;
    return report(sc, m, ml, nm, nl, kind);
}

static int stack_global(scan *sc) {
    if (need(sc, 2)) return STOP;
    slot name = sc->stack[--sc->sp], mod = sc->stack[--sc->sp];
    int kind = V_OTHER;
    if (mod.kind == V_NOSTR || name.kind == V_NOSTR || mod.kind == V_GSAFE || name.kind == V_GSAFE)
        return STOP; /* "STACK_GLOBAL requires str" */
    if (mod.kind == V_STR && name.kind == V_STR) {
        int r = report(sc, mod.p, mod.len, name.p, name.len, &kind);
        if (r) return r;
    } else if (sc->op_pos >= sc->threshold) {
        if (pk_doc_mark_unsafe(sc->doc, "?", "?",
                               "plain pickle.loads reaches a STACK_GLOBAL at offset %zu whose "
                               "names are computed at load time",
                               sc->op_pos))
            return FAIL;
    }
    return push(sc, kind, NULL, 0);
}

/* What calling a value of kind `callable` returns. */
static int result_of(int callable) {
    return callable == V_GSAFE ? V_NOSTR : V_OTHER;
}

/* ---- the loop -------------------------------------------------------------------------------- */

/* Pops stack[start..sp) (after a pop_mark) and pushes one value. */
static int collapse(scan *sc, size_t start, int kind) {
    sc->sp = start;
    return push(sc, kind, NULL, 0);
}

static int step(scan *sc, uint8_t op) {
    const uint8_t *p;
    size_t len, start;
    uint64_t key;
    int r;
    switch (op) {
    case PK_OP_INT:
    case PK_OP_LONG:
    case PK_OP_FLOAT:
        /* int()/float() of the text: assumed to succeed */
        if ((r = line(sc, &p, &len))) return r;
        return push(sc, V_NOSTR, NULL, 0);
    case PK_OP_BININT:
        if ((r = take(sc, 4, &p))) return r;
        return push(sc, V_NOSTR, NULL, 0);
    case PK_OP_BININT1:
        if ((r = take(sc, 1, &p))) return r;
        return push(sc, V_NOSTR, NULL, 0);
    case PK_OP_BININT2:
        if ((r = take(sc, 2, &p))) return r;
        return push(sc, V_NOSTR, NULL, 0);
    case PK_OP_BINFLOAT:
        if ((r = take(sc, 8, &p))) return r;
        return push(sc, V_NOSTR, NULL, 0);
    case PK_OP_LONG1:
        if ((r = take(sc, 1, &p))) return r;
        if ((r = take(sc, p[0], &p))) return r;
        return push(sc, V_NOSTR, NULL, 0);
    case PK_OP_LONG4:
        if ((r = take(sc, 4, &p))) return r;
        len = (size_t)le(p, 4);
        if (len & 0x80000000u) return STOP; /* negative byte count */
        if ((r = take(sc, len, &p))) return r;
        return push(sc, V_NOSTR, NULL, 0);
    case PK_OP_STRING: {
        if ((r = line(sc, &p, &len))) return r;
        if (len < 2 || (p[0] != '\'' && p[0] != '"') || p[len - 1] != p[0]) return STOP;
        if (memchr(p + 1, '\\', len - 2)) return push(sc, V_STRX, NULL, 0);
        return push_py2(sc, p + 1, len - 2);
    }
    case PK_OP_BINSTRING:
        if ((r = take(sc, 4, &p))) return r;
        len = (size_t)le(p, 4);
        if ((r = take(sc, len, &p))) return r;
        return push_py2(sc, p, len);
    case PK_OP_SHORT_BINSTRING:
        if ((r = take(sc, 1, &p))) return r;
        len = p[0];
        if ((r = take(sc, len, &p))) return r;
        return push_py2(sc, p, len);
    case PK_OP_BINBYTES:
        if ((r = take(sc, 4, &p))) return r;
        if ((r = take(sc, (size_t)le(p, 4), &p))) return r;
        return push(sc, V_NOSTR, NULL, 0);
    case PK_OP_SHORT_BINBYTES:
        if ((r = take(sc, 1, &p))) return r;
        if ((r = take(sc, p[0], &p))) return r;
        return push(sc, V_NOSTR, NULL, 0);
    case PK_OP_BINBYTES8:
    case PK_OP_BYTEARRAY8:
        if ((r = take(sc, 8, &p))) return r;
        key = le(p, 8);
        if (key > sc->n - sc->pos) return STOP;
        if ((r = take(sc, (size_t)key, &p))) return r;
        return push(sc, V_NOSTR, NULL, 0);
    case PK_OP_UNICODE:
        if ((r = line(sc, &p, &len))) return r;
        if (memchr(p, '\\', len) || !ascii(p, len)) return push(sc, V_STRX, NULL, 0);
        return push(sc, V_STR, p, len);
    case PK_OP_SHORT_BINUNICODE:
        if ((r = take(sc, 1, &p))) return r;
        len = p[0];
        if ((r = take(sc, len, &p))) return r;
        return push_utf8(sc, p, len);
    case PK_OP_BINUNICODE:
        if ((r = take(sc, 4, &p))) return r;
        len = (size_t)le(p, 4);
        if ((r = take(sc, len, &p))) return r;
        return push_utf8(sc, p, len);
    case PK_OP_BINUNICODE8:
        if ((r = take(sc, 8, &p))) return r;
        key = le(p, 8);
        if (key > sc->n - sc->pos) return STOP;
        if ((r = take(sc, (size_t)key, &p))) return r;
        return push_utf8(sc, p, (size_t)key);
    case PK_OP_NEXT_BUFFER:
        return STOP; /* pickle.loads has no buffers */
    case PK_OP_PERSID:
    case PK_OP_BINPERSID:
        return STOP; /* no persistent_load */
    case PK_OP_READONLY_BUFFER:
        return need(sc, 1);
    case PK_OP_NONE:
    case PK_OP_NEWTRUE:
    case PK_OP_NEWFALSE:
    case PK_OP_EMPTY_LIST:
    case PK_OP_EMPTY_TUPLE:
    case PK_OP_EMPTY_DICT:
    case PK_OP_EMPTY_SET:
        return push(sc, V_NOSTR, NULL, 0);
    case PK_OP_APPEND:
        /* the list below the item must lie above the fence */
        if (sc->sp < 2 || sc->sp - 1 <= sc->fence) return STOP;
        sc->sp--;
        return GO;
    case PK_OP_APPENDS:
    case PK_OP_SETITEMS:
    case PK_OP_ADDITEMS:
        if ((r = pop_mark(sc, &start))) return r;
        if (start == 0 || start <= sc->fence) return STOP;
        if (op == PK_OP_SETITEMS && (sc->sp - start) % 2) return STOP; /* odd number of items */
        sc->sp = start;
        return GO;
    case PK_OP_LIST:
    case PK_OP_TUPLE:
    case PK_OP_DICT:
    case PK_OP_FROZENSET:
        if ((r = pop_mark(sc, &start))) return r;
        if (op == PK_OP_DICT && (sc->sp - start) % 2) return STOP;
        return collapse(sc, start, V_NOSTR);
    case PK_OP_TUPLE1:
    case PK_OP_TUPLE2:
    case PK_OP_TUPLE3:
        if (need(sc, (size_t)(op - PK_OP_TUPLE1 + 1))) return STOP;
        return collapse(sc, sc->sp - (size_t)(op - PK_OP_TUPLE1 + 1), V_NOSTR);
    case PK_OP_SETITEM:
        if (sc->sp < 3 || sc->sp - 2 <= sc->fence) return STOP;
        sc->sp -= 2;
        return GO;
    case PK_OP_POP:
        if (sc->nmarks > 0 && sc->marks[sc->nmarks - 1] == sc->sp) return pop_mark(sc, &start);
        if (need(sc, 1)) return STOP;
        sc->sp--;
        return GO;
    case PK_OP_DUP:
        if (need(sc, 1)) return STOP;
        return push(sc, sc->stack[sc->sp - 1].kind, sc->stack[sc->sp - 1].p,
                    sc->stack[sc->sp - 1].len);
    case PK_OP_MARK:
        r = grow(sc, (void **)&sc->marks, &sc->mcap, sizeof *sc->marks, sc->nmarks + 1,
                 sc->doc->limits.max_marks);
        if (r == STOP) return too_big(sc, "stack marks");
        if (r) return r;
        sc->marks[sc->nmarks++] = sc->sp;
        sc->fence = sc->sp;
        return GO;
    case PK_OP_POP_MARK:
        if ((r = pop_mark(sc, &start))) return r;
        sc->sp = start;
        return GO;
    case PK_OP_GET:
        if ((r = line(sc, &p, &len))) return r;
        if (!text_key(p, len, &key)) return STOP;
        return memo_get(sc, key);
    case PK_OP_BINGET:
        if ((r = take(sc, 1, &p))) return r;
        return memo_get(sc, p[0]);
    case PK_OP_LONG_BINGET:
        if ((r = take(sc, 4, &p))) return r;
        return memo_get(sc, le(p, 4));
    case PK_OP_PUT:
        if ((r = line(sc, &p, &len))) return r;
        if (!text_key(p, len, &key)) key = UINT64_MAX - sc->pos; /* unusual text: a fresh key */
        return memo_put(sc, key);
    case PK_OP_BINPUT:
        if ((r = take(sc, 1, &p))) return r;
        return memo_put(sc, p[0]);
    case PK_OP_LONG_BINPUT:
        if ((r = take(sc, 4, &p))) return r;
        return memo_put(sc, le(p, 4));
    case PK_OP_MEMOIZE:
        return memo_put(sc, sc->memo_len);
    case PK_OP_EXT1:
    case PK_OP_EXT2:
    case PK_OP_EXT4: {
        size_t k = op == PK_OP_EXT1 ? 1 : op == PK_OP_EXT2 ? 2 : 4;
        if ((r = take(sc, k, &p))) return r;
        if (le(p, (int)k) == 0 || (k == 4 && (p[3] & 0x80))) return STOP; /* code <= 0 */
        if (sc->op_pos >= sc->threshold &&
            pk_doc_mark_unsafe(sc->doc, "copyreg", "_inverted_registry",
                               "plain pickle.loads reaches an EXT opcode at offset %zu, which "
                               "imports whatever copyreg's extension registry names",
                               sc->op_pos))
            return FAIL;
        return push(sc, V_OTHER, NULL, 0);
    }
    case PK_OP_GLOBAL: {
        int kind;
        if ((r = global_text(sc, &kind))) return r;
        return push(sc, kind, NULL, 0);
    }
    case PK_OP_STACK_GLOBAL:
        return stack_global(sc);
    case PK_OP_REDUCE:
    case PK_OP_NEWOBJ:
        if (need(sc, 2)) return STOP;
        return collapse(sc, sc->sp - 2, result_of(sc->stack[sc->sp - 2].kind));
    case PK_OP_NEWOBJ_EX:
        if (need(sc, 3)) return STOP;
        return collapse(sc, sc->sp - 3, result_of(sc->stack[sc->sp - 3].kind));
    case PK_OP_BUILD:
        if (need(sc, 2)) return STOP;
        sc->sp--;
        return GO;
    case PK_OP_INST: { /* the MARK is looked up before the names are read */
        int kind;
        if ((r = pop_mark(sc, &start))) return r;
        if ((r = global_text(sc, &kind))) return r;
        return collapse(sc, start, result_of(kind));
    }
    case PK_OP_OBJ:
        if ((r = pop_mark(sc, &start))) return r;
        if (sc->sp - start < 1) return STOP;
        return collapse(sc, start, result_of(sc->stack[start].kind));
    case PK_OP_PROTO:
        if ((r = take(sc, 1, &p))) return r;
        if (p[0] > 5) return STOP;
        sc->proto = p[0];
        return GO;
    case PK_OP_FRAME:
        if ((r = take(sc, 8, &p))) return r;
        if (le(p, 8) > sc->n - sc->pos) return STOP; /* the frame must be there */
        return GO;
    case PK_OP_STOP:
        return STOP;
    default:
        return STOP;
    }
}

/* Walks the stream from offset 0, marking globals at or after `threshold` unsafe. When the
 * opcode at `unchecked` (where the unpickler stopped on an error CPython might not raise) is one
 * the C unpickler goes past, the verdict is unsafe too: Python runs it unchecked (`why` is the
 * unpickler's error). */
static pk_code linear_scan(pk_doc *doc, size_t threshold, size_t unchecked, const char *why,
                           pk_err *err) {
    scan sc;
    memset(&sc, 0, sizeof sc);
    sc.doc = doc;
    sc.threshold = threshold;
    sc.alloc = doc->alloc;
    sc.s = doc->stream;
    sc.n = doc->stream_len;
    int r = GO;
    while (r == GO && sc.pos < sc.n) {
        sc.op_pos = sc.pos;
        r = step(&sc, sc.s[sc.pos++]);
        if (r == GO && sc.op_pos == unchecked &&
            pk_doc_mark_unsafe(doc, "?", "?",
                               "plain pickle.loads reads joblib's array data at offset %zu as "
                               "opcodes and goes past offset %zu, which the decoder cannot "
                               "check (%s)",
                               doc->plain_diverge, unchecked, why))
            r = FAIL;
    }
    pk_free(sc.alloc, sc.stack);
    pk_free(sc.alloc, sc.marks);
    pk_free(sc.alloc, sc.memo);
    if (r == FAIL) return pk_err_nomem(err, -1);
    return PK_OK;
}

/* Errors the C unpickler raises at the same opcode: the plain reading ends there too. */
static int python_raises_too(pk_code c) {
    return c == PK_ETRUNC || c == PK_EOPCODE || c == PK_EMARK || c == PK_EPROTO;
}

pk_code pk_scan_plain(pk_doc *doc, pk_err *err) {
    pk_err e2;
    pk_err_clear(&e2);
    pk_reader r;
    pk_reader_init(&r, doc->stream, doc->stream_len, &e2);
    int protocol = doc->protocol, joblib = doc->joblib;
    pk_value *dropped = NULL;
    doc->plain_reading = 1;
    pk_code c = pk_vm_run(doc, &r, 0, &dropped);
    doc->plain_reading = 0;
    doc->protocol = protocol;
    doc->joblib = joblib;
    if (c == PK_OK || python_raises_too(c)) return PK_OK;
    if (c == PK_ENOMEM && !doc->arena.over_budget) return pk_err_nomem(err, -1);
    size_t at = e2.offset >= 0 ? (size_t)e2.offset : 0;
    size_t unchecked = at >= doc->plain_diverge ? at : SIZE_MAX;
    if (at < doc->plain_diverge) at = doc->plain_diverge; /* read alike by both readings */
    return linear_scan(doc, at, unchecked, e2.msg, err);
}
