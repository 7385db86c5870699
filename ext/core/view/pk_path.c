/*
 * pk_path.c - path expressions into a decoded value (pk_path.h; the syntax is in
 * docs/sql-functions.md, "Paths").
 *
 * Grammar (one left-to-right pass, no allocation except array views and names longer than
 * NAME_INLINE bytes that contain escapes):
 *   path  := '$' step*
 *   step  := '.' name            name: one or more bytes other than '.', '[', ']'
 *          | '[' '"' chars '"' ']'   or with single quotes; \" \' and \\ are escapes
 *          | '[' '-'? digits ']'
 * Semantics of a step on a value:
 *   name   dict (any dict kind): the str key; object: its attribute (state dict, then the slots
 *          dict of a (dict, slots) state, then items set on it), else one of the members the JSON
 *          mapping gives it: "py/args", "py/kwargs", "py/state", "py/items", "py/dictitems"
 *          (so every "fullkey" pickle_each reports and every "py/ref" pk_json writes evaluates).
 *   index  list/tuple, set/frozenset (stored order), first axis of an ndarray (pk_ndarray_index:
 *          views or scalars), an object's appended items; Python's negative indexes. On a dict:
 *          the integer key (no negative counting).
 * Errors: PK_EPATH "bad path: <what> at character <N> of '<path>'" (N counts from 1);
 *         PK_ENOTFOUND "no such path: <what> at '<path up to the failing step>'".
 */
#include "pk_path.h"

#include "pk_buf.h"
#include "pk_ndarray.h"

#include <stdio.h>
#include <string.h>

#define NAME_INLINE 256

/* Shows at most this many bytes of a path in messages. */
#define PATH_SHOW 120

static pk_code bad_path(pk_err *err, const char *path, size_t len, size_t pos, const char *what) {
    return pk_err_set(err, PK_EPATH, -1, -1, "bad path: %s at character %zu of '%.*s%s'", what,
                      pos + 1, (int)(len > PATH_SHOW ? PATH_SHOW : len), path,
                      len > PATH_SHOW ? "..." : "");
}

static pk_code not_found(pk_err *err, const char *path, size_t upto, const char *what) {
    return pk_err_set(err, PK_ENOTFOUND, -1, -1, "no such path: %.200s at '%.*s%s'", what,
                      (int)(upto > PATH_SHOW ? PATH_SHOW : upto), path,
                      upto > PATH_SHOW ? "..." : "");
}

static int state_pair(const pk_value *st) {
    return st && st->kind == PK_TUPLE && st->u.seq.len == 2 &&
           (st->u.seq.items[0]->kind == PK_DICT || st->u.seq.items[0]->kind == PK_NONE) &&
           (st->u.seq.items[1]->kind == PK_DICT || st->u.seq.items[1]->kind == PK_NONE);
}

/* name step. */
static pk_value *lookup_name(pk_value *v, const char *name, size_t n) {
    pk_value k = pk_str_view(name, n);
    if (v->kind == PK_DICT) return pk_dict_get(v, &k);
    if (v->kind != PK_OBJECT) return NULL;
    const pk_object *o = &v->u.o;
    pk_value *r = NULL;
    const pk_value *st = o->state;
    if (st && st->kind == PK_DICT) r = pk_dict_get(st, &k);
    if (!r && state_pair(st)) {
        /* slots are set after __dict__ when unpickling, so they win */
        r = pk_dict_get(st->u.seq.items[1], &k);
        if (!r) r = pk_dict_get(st->u.seq.items[0], &k);
    }
    if (!r && o->dictitems) r = pk_dict_get(o->dictitems, &k);
    if (r) return r;
#define MEMBER(s) (n == sizeof(s) - 1 && memcmp(name, s, n) == 0)
    if (MEMBER("py/args") && o->args && o->args->kind == PK_TUPLE && o->args->u.seq.len)
        return o->args;
    if (MEMBER("py/kwargs") && o->kwargs && o->kwargs->kind == PK_DICT && o->kwargs->u.d.len)
        return o->kwargs;
    if (MEMBER("py/state") && st && st->kind != PK_DICT && !state_pair(st)) return o->state;
    if (MEMBER("py/items") && o->items && o->items->kind == PK_LIST && o->items->u.seq.len)
        return o->items;
    if (MEMBER("py/dictitems") && o->dictitems && o->dictitems->u.d.len) return o->dictitems;
#undef MEMBER
    return NULL;
}

/* Python index normalisation: 1 and *pos when -n <= i < n. */
static int norm_index(int64_t i, size_t n, size_t *pos) {
    if (i < 0) {
        uint64_t m = (uint64_t)(-(i + 1)) + 1; /* |i| without overflow */
        if (m > n) return 0;
        *pos = n - (size_t)m;
        return 1;
    }
    if ((uint64_t)i >= n) return 0;
    *pos = (size_t)i;
    return 1;
}

/* index step. Returns PK_OK with *out (NULL when absent), or an error from pk_ndarray_index. */
static pk_code lookup_index(pk_arena *ar, pk_value *v, int64_t i, pk_value **out, int *typeok,
                            size_t *count, pk_err *err) {
    size_t pos;
    *out = NULL;
    *typeok = 1;
    *count = 0;
    switch (v->kind) {
    case PK_LIST:
    case PK_TUPLE:
    case PK_SET:
    case PK_FROZENSET:
        *count = v->u.seq.len;
        if (norm_index(i, v->u.seq.len, &pos)) *out = v->u.seq.items[pos];
        return PK_OK;
    case PK_DICT: {
        pk_value k;
        memset(&k, 0, sizeof k);
        k.kind = PK_INT;
        k.u.i = i;
        *out = pk_dict_get(v, &k);
        *count = v->u.d.len;
        return PK_OK;
    }
    case PK_OBJECT:
        if (!v->u.o.items || v->u.o.items->kind != PK_LIST) {
            *typeok = 0;
            return PK_OK;
        }
        *count = v->u.o.items->u.seq.len;
        if (norm_index(i, *count, &pos)) *out = v->u.o.items->u.seq.items[pos];
        return PK_OK;
    case PK_NDARRAY: {
        const pk_ndarray *a = v->u.arr;
        if (a->ndim == 0 || !a->complete) {
            *typeok = 0;
            return PK_OK;
        }
        *count = (size_t)a->shape[0];
        if (!norm_index(i, *count, &pos)) return PK_OK;
        return pk_ndarray_index(ar, v, i, out, err);
    }
    default:
        *typeok = 0;
        return PK_OK;
    }
}

/* One parsed step. A name is the raw slice path[name..name+nlen) with `escapes` escape
 * sequences still in it (unescape_into removes them). */
typedef struct step {
    int is_index;
    int64_t index;
    const char *name;
    size_t nlen;
    size_t escapes;
} step;

/* Copies a name without its escapes into d (which holds nlen - escapes bytes). */
static size_t unescape_into(const step *s, char *d) {
    size_t k = 0;
    for (size_t m = 0; m < s->nlen; m++) {
        if (s->escapes && s->name[m] == '\\') m++;
        d[k++] = s->name[m];
    }
    return k;
}

static pk_code parse_int(const char *path, size_t len, size_t *i, int64_t *out, pk_err *err) {
    int neg = 0;
    size_t j = *i;
    if (j < len && path[j] == '-') {
        neg = 1;
        j++;
    }
    if (j >= len || path[j] < '0' || path[j] > '9')
        return bad_path(err, path, len, j, "expected an index or a quoted name");
    uint64_t u = 0;
    while (j < len && path[j] >= '0' && path[j] <= '9') {
        unsigned dgt = (unsigned)(path[j] - '0');
        if (u > (UINT64_C(9223372036854775808) - dgt) / 10)
            return bad_path(err, path, len, j, "index too large");
        u = u * 10 + dgt;
        j++;
    }
    if (!neg && u > INT64_MAX) return bad_path(err, path, len, j - 1, "index too large");
    *out = neg ? (u == UINT64_C(9223372036854775808) ? INT64_MIN : -(int64_t)u) : (int64_t)u;
    *i = j;
    return PK_OK;
}

/* Parses the step at path[*i] (which is < len) and advances *i past it. */
static pk_code next_step(const char *path, size_t len, size_t *i, step *st, pk_err *err) {
    memset(st, 0, sizeof *st);
    size_t j = *i;
    if (path[j] == '.') {
        size_t s = ++j;
        while (j < len && path[j] != '.' && path[j] != '[' && path[j] != ']')
            j++;
        if (j == s) return bad_path(err, path, len, s, "expected a name after '.'");
        st->name = path + s;
        st->nlen = j - s;
    } else if (path[j] == '[') {
        j++;
        if (j < len && (path[j] == '"' || path[j] == '\'')) {
            char q = path[j];
            size_t s = ++j;
            while (j < len && path[j] != q) {
                if (path[j] == '\\') {
                    if (j + 1 < len && path[j + 1] != '"' && path[j + 1] != '\\' &&
                        path[j + 1] != '\'')
                        return bad_path(err, path, len, j, "unknown escape");
                    st->escapes++;
                    j++;
                }
                j++;
            }
            if (j >= len) return bad_path(err, path, len, len, "unterminated string");
            st->name = path + s;
            st->nlen = j - s;
            j++;
        } else {
            PK_TRY(parse_int(path, len, &j, &st->index, err));
            st->is_index = 1;
        }
        if (j >= len || path[j] != ']') return bad_path(err, path, len, j, "expected ']'");
        j++;
    } else {
        return bad_path(err, path, len, j, "expected '.' or '['");
    }
    *i = j;
    return PK_OK;
}

pk_code pk_path_eval(pk_arena *ar, pk_value *root, const char *path, size_t path_len,
                     pk_value **out, pk_err *err) {
    if (!path) {
        path = "$";
        path_len = 1;
    }
    *out = NULL;
    if (path_len == 0 || path[0] != '$') return bad_path(err, path, path_len, 0, "expected '$'");
    /* syntax first, so a bad path is a syntax error whatever the data */
    for (size_t j = 1; j < path_len;) {
        step st;
        PK_TRY(next_step(path, path_len, &j, &st, err));
    }
    pk_value *v = root;
    size_t i = 1;
    char namebuf[NAME_INLINE] = {0};
    while (i < path_len) {
        step st;
        PK_TRY(next_step(path, path_len, &i, &st, err));
        if (st.is_index) {
            pk_value *next;
            int typeok;
            size_t count;
            PK_TRY(lookup_index(ar, v, st.index, &next, &typeok, &count, err));
            char what[200], tn[96];
            pk_type_name(v, tn, sizeof tn);
            if (!typeok) {
                snprintf(what, sizeof what, "cannot index %s with [%lld]", tn, (long long)st.index);
                return not_found(err, path, i, what);
            }
            if (!next) {
                if (v->kind == PK_DICT)
                    snprintf(what, sizeof what, "key %lld not found in %s", (long long)st.index,
                             tn);
                else
                    snprintf(what, sizeof what, "index %lld out of range for %s of length %zu",
                             (long long)st.index, tn, count);
                return not_found(err, path, i, what);
            }
            v = next;
        } else {
            const char *name = st.name;
            size_t nlen = st.nlen;
            if (st.escapes) {
                size_t need = st.nlen - st.escapes;
                char *d = need <= sizeof namebuf ? namebuf : pk_arena_alloc(ar, need);
                if (!d) return pk_err_nomem(err, -1);
                nlen = unescape_into(&st, d);
                name = d;
            }
            pk_value *next = lookup_name(v, name, nlen);
            if (!next) {
                char what[200], tn[96];
                size_t sn = nlen < 60 ? nlen : 60;
                snprintf(what, sizeof what, "key '%.*s%s' not found in %s", (int)sn, name,
                         nlen > 60 ? "..." : "", pk_type_name(v, tn, sizeof tn));
                return not_found(err, path, i, what);
            }
            v = next;
        }
    }
    *out = v;
    return PK_OK;
}

static int is_ident(const char *s, size_t n) {
    if (n == 0) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return 0;
    }
    return 1;
}

pk_code pk_path_append_key(struct pk_buf *out, const char *key, size_t n) {
    if (is_ident(key, n)) {
        pk_buf_putc(out, '.');
        return pk_buf_append(out, key, n);
    }
    pk_buf_puts(out, "[\"");
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        if (key[i] == '"' || key[i] == '\\') {
            pk_buf_append(out, key + run, i - run);
            pk_buf_putc(out, '\\');
            run = i;
        }
    }
    pk_buf_append(out, key + run, n - run);
    return pk_buf_puts(out, "\"]");
}

pk_code pk_path_append_index(struct pk_buf *out, int64_t i) {
    return pk_buf_printf(out, "[%lld]", (long long)i);
}

pk_code pk_path_last_step(const char *path, size_t path_len, size_t *parent_len, int *is_index,
                          int64_t *index, struct pk_buf *name, pk_err *err) {
    *parent_len = 0;
    *is_index = 0;
    *index = 0;
    if (!path || path_len == 0 || path[0] != '$')
        return bad_path(err, path ? path : "", path ? path_len : 0, 0, "expected '$'");
    size_t i = 1, last = 0;
    step st;
    memset(&st, 0, sizeof st);
    while (i < path_len) {
        last = i;
        PK_TRY(next_step(path, path_len, &i, &st, err));
    }
    if (last == 0) return PK_OK; /* just "$" */
    *parent_len = last;
    *is_index = st.is_index;
    *index = st.index;
    if (!st.is_index) {
        if (pk_buf_reserve(name, st.nlen)) return name->failed;
        name->len += unescape_into(&st, (char *)name->data + name->len);
        name->data[name->len] = 0;
    }
    return name->failed;
}
