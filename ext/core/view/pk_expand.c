/*
 * pk_expand.c - expanded size of a value graph (see pk_expand.h).
 *
 * A depth-first walk with a pointer-keyed hash table of finished measures: a shared node is
 * walked once and its measure added wherever it occurs, so the walk is linear in the number of
 * distinct nodes even when the expansion is exponential. Byte counts are lower bounds of what
 * pk_json_write prints (every value prints at least this much), so refusing when the bound
 * exceeds max_output never refuses a text that would have fit.
 */
#include "pk_expand.h"

#include "pk_ndarray.h"

#include <string.h>

typedef struct slot {
    const pk_value *v; /* NULL = empty */
    pk_expand m;
    int busy; /* being measured: a reference to it now is a cycle */
} slot;

typedef struct walk {
    const pk_alloc *alloc;
    slot *tab;
    size_t cap, len;
    uint64_t limit;
    uint32_t max_depth;
} walk;

static uint64_t sat_add(uint64_t a, uint64_t b, uint64_t cap) {
    uint64_t s = a + b;
    return (s < a || s > cap) ? cap : s;
}

static uint64_t sat_mul(uint64_t a, uint64_t b, uint64_t cap) {
    if (a && b > cap / a) return cap;
    return a * b > cap ? cap : a * b;
}

static size_t slot_of(const walk *w, const pk_value *v) {
    uintptr_t p = (uintptr_t)v;
    size_t h = (size_t)((p >> 4) * 0x9E3779B97F4A7C15ull) & (w->cap - 1);
    while (w->tab[h].v && w->tab[h].v != v)
        h = (h + 1) & (w->cap - 1);
    return h;
}

static pk_code grow(walk *w) {
    size_t ncap = w->cap ? w->cap * 2 : 256, bytes;
    if (pk_mul_overflow(ncap, sizeof(slot), &bytes)) return PK_ENOMEM;
    slot *old = w->tab;
    size_t ocap = w->cap;
    w->tab = pk_malloc(w->alloc, bytes);
    if (!w->tab) {
        w->tab = old;
        return PK_ENOMEM;
    }
    memset(w->tab, 0, bytes);
    w->cap = ncap;
    for (size_t i = 0; i < ocap; i++)
        if (old[i].v) w->tab[slot_of(w, old[i].v)] = old[i];
    pk_free(w->alloc, old);
    return PK_OK;
}

static pk_code measure(walk *w, const pk_value *v, uint32_t depth, pk_expand *out);

/* Both counts saturated: nothing more can change the answer. */
static int full(const walk *w, const pk_expand *m) {
    return m->nodes >= w->limit && m->bytes >= w->limit;
}

/* Adds child c's measure (plus `extra` bytes of punctuation) into acc. */
static pk_code add_child(walk *w, const pk_value *c, uint32_t depth, uint64_t extra,
                         pk_expand *acc) {
    pk_expand m;
    PK_TRY(measure(w, c, depth + 1, &m));
    acc->nodes = sat_add(acc->nodes, m.nodes, w->limit);
    acc->bytes = sat_add(acc->bytes, sat_add(m.bytes, extra, w->limit), w->limit);
    return PK_OK;
}

/* Items print with a comma between them (lead: a comma before the first too, as inside an
 * object after its "py/object" member). */
static pk_code add_seq(walk *w, const pk_value *s, uint32_t depth, int lead, pk_expand *acc) {
    for (size_t i = 0; i < s->u.seq.len; i++) {
        PK_TRY(add_child(w, s->u.seq.items[i], depth, (i || lead) ? 1 : 0, acc));
        if (full(w, acc)) break;
    }
    return PK_OK;
}

static pk_code add_dict(walk *w, const pk_value *d, uint32_t depth, int lead, pk_expand *acc) {
    for (size_t i = 0; i < d->u.d.len; i++) {
        /* a key prints at least 2 quotes and a colon, entries a comma between them; the key's
         * own measure is not needed */
        PK_TRY(add_child(w, d->u.d.vals[i], depth, (i || lead) ? 4 : 3, acc));
        if (full(w, acc)) break;
    }
    return PK_OK;
}

static pk_code measure_children(walk *w, const pk_value *v, uint32_t depth, pk_expand *m) {
    pk_code rc = PK_OK;
    switch (v->kind) {
    case PK_LIST:
    case PK_TUPLE:
    case PK_SET:
    case PK_FROZENSET:
        return add_seq(w, v, depth, 0, m);
    case PK_DICT:
        return add_dict(w, v, depth, 0, m);
    case PK_OBJECT: {
        const pk_object *o = &v->u.o;
        m->bytes = sat_add(m->bytes, 14, w->limit); /* {"py/object":} */
        if (o->state) {
            if (o->state->kind == PK_DICT)
                rc = add_dict(w, o->state, depth, 1, m);
            else
                rc = add_child(w, o->state, depth, 1, m);
        }
        if (!rc && o->args) rc = add_seq(w, o->args, depth, 1, m);
        if (!rc && o->items) rc = add_seq(w, o->items, depth, 1, m);
        if (!rc && o->dictitems) rc = add_dict(w, o->dictitems, depth, 1, m);
        return rc;
    }
    case PK_NDARRAY: {
        const pk_ndarray *a = v->u.arr;
        uint64_t n = a->complete ? pk_ndarray_size(a) : 0;
        m->nodes = sat_add(m->nodes, n, w->limit);
        /* a digit each and commas between */
        m->bytes = sat_add(m->bytes, n ? sat_mul(n, 2, w->limit) - 1 : 0, w->limit);
        const pk_dtype *dt = a->dtype ? a->dtype->u.dt : NULL;
        if (a->complete && dt && dt->kind == 'O' && a->form != PK_ARR_VIEW && a->objects &&
            a->nobjects == n)
            for (size_t i = 0; i < a->nobjects && !rc && !full(w, m); i++)
                rc = add_child(w, a->objects[i], depth, 0, m);
        return rc;
    }
    default:
        return PK_OK;
    }
}

static pk_code measure(walk *w, const pk_value *v, uint32_t depth, pk_expand *out) {
    if (depth > w->max_depth) return PK_ELIMIT;
    /* leaves: no table entry needed */
    switch (v->kind) {
    case PK_STR:
    case PK_BYTES:
    case PK_BYTEARRAY:
        out->nodes = 1;
        out->bytes = sat_add(v->u.s.len, 2, w->limit);
        return PK_OK;
    default:
        /* containers are measured below; a numpy scalar counts as one node, also when it holds
         * an object (what that object expands to is capped by the writers' output limits) */
        if (pk_is_container(v) && v->kind != PK_NPSCALAR) break;
        out->nodes = 1;
        out->bytes = 1;
        return PK_OK;
    }
    if ((w->len + 1) * 2 > w->cap && grow(w)) return PK_ENOMEM;
    size_t s = slot_of(w, v);
    if (w->tab[s].v) {
        *out = w->tab[s].busy ? (pk_expand){1, 12} : w->tab[s].m;
        return PK_OK;
    }
    w->tab[s].v = v;
    w->tab[s].busy = 1;
    w->len++;
    pk_expand m = {1, 2};
    PK_TRY(measure_children(w, v, depth, &m));
    s = slot_of(w, v); /* the table may have grown */
    w->tab[s].m = m;
    w->tab[s].busy = 0;
    *out = m;
    return PK_OK;
}

pk_code pk_expand_measure(const pk_alloc *alloc, const pk_value *v, uint64_t cap,
                          uint32_t max_depth, pk_expand *out) {
    walk w;
    memset(&w, 0, sizeof w);
    w.alloc = alloc;
    w.limit = cap ? cap : UINT64_MAX;
    w.max_depth = max_depth ? max_depth : PK_DEFAULT_MAX_DEPTH;
    out->nodes = out->bytes = 0;
    pk_code rc = measure(&w, v, 0, out);
    pk_free(alloc, w.tab);
    return rc;
}
