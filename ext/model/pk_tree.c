/*
 * pk_tree.c - sklearn.tree._tree.Tree compiled into packed nodes (pk_trees.h), and the
 * DecisionTree/ExtraTree estimators on top of it.
 *
 * How a Tree is read (docs/formats.md, "scikit-learn internals that decide exact predictions"): the
 * pickled object is REDUCE(Tree, (n_features, n_classes, n_outputs)) + BUILD {max_depth,
 * node_count, nodes, values}. `nodes` is a structured array; its fields left_child, right_child,
 * feature (int64; int32 from 32-bit Python, widened once into int64 records), threshold
 * (float64) and, when present, missing_go_to_left (uint8) and
 * n_node_samples (int64) are located by name and offset in its dtype, so both the 56-byte record
 * (scikit-learn <= 1.2) and the 64-byte one (>= 1.3) decode. `values` is node_count x n_outputs x
 * max_n_classes doubles: weighted counts up to 1.4.0, fractions from 1.4.1 -- value/value.sum()
 * gives the same probabilities for both.
 *
 * Compilation walks the reachable nodes breadth first with an explicit queue (no recursion),
 * checks each one (see pk_trees.h) and renumbers them so a split's children are adjacent and
 * always after it: descent is a loop whose index only grows, so it ends within n_nodes steps.
 * Compile speed (a forest is compiled on first use): node records and, when they are native
 * float64 in C order, value rows are read where they lie in the pickle (no copy of either
 * array); a leaf's payload is written when the walk meets it; the common payloads (one output,
 * or the raw row) are copied without a callback, probabilities normalized as they are copied
 * (the divisions overlap the walk's other work); nothing the walk writes is zero-filled
 * first. See BENCHMARKS.md (trees) for decode + compile beside
 * pickle.loads.
 *
 * Exactness: X is cast to float32 (scikit-learn's DTYPE); scikit-learn compares it as a double
 * with the float64 threshold, `x <= threshold` going left. The compiled node holds the largest
 * float32 <= threshold instead, and for every float32 x, x <= that exactly when (double)x <=
 * threshold, so the float comparison decides identically. NaN goes left only where
 * missing_go_to_left. Speed: a leaf loops on itself, so a row without NaN descends every tree
 * in exactly `depth` branch-free steps, and pk_tset_group walks PK_TGROUP trees in lock step.
 * Probabilities: value[:n_classes] / sum (numpy's summation order), 0 sums left as they are.
 * Limits: node_count < 2^31, n_features < 2^30.
 */
#include "pk_meta.h"
#include "pk_trees.h"

#include "pk_ndarray.h"

#include <float.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define TREE_MAX_NODES    ((size_t)1 << 31)
#define TREE_MAX_FEATURES 0x3fffffff

/* ---- reading the node records ------------------------------------------------------------- */

typedef struct fieldref {
    size_t off;
    size_t size; /* bytes: 8, or 4 for the int32 node fields of 32-bit builds */
    int present;
} fieldref;

/* Locates field `name` of the record dtype, checking its kind and size. Integer fields may also
 * be 4 bytes: on 32-bit Python scikit-learn's SIZE_t (intp) is int32, so left_child,
 * right_child, feature and n_node_samples are '<i4' there. */
static pk_code find_field(pk_mc *c, const pk_dtype *dt, const char *what, const char *name,
                          char kind, size_t size, int required, fieldref *f) {
    f->present = 0;
    for (size_t i = 0; i < dt->nfields; i++) {
        const pk_dtfield *fl = &dt->fields[i];
        /* the first letters of the names looked up differ: most fields fail that test, and a
         * forest looks its fields up once per tree */
        if (!fl->name || fl->name[0] != name[0] || strcmp(fl->name, name) != 0) continue;
        const pk_dtype *fd = fl->dtype && fl->dtype->kind == PK_DTYPE ? fl->dtype->u.dt : NULL;
        int size_ok = fd && (fd->itemsize == size || (kind == 'i' && fd->itemsize == 4));
        if (!fd || fd->kind != kind || !size_ok || fd->sub_ndim != 0 || fd->nfields != 0)
            return pk_mc_fail(c, "%s: %s.nodes field '%s' has the wrong type (expected %c%zu)",
                              c->m->cls, what, name, kind, size);
        size = fd->itemsize;
        if (fd->byteorder == '>' && size > 1)
            return pk_mc_fail(c, "%s: %s.nodes field '%s' is big-endian", c->m->cls, what, name);
        if (fl->offset > dt->itemsize || size > dt->itemsize - fl->offset)
            return pk_mc_fail(c, "%s: %s.nodes field '%s' lies outside the record", c->m->cls, what,
                              name);
        f->off = fl->offset;
        f->size = size;
        f->present = 1;
        return PK_OK;
    }
    if (required) return pk_mc_fail(c, "%s: %s.nodes has no field '%s'", c->m->cls, what, name);
    return PK_OK;
}

static int64_t rd_i64(const uint8_t *p) {
    int64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static double rd_f64(const uint8_t *p) {
    double v;
    memcpy(&v, p, sizeof v);
    return v;
}

enum { TMP_NCLS = 4, TMP_WORK = 512 };

/* What compile keeps of one tree between reading and building it. The node records and, when
 * they are native little-endian float64 in C order, the value rows are read in place (spans
 * checked against the arrays' bytes); other value dtypes are converted once into `values`.
 * n_classes and build's work area use the buffers inside it when they fit (a forest's trees
 * mostly do): two allocations fewer per tree. */
typedef struct tree_tmp {
    const pk_alloc *a;
    int64_t *ncls;         /* ncls_buf, or allocated                                       */
    double *values;        /* converted tree_.value, or NULL when read in place          */
    void *work;            /* build's queue, seen flags and row buffer (one allocation)    */
    uint8_t *wide;         /* int32 node records widened to WIDE_* records, or NULL        */
    const uint8_t *vbytes; /* node i's value row at vbytes + i * vrow                       */
    size_t vrow;           /* bytes per value row: n_outputs * n_cls_max * 8              */
    size_t off_l, off_r, off_f, off_t, off_m; /* field offsets; off_m valid when the records
                                               * have missing_go_to_left (has_ml)     */
    int64_t ncls_buf[TMP_NCLS];
    uint64_t work_buf[TMP_WORK];
} tree_tmp;

static void tmp_free(tree_tmp *t) {
    if (t->ncls != t->ncls_buf) pk_free(t->a, t->ncls);
    pk_free(t->a, t->values);
    if (t->work != (void *)t->work_buf) pk_free(t->a, t->work);
    pk_free(t->a, t->wide);
}

static void *tmp_alloc(pk_mc *c, tree_tmp *t, size_t count, size_t size) {
    size_t n;
    if (pk_mul_overflow(count ? count : 1, size, &n)) {
        pk_err_set(c->err, PK_ELIMIT, -1, -1, "%s: tree too large", c->m->cls);
        return NULL;
    }
    void *p = pk_malloc(t->a, n);
    if (!p) pk_err_nomem(c->err, -1);
    return p;
}

/* 1 when the value array's bytes are native float64 in C order covering `total` elements, so
 * rows can be read where they are. */
static int values_in_place(const pk_ndarray *va, size_t total) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const pk_dtype *dt = va->dtype && va->dtype->kind == PK_DTYPE ? va->dtype->u.dt : NULL;
    if (!dt || dt->kind != 'f' || dt->itemsize != 8 || dt->byteorder != '<' || !va->data ||
        dt->sub_ndim != 0 || dt->nfields != 0)
        return 0;
    if (va->strides[2] != 8 || va->strides[1] != 8 * va->shape[2] ||
        va->strides[0] != va->strides[1] * va->shape[1])
        return 0;
    return total <= va->nbytes / 8;
#else
    (void)va;
    (void)total;
    return 0;
#endif
}

static pk_code get_int(const pk_value *v, int64_t *out) {
    if (!v) return PK_ETYPE;
    if (v->kind == PK_NDARRAY) {
        double d;
        if (pk_ndarray_size(v->u.arr) != 1 || pk_ndarray_get_f64(v->u.arr, 0, &d) != PK_OK)
            return PK_ETYPE;
        if (d != floor(d) || fabs(d) > 9007199254740992.0) return PK_ETYPE;
        *out = (int64_t)d;
        return PK_OK;
    }
    return pk_as_i64(v, out);
}

/* The widened record: left, right, feature, n_node_samples (int64), threshold (float64),
 * missing_go_to_left (uint8). */
enum { WIDE_L = 0, WIDE_R = 8, WIDE_F = 16, WIDE_S = 24, WIDE_T = 32, WIDE_M = 40, WIDE_SIZE = 48 };

static int64_t rd_int(const uint8_t *p, size_t size) {
    if (size == 8) return rd_i64(p);
    int32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* Tree.compute_feature_importances (scikit-learn 1.2), in its order of operations: for each
 * split node in array order, importance[feature] += w * impurity - w_left * impurity_left -
 * w_right * impurity_right (w: weighted_n_node_samples), then every importance / the root's w,
 * then (normalize) / their np.sum when that is > 0. */
pk_code pk_tree_importances(pk_mc *c, const pk_value *tree, const char *what, int normalize,
                            size_t nf, double *imp) {
    const char *cls = c->m->cls;
    const pk_value *args = tree && tree->kind == PK_OBJECT ? tree->u.o.args : NULL;
    int64_t tnf, nc;
    if (!args || !pk_global_is(tree, "sklearn.tree._tree", "Tree") || args->kind != PK_TUPLE ||
        args->u.seq.len != 3 || get_int(args->u.seq.items[0], &tnf) != PK_OK)
        return pk_mc_fail(c, "%s: %s is not an sklearn.tree._tree.Tree", cls, what);
    if ((uint64_t)tnf != (uint64_t)nf)
        return pk_mc_fail(c, "%s: %s has %lld features, expected %zu", cls, what, (long long)tnf,
                          nf);
    if (get_int(pk_attr(tree, "node_count"), &nc) != PK_OK || nc <= 0 ||
        (uint64_t)nc >= TREE_MAX_NODES)
        return pk_mc_fail(c, "%s: %s has a bad node_count", cls, what);
    const pk_value *nv = pk_attr(tree, "nodes");
    if (!nv || nv->kind != PK_NDARRAY || !nv->u.arr->complete || nv->u.arr->objects ||
        nv->u.arr->ndim != 1 || !nv->u.arr->dtype || nv->u.arr->dtype->kind != PK_DTYPE ||
        nv->u.arr->dtype->u.dt->kind != 'V')
        return pk_mc_fail(c, "%s: %s.nodes is not a 1-D record array", cls, what);
    const pk_ndarray *na = nv->u.arr;
    const pk_dtype *dt = na->dtype->u.dt;
    size_t n = (size_t)nc, span;
    int64_t stride = na->strides[0];
    fieldref fl, fr, ff, fi, fw;
    pk_code rc;
    if ((rc = find_field(c, dt, what, "left_child", 'i', 8, 1, &fl)) != PK_OK ||
        (rc = find_field(c, dt, what, "right_child", 'i', 8, 1, &fr)) != PK_OK ||
        (rc = find_field(c, dt, what, "feature", 'i', 8, 1, &ff)) != PK_OK ||
        (rc = find_field(c, dt, what, "impurity", 'f', 8, 1, &fi)) != PK_OK ||
        (rc = find_field(c, dt, what, "weighted_n_node_samples", 'f', 8, 1, &fw)) != PK_OK)
        return rc;
    if ((uint64_t)na->shape[0] != (uint64_t)n || (n > 1 && stride < (int64_t)dt->itemsize) ||
        pk_mul_overflow(n - 1, (size_t)(stride > 0 ? stride : 0), &span) ||
        pk_add_overflow(span, dt->itemsize, &span) || span > na->nbytes || !na->data)
        return pk_mc_fail(c, "%s: %s.nodes does not match node_count", cls, what);
    const uint8_t *rec = na->data;
#define REC(i) (rec + (size_t)(i) * (size_t)stride)
    memset(imp, 0, nf * sizeof *imp);
    for (size_t i = 0; i < n; i++) {
        int64_t l = rd_int(REC(i) + fl.off, fl.size), r = rd_int(REC(i) + fr.off, fr.size);
        if (l == -1) continue;
        int64_t f = rd_int(REC(i) + ff.off, ff.size);
        if (l < 0 || r < 0 || (uint64_t)l >= n || (uint64_t)r >= n || f < 0 || (uint64_t)f >= nf)
            return pk_mc_fail(c, "%s: %s node %zu is malformed", cls, what, i);
        imp[f] += rd_f64(REC(i) + fw.off) * rd_f64(REC(i) + fi.off) -
                  rd_f64(REC(l) + fw.off) * rd_f64(REC(l) + fi.off) -
                  rd_f64(REC(r) + fw.off) * rd_f64(REC(r) + fi.off);
    }
    double root = rd_f64(REC(0) + fw.off);
#undef REC
    for (size_t j = 0; j < nf; j++)
        imp[j] /= root;
    if (normalize) {
        double s = pk_np_sum(imp, nf);
        if (s > 0.0)
            for (size_t j = 0; j < nf; j++)
                imp[j] /= s;
    }
    return PK_OK;
}

/* Copies raw's n records (checked to lie in the array; some integer fields int32) into t->wide
 * as WIDE_* records and moves the field references to that layout. */
static pk_code widen_records(pk_mc *c, tree_tmp *t, const pk_tree_raw *raw, fieldref *fl,
                             fieldref *fr, fieldref *ff, fieldref *ft, fieldref *fs, fieldref *fm) {
    t->wide = tmp_alloc(c, t, raw->n, WIDE_SIZE);
    if (!t->wide) return c->err->code;
    for (size_t i = 0; i < raw->n; i++) {
        const uint8_t *src = raw->rec + i * raw->stride;
        uint8_t *dst = t->wide + i * WIDE_SIZE;
        int64_t v[4] = {rd_int(src + fl->off, fl->size), rd_int(src + fr->off, fr->size),
                        rd_int(src + ff->off, ff->size),
                        fs->present ? rd_int(src + fs->off, fs->size) : 0};
        memcpy(dst, v, sizeof v);
        memcpy(dst + WIDE_T, src + ft->off, 8);
        memset(dst + WIDE_M, 0, WIDE_SIZE - WIDE_M);
        if (fm->present) dst[WIDE_M] = src[fm->off];
    }
    fl->off = WIDE_L;
    fr->off = WIDE_R;
    ff->off = WIDE_F;
    fs->off = WIDE_S;
    ft->off = WIDE_T;
    fm->off = WIDE_M;
    return PK_OK;
}

/* Reads the Tree's arguments and state into tmp. */
static pk_code read_tree(pk_mc *c, const pk_value *tree, const char *what, tree_tmp *t,
                         pk_tree_raw *raw, int *has_ml) {
    const char *cls = c->m->cls;
    if (!tree || tree->kind != PK_OBJECT || !pk_global_is(tree, "sklearn.tree._tree", "Tree"))
        return pk_mc_fail(c, "%s: %s is not an sklearn.tree._tree.Tree", cls, what);
    const pk_value *args = tree->u.o.args;
    if (!args || args->kind != PK_TUPLE || args->u.seq.len != 3)
        return pk_mc_fail(c, "%s: %s has no (n_features, n_classes, n_outputs) arguments", cls,
                          what);
    int64_t nf, no;
    if (get_int(args->u.seq.items[0], &nf) != PK_OK || nf <= 0 || nf > TREE_MAX_FEATURES)
        return pk_mc_fail(c, "%s: %s has a bad n_features", cls, what);
    if (get_int(args->u.seq.items[2], &no) != PK_OK || no <= 0 || no > 1000000)
        return pk_mc_fail(c, "%s: %s has a bad n_outputs", cls, what);
    raw->n_features = (size_t)nf;
    raw->n_outputs = (size_t)no;
    const pk_value *ncv = args->u.seq.items[1];
    t->ncls = no <= TMP_NCLS ? t->ncls_buf : tmp_alloc(c, t, (size_t)no, sizeof(int64_t));
    if (!t->ncls) return c->err->code;
    if (ncv->kind == PK_NDARRAY && !ncv->u.arr->objects &&
        pk_ndarray_size(ncv->u.arr) == (size_t)no) {
        for (size_t o = 0; o < (size_t)no; o++) {
            double d;
            if (pk_ndarray_get_f64(ncv->u.arr, o, &d) != PK_OK || !(d >= 1 && d < 1e9))
                return pk_mc_fail(c, "%s: %s has a bad n_classes", cls, what);
            t->ncls[o] = (int64_t)d;
        }
    } else {
        return pk_mc_fail(c, "%s: %s has a bad n_classes", cls, what);
    }
    raw->n_classes = t->ncls;

    int64_t nc;
    if (get_int(pk_attr(tree, "node_count"), &nc) != PK_OK || nc <= 0 ||
        (uint64_t)nc >= TREE_MAX_NODES)
        return pk_mc_fail(c, "%s: %s has a bad node_count", cls, what);
    size_t n = (size_t)nc;
    raw->n = n;

    /* nodes */
    const pk_value *nv = pk_attr(tree, "nodes");
    if (!nv || nv->kind != PK_NDARRAY || !nv->u.arr->complete || nv->u.arr->objects ||
        nv->u.arr->ndim != 1 || !nv->u.arr->dtype || nv->u.arr->dtype->kind != PK_DTYPE)
        return pk_mc_fail(c, "%s: %s.nodes is not a 1-D record array", cls, what);
    const pk_ndarray *na = nv->u.arr;
    const pk_dtype *dt = na->dtype->u.dt;
    if (dt->kind != 'V' || dt->nfields == 0)
        return pk_mc_fail(c, "%s: %s.nodes does not have a structured dtype", cls, what);
    if ((uint64_t)na->shape[0] != (uint64_t)n)
        return pk_mc_fail(c, "%s: %s.nodes has %lld records for node_count %zu", cls, what,
                          (long long)na->shape[0], n);
    fieldref fl, fr, ff, ft, fs, fm;
    pk_code rc;
    if ((rc = find_field(c, dt, what, "left_child", 'i', 8, 1, &fl)) != PK_OK ||
        (rc = find_field(c, dt, what, "right_child", 'i', 8, 1, &fr)) != PK_OK ||
        (rc = find_field(c, dt, what, "feature", 'i', 8, 1, &ff)) != PK_OK ||
        (rc = find_field(c, dt, what, "threshold", 'f', 8, 1, &ft)) != PK_OK ||
        (rc = find_field(c, dt, what, "n_node_samples", 'i', 8, 0, &fs)) != PK_OK ||
        (rc = find_field(c, dt, what, "missing_go_to_left", 'u', 1, 0, &fm)) != PK_OK)
        return rc;
    int64_t stride = na->strides[0];
    if (n > 1 && (stride < (int64_t)dt->itemsize))
        return pk_mc_fail(c, "%s: %s.nodes is not a contiguous array", cls, what);
    size_t span;
    if (pk_mul_overflow(n - 1, (size_t)(stride > 0 ? stride : 0), &span) ||
        pk_add_overflow(span, dt->itemsize, &span) || span > na->nbytes || !na->data)
        return pk_mc_fail(c, "%s: %s.nodes is shorter than its shape", cls, what);
    raw->rec = na->data;
    raw->stride = (size_t)stride;
    if (fl.size == 4 || fr.size == 4 || ff.size == 4 || (fs.present && fs.size == 4)) {
        /* int32 fields: copy the records once into int64 ones, so the walk reads one layout */
        if ((rc = widen_records(c, t, raw, &fl, &fr, &ff, &ft, &fs, &fm)) != PK_OK) return rc;
        raw->rec = t->wide;
        raw->stride = WIDE_SIZE;
    }
    raw->off_nsamp = fs.off;
    raw->has_nsamp = fs.present;
    t->off_l = fl.off;
    t->off_r = fr.off;
    t->off_f = ff.off;
    t->off_t = ft.off;
    t->off_m = fm.off;
    *has_ml = fm.present;

    /* values */
    const pk_value *vv = pk_attr(tree, "values");
    if (!vv || vv->kind != PK_NDARRAY || !vv->u.arr->complete || vv->u.arr->objects ||
        vv->u.arr->ndim != 3)
        return pk_mc_fail(c, "%s: %s.values is not a 3-D numeric array", cls, what);
    const pk_ndarray *va = vv->u.arr;
    if ((uint64_t)va->shape[0] != (uint64_t)n || (uint64_t)va->shape[1] != (uint64_t)no ||
        va->shape[2] <= 0)
        return pk_mc_fail(c,
                          "%s: %s.values has shape (%lld, %lld, %lld), expected (%zu, %lld, "
                          "max_n_classes)",
                          cls, what, (long long)va->shape[0], (long long)va->shape[1],
                          (long long)va->shape[2], n, (long long)no);
    raw->n_cls_max = (size_t)va->shape[2];
    int64_t ncmax = 1;
    for (size_t o = 0; o < (size_t)no; o++)
        if (t->ncls[o] > ncmax) ncmax = t->ncls[o];
    if ((uint64_t)ncmax != (uint64_t)raw->n_cls_max)
        return pk_mc_fail(c, "%s: %s.values has %zu columns for at most %lld classes", cls, what,
                          raw->n_cls_max, (long long)ncmax);
    size_t nv_total = pk_ndarray_size(va);
    t->vrow = (size_t)no * raw->n_cls_max * sizeof(double); /* <= nv_total * 8: no overflow */
    if (values_in_place(va, nv_total)) {
        t->vbytes = va->data;
        return PK_OK;
    }
    t->values = tmp_alloc(c, t, nv_total, sizeof(double));
    if (!t->values) return c->err->code;
    if (pk_ndarray_to_f64(va, t->values, nv_total) != PK_OK)
        return pk_mc_fail(c, "%s: %s.values is not numeric", cls, what);
    t->vbytes = (const uint8_t *)t->values;
    return PK_OK;
}

/* The largest float32 <= d: for every float32 x, x <= f32_floor(d) exactly when
 * (double)x <= d. NaN (no x is <= it) becomes -inf (only -inf, which inputs never hold). Always
 * inlined: each of the walk's copies calls it once per split. */
static PK_ALWAYS_INLINE float f32_floor(double d) {
    /* branch-free: about half of all thresholds round up (a midpoint between two float32 values
     * is rarely one), so a branch on it mispredicts often */
    float f = (float)d;
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    /* the next float32 toward -infinity: +-0 -> the smallest negative subnormal, a negative
     * value one step larger in magnitude, a positive one (+inf -> FLT_MAX) one step smaller */
    uint32_t down = (u & 0x7fffffffu) == 0 ? 0x80000001u : u + ((u >> 31) << 1) - 1u;
    u = (double)f > d ? down : u;
    u = isnan(d) ? 0xff800000u : u; /* -inf */
    memcpy(&f, &u, sizeof f);
    return f;
}

/* The error for original node o, from its record: the first of build's checks it fails (the
 * walk only detects a failure; this cold path re-reads the raw values for the message). */
static pk_code node_error(pk_mc *c, const char *what, const tree_tmp *t, const pk_tree_raw *raw,
                          const uint8_t *seen, uint32_t o) {
    const char *cls = c->m->cls;
    const uint8_t *rec = raw->rec + (size_t)o * raw->stride;
    int64_t l = rd_i64(rec + t->off_l), r = rd_i64(rec + t->off_r), f = rd_i64(rec + t->off_f);
    size_t n = raw->n;
    if (l == -1 || r == -1)
        return pk_mc_fail(c, "%s: %s node %u has one child (left %lld, right %lld)", cls, what, o,
                          (long long)l, (long long)r);
    if (l < 0 || (uint64_t)l >= n || r < 0 || (uint64_t)r >= n)
        return pk_mc_fail(c,
                          "%s: %s node %u has a child outside the %zu nodes (left %lld, "
                          "right %lld)",
                          cls, what, o, n, (long long)l, (long long)r);
    if (seen[l] || seen[r] || l == r)
        return pk_mc_fail(c,
                          "%s: %s node %u links to a node already in the tree (a cycle or a "
                          "shared child)",
                          cls, what, o);
    return pk_mc_fail(c, "%s: %s node %u splits on feature %lld of %zu", cls, what, o, (long long)f,
                      raw->n_features);
}

#if defined(__GNUC__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)(p))
#endif

/* What walk reads and fills (its caller's buffers) and returns (count, leaves, depth). */
typedef struct walk_io {
    pk_mc *c;
    const char *what;
    tree_tmp *t;
    const pk_tree_raw *raw;
    uint32_t *queue;
    double *rowbuf;
    uint8_t *seen;
    pk_tnode *nodes;
    double *payload;
    void *ctx;
    size_t count, leaves;
    uint32_t d;
} walk_io;

/* Breadth-first check and renumbering of the reachable nodes; each leaf's payload is filled as
 * the leaf is met: by `leaf`, else the row's first vw doubles, divided by their sum when `norm`
 * (pk_tree_normalize). Nodes at one depth are consecutive in the queue, so the depth is a
 * counter bumped when the walk passes the end of a level. Always inlined: the walk_* functions
 * below call it with constant record offsets for the common layouts, and the compiler makes a
 * copy for each. */
static PK_ALWAYS_INLINE pk_code walk(walk_io *w, int has_ml, size_t stride, size_t off_l,
                                     size_t off_r, size_t off_f, size_t off_t, size_t off_m,
                                     size_t vrow, size_t vw, pk_leaf_fn leaf, int norm) {
    pk_mc *c = w->c;
    const char *what = w->what;
    tree_tmp *t = w->t;
    const pk_tree_raw *raw = w->raw;
    uint32_t *queue = w->queue;
    double *rowbuf = w->rowbuf;
    uint8_t *seen = w->seen;
    pk_tnode *nodes = w->nodes;
    double *payload = w->payload;
    void *ctx = w->ctx;
    /* locals, not reads through raw: the byte stores to seen[] may alias any object */
    const size_t n = raw->n, nf = raw->n_features;
    const uint8_t *rec0 = raw->rec, *vbytes = t->vbytes;
    const int aligned = ((uintptr_t)vbytes % _Alignof(double)) == 0;
    size_t count = 1, leaves = 0, level_end = 1;
    uint32_t d = 0;
    queue[0] = 0;
    seen[0] = 1;
    for (size_t h = 0; h < count; h++) {
        if (h == level_end) {
            d++;
            level_end = count;
        }
        uint32_t o = queue[h];
        const uint8_t *rec = rec0 + (size_t)o * stride;
        int64_t l = rd_i64(rec + off_l), r = rd_i64(rec + off_r);
        pk_tnode *nd = &nodes[h];
        if (l == -1 && r == -1) {
            nd->feat = 0;
            nd->thr = INFINITY;
            nd->kid = (uint32_t)h;
            nd->aux = (uint32_t)leaves;
            const uint8_t *vr = vbytes + (size_t)o * vrow;
            double *dst = payload + leaves * vw;
            leaves++;
            if (norm && vw == 2) { /* two classes, the common case: no row copy */
                double v[2] = {rd_f64(vr), rd_f64(vr + sizeof(double))};
                pk_tree_normalize(v, 2, dst);
            } else if (leaf || norm) {
                const double *row = (const double *)(const void *)vr;
                if (!aligned) row = memcpy(rowbuf, vr, vrow);
                if (!leaf) {
                    pk_tree_normalize(row, vw, dst); /* vw <= the row's length, checked */
                } else {
                    pk_code rc = leaf(c, ctx, raw, row, o, d, dst);
                    if (rc != PK_OK) return rc;
                }
            } else { /* the row's first vw doubles (vw <= its length, checked) */
                for (size_t k = 0; k < vw; k++)
                    dst[k] = rd_f64(vr + k * sizeof(double));
            }
            continue;
        }
        int64_t f = rd_i64(rec + off_f);
        if ((uint64_t)l >= n || (uint64_t)r >= n || seen[l] || seen[r] || l == r ||
            (uint64_t)f >= nf)
            return node_error(c, what, t, raw, seen, o);
        seen[l] = seen[r] = 1;
        /* both are read a while later (FIFO): fetch their records now (not their value rows:
         * only leaves read those, and fetching them cost more than it saved) */
        PREFETCH(rec0 + (size_t)l * stride);
        PREFETCH(rec0 + (size_t)r * stride);
        nd->thr = f32_floor(rd_f64(rec + off_t));
        nd->feat = (uint32_t)f;
        nd->aux = has_ml && rec[off_m] ? PK_TNODE_MLEFT : 0;
        nd->kid = (uint32_t)count;
        queue[count] = (uint32_t)l;
        queue[count + 1] = (uint32_t)r;
        count += 2; /* each node enters the queue at most once: count <= n */
    }
    w->count = count;
    w->leaves = leaves;
    w->d = d;
    return PK_OK;
}

/* walk's copies: build's common layouts with constant offsets (walk_56*, walk_64*) and any
 * other (walk_any). Each is a function of its own: inlined into build, the loop's values were
 * spilled to the stack. */
#if defined(__GNUC__)
#define WALK_FN static __attribute__((noinline)) pk_code
#else
#define WALK_FN static pk_code
#endif
WALK_FN walk_56(walk_io *w) {
    return walk(w, 0, 56, 0, 8, 16, 24, 0, 16, 2, NULL, 0);
}
WALK_FN walk_56_norm(walk_io *w) {
    return walk(w, 0, 56, 0, 8, 16, 24, 0, 16, 2, NULL, 1);
}
WALK_FN walk_64(walk_io *w) {
    return walk(w, 1, 64, 0, 8, 16, 24, 56, 16, 2, NULL, 0);
}
WALK_FN walk_64_norm(walk_io *w) {
    return walk(w, 1, 64, 0, 8, 16, 24, 56, 16, 2, NULL, 1);
}
WALK_FN walk_any(walk_io *w, int has_ml, size_t vw, pk_leaf_fn leaf, int norm) {
    const tree_tmp *t = w->t;
    return walk(w, has_ml, w->raw->stride, t->off_l, t->off_r, t->off_f, t->off_t, t->off_m,
                t->vrow, vw, leaf, norm);
}

/* Allocates the walk's buffers and the compiled arrays, then walks (walk). */
static pk_code build(pk_mc *c, const char *what, tree_tmp *t, const pk_tree_raw *raw, int has_ml,
                     size_t vw, pk_leaf_fn leaf, void *ctx, int norm, pk_tree *out) {
    const char *cls = c->m->cls;
    size_t n = raw->n; /* < 2^31: the sizes below cannot overflow */
    size_t rowd = t->vrow / sizeof(double);
    if (!leaf && vw > rowd)
        return pk_mc_fail(c, "%s: %s.values rows have %zu doubles, %zu needed", cls, what, rowd,
                          vw);
    size_t qbytes = (n * sizeof(uint32_t) + 7) & ~(size_t)7;
    size_t wbytes = qbytes + (rowd ? rowd : 1) * sizeof(double) + n; /* no overflow: n < 2^31 */
    t->work = wbytes <= sizeof t->work_buf ? (void *)t->work_buf : tmp_alloc(c, t, 1, wbytes);
    if (!t->work) return c->err->code;
    uint32_t *queue = t->work;
    double *rowbuf = (double *)(void *)((char *)t->work + qbytes);
    uint8_t *seen = (uint8_t *)(rowbuf + (rowd ? rowd : 1));
    memset(seen, 0, n);
    /* a full binary tree of count <= n nodes has (count + 1) / 2 leaves; neither array is
     * zero-filled: nodes [0, count) and leaf rows [0, leaves) are all written below */
    size_t wv = vw ? vw : 1, max_leaves = n / 2 + 1, nbytes, lbytes;
    if (pk_mul_overflow(n, sizeof(pk_tnode), &nbytes) ||
        pk_mul_overflow(max_leaves, wv * sizeof(double), &lbytes))
        return pk_mc_fail(c, "%s: tree too large", cls);
    pk_tnode *nodes = pk_arena_alloc(c->m->arena, nbytes);
    double *payload = nodes ? pk_arena_alloc(c->m->arena, lbytes) : NULL;
    if (!payload) return pk_err_nomem(c->err, -1);

    walk_io w = {c, what, t, raw, queue, rowbuf, seen, nodes, payload, ctx, 0, 0, 0};
    pk_code rc;
    /* the common records (scikit-learn <= 1.2: 56 bytes; >= 1.3: 64 with missing_go_to_left
     * at 56) and payload (two classes, rows of two doubles) with constant offsets: fewer
     * registers and instructions per node */
    int std = t->off_l == 0 && t->off_r == 8 && t->off_f == 16 && t->off_t == 24 && !leaf &&
              vw == 2 && t->vrow == 16;
    if (std && raw->stride == 56 && !has_ml)
        rc = norm ? walk_56_norm(&w) : walk_56(&w);
    else if (std && raw->stride == 64 && has_ml && t->off_m == 56)
        rc = norm ? walk_64_norm(&w) : walk_64(&w);
    else
        rc = walk_any(&w, has_ml, vw, leaf, norm);
    if (rc != PK_OK) return rc;
    size_t count = w.count, leaves = w.leaves;
    uint32_t d = w.d;
    out->nodes = nodes;
    out->n_nodes = count;
    out->n_leaves = leaves;
    out->vw = vw;
    out->leaf = payload;
    out->n_features = raw->n_features;
    out->has_missing = has_ml;
    out->depth = d;
    return PK_OK;
}

/* pk_tree_compile; with `norm` (leaf NULL) each payload row is divided by its sum. */
static pk_code tree_compile(pk_mc *c, const pk_value *tree_obj, const char *what, size_t vw,
                            pk_leaf_fn leaf, void *ctx, int norm, pk_tree *out) {
    tree_tmp t;
    memset(&t, 0, offsetof(tree_tmp, ncls_buf)); /* the buffers after it need no zeroing */
    memset(out, 0, sizeof *out);
    t.a = c->m->arena->alloc;
    pk_tree_raw raw;
    memset(&raw, 0, sizeof raw);
    int has_ml = 0;
    pk_code rc = read_tree(c, tree_obj, what, &t, &raw, &has_ml);
    if (rc == PK_OK) rc = build(c, what, &t, &raw, has_ml, vw, leaf, ctx, norm, out);
    tmp_free(&t);
    if (rc != PK_OK && c->err->code == PK_OK) rc = pk_mc_fail(c, "%s: bad tree", c->m->cls);
    return rc;
}

pk_code pk_tree_compile(pk_mc *c, const pk_value *tree_obj, const char *what, size_t vw,
                        pk_leaf_fn leaf, void *ctx, pk_tree *out) {
    return tree_compile(c, tree_obj, what, vw, leaf, ctx, 0, out);
}

/* x cast to float32 into xf (m->n_features values); *nan = 1 when it holds a NaN. A finite
 * value beyond float32's range is PK_EFEATURE, as scikit-learn refuses it. */
static pk_code cast_into(const pk_model *m, const double *x, float *xf, int *nan, pk_err *err) {
    size_t n = m->n_features;
    int any = 0, big = 0;
    for (size_t j = 0; j < n; j++) {
        float f = (float)x[j];
        any |= isnan(f);
        big |= isinf(f);
        xf[j] = f;
    }
    *nan = any != 0;
    if (big)
        for (size_t j = 0; j < n; j++)
            if (isinf(xf[j]) && !isinf(x[j]))
                return pk_err_set(err, PK_EFEATURE, -1, -1,
                                  "%s: feature %zu (%g) is too large for float32", m->cls, j + 1,
                                  x[j]);
    return PK_OK;
}

pk_code pk_tree_cast_row(const pk_model *m, const double *x, double *scratch, float **xfp, int *nan,
                         pk_err *err) {
    *xfp = (float *)(void *)scratch;
    return cast_into(m, x, *xfp, nan, err);
}

pk_code pk_tset_build(pk_mc *c, pk_tset *s, const pk_tree *first, size_t stride, size_t nt) {
    s->nt = nt;
    s->trees = pk_mc_alloc(c, nt ? nt : 1, sizeof *s->trees);
    s->gdepth = pk_mc_alloc(c, nt / PK_TGROUP + 1, sizeof *s->gdepth);
    if (!s->trees || !s->gdepth) return c->err->code;
    for (size_t i = 0; i < nt; i++) {
        const pk_tree *t = (const pk_tree *)((const char *)first + i * stride);
        s->trees[i] = t;
        if (t->depth > s->gdepth[i / PK_TGROUP]) s->gdepth[i / PK_TGROUP] = t->depth;
    }
    return PK_OK;
}

size_t pk_tset_group(const pk_tset *s, size_t g, const float *xf, int nan, const double **out) {
    const pk_tree *const *ts = s->trees + g;
    size_t n = s->nt - g < PK_TGROUP ? s->nt - g : PK_TGROUP;
    if (n < PK_TGROUP || nan) {
        for (size_t j = 0; j < n; j++)
            out[j] = pk_tree_leaf(ts[j], xf, nan);
        return n;
    }
    const pk_tnode *nd[PK_TGROUP];
    uint32_t ix[PK_TGROUP];
    for (size_t j = 0; j < PK_TGROUP; j++) {
        nd[j] = ts[j]->nodes;
        ix[j] = 0;
    }
    uint32_t depth = s->gdepth[g / PK_TGROUP];
    for (uint32_t d = 0; d < depth; d++) {
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC unroll 8
#endif
        for (size_t j = 0; j < PK_TGROUP; j++) {
            const pk_tnode *q = nd[j] + ix[j];
            ix[j] = q->kid + (xf[q->feat] > q->thr);
        }
    }
    for (size_t j = 0; j < PK_TGROUP; j++)
        out[j] = ts[j]->leaf + (size_t)nd[j][ix[j]].aux * ts[j]->vw;
    return n;
}

pk_code pk_tree_objects(pk_mc *c, const pk_value *v, const char *attr,
                        const pk_value *const **items, size_t *n) {
    pk_code rc = pk_meta_items(c, v, attr, items, n);
    if (rc != PK_OK) return rc;
    /* Every entry is compiled on its own, even when several are the same shared object: count
     * the nodes of every entry (the records of tree_.nodes, or .nodes) before compiling any. A
     * compiled node takes 16 bytes and at least 4 more of leaf payload on average (a leaf per
     * two nodes, a double or more each). */
    uint64_t nodes = 0;
    for (size_t i = 0; i < *n; i++) {
        const pk_value *e = (*items)[i];
        const pk_value *t = e && e->kind == PK_OBJECT ? pk_attr(e, "tree_") : NULL;
        const pk_value *nv = t && t->kind == PK_OBJECT ? pk_attr(t, "nodes") : NULL;
        if (nv && nv->kind == PK_NDARRAY && nv->u.arr->complete)
            nodes += pk_ndarray_size(nv->u.arr);
    }
    return nodes ? pk_mc_reserve(c, nodes * 20, nodes, "nodes") : PK_OK;
}

/* ---- decision-tree estimators ------------------------------------------------------------- */

typedef struct dtree_ctx {
    pk_tree_payload pay;
    const size_t *n_classes; /* per output */
} dtree_ctx;

static pk_code dtree_leaf(pk_mc *c, void *ctx, const pk_tree_raw *raw, const double *v, size_t node,
                          size_t depth, double *payload) {
    (void)c;
    (void)node;
    (void)depth;
    const dtree_ctx *d = ctx;
    switch (d->pay) {
    case PK_TP_RAW:
        memcpy(payload, v, raw->n_outputs * raw->n_cls_max * sizeof(double));
        break;
    case PK_TP_PROBA: /* each output's value[:n_classes_k] / its sum, concatenated */
        for (size_t o = 0; o < raw->n_outputs; o++) {
            pk_tree_normalize(v + o * raw->n_cls_max, d->n_classes[o], payload);
            payload += d->n_classes[o];
        }
        break;
    case PK_TP_VALUE:
        for (size_t o = 0; o < raw->n_outputs; o++)
            payload[o] = v[o * raw->n_cls_max];
        break;
    }
    return PK_OK;
}

/* Reads n_outputs and n_classes from the Tree's arguments (before compiling it). */
static pk_code tree_shape(pk_mc *c, const pk_value *tree, const char *what, size_t *no,
                          size_t **ncls, size_t *ncmax) {
    const pk_value *args = tree && tree->kind == PK_OBJECT ? tree->u.o.args : NULL;
    if (!args || args->kind != PK_TUPLE || args->u.seq.len != 3)
        return pk_mc_fail(c, "%s: %s is not a fitted tree", c->m->cls, what);
    int64_t v;
    if (get_int(args->u.seq.items[2], &v) != PK_OK || v <= 0 || v > 1000000)
        return pk_mc_fail(c, "%s: %s has a bad n_outputs", c->m->cls, what);
    *no = (size_t)v;
    const pk_value *ncv = args->u.seq.items[1];
    if (ncv->kind != PK_NDARRAY || ncv->u.arr->objects || pk_ndarray_size(ncv->u.arr) != *no)
        return pk_mc_fail(c, "%s: %s has a bad n_classes", c->m->cls, what);
    *ncls = pk_mc_alloc(c, *no, sizeof(size_t));
    if (!*ncls) return c->err->code;
    *ncmax = 1;
    for (size_t o = 0; o < *no; o++) {
        double d;
        if (pk_ndarray_get_f64(ncv->u.arr, o, &d) != PK_OK || !(d >= 1 && d < 1e9))
            return pk_mc_fail(c, "%s: %s has a bad n_classes", c->m->cls, what);
        (*ncls)[o] = (size_t)d;
        if ((*ncls)[o] > *ncmax) *ncmax = (*ncls)[o];
    }
    return PK_OK;
}

pk_code pk_dtree_compile(pk_mc *c, const pk_value *est, const char *what, pk_tree_payload pay,
                         pk_dtree *out) {
    char w[160];
    memset(out, 0, sizeof *out);
    if (!est || est->kind != PK_OBJECT)
        return pk_mc_fail(c, "%s: %s is not a tree estimator", c->m->cls, what);
    const pk_value *tree = pk_attr(est, "tree_");
    if (!tree || tree->kind == PK_NONE)
        return pk_mc_fail(c, "%s: %s is not fitted (no tree_)", c->m->cls, what);
    size_t lw = strlen(what);
    if (lw + sizeof ".tree_" > sizeof w) lw = sizeof w - sizeof ".tree_"; /* truncated name */
    memcpy(w, what, lw);
    memcpy(w + lw, ".tree_", sizeof ".tree_");
    pk_code rc = tree_shape(c, tree, w, &out->n_outputs, &out->n_classes, &out->n_cls_max);
    if (rc != PK_OK) return rc;
    dtree_ctx d = {pay, out->n_classes};
    size_t vw = 0;
    switch (pay) {
    case PK_TP_RAW:
        vw = out->n_outputs * out->n_cls_max;
        break;
    case PK_TP_PROBA:
        for (size_t o = 0; o < out->n_outputs; o++)
            vw += out->n_classes[o];
        break;
    case PK_TP_VALUE:
        vw = out->n_outputs;
        break;
    }
    /* one output, or the raw rows: each leaf's payload is the start of its value row,
     * probabilities normalized as the walk copies it; several outputs go through dtree_leaf */
    int direct = out->n_outputs == 1 || pay == PK_TP_RAW;
    return tree_compile(c, tree, w, vw, direct ? NULL : dtree_leaf, &d,
                        direct && pay == PK_TP_PROBA, &out->t);
}

/* ---- DecisionTreeClassifier / Regressor, ExtraTreeClassifier / Regressor ------------------ */

typedef struct dtree_model {
    pk_dtree d;
    double **labels; /* multi-output classifier: numeric labels per output, or NULL */
} dtree_model;

/* The leaf payload row x reaches (x cast to float32 in scratch, as scikit-learn does). */
static pk_code dt_leaf(const pk_model *m, const double *x, double *scratch, const double **leaf,
                       pk_err *err) {
    const dtree_model *D = m->impl;
    float *xf;
    int nan;
    pk_code rc = pk_tree_cast_row(m, x, scratch, &xf, &nan, err);
    if (rc == PK_OK) *leaf = pk_tree_leaf(&D->d.t, xf, nan);
    return rc;
}

static pk_code dt_proba(const pk_model *m, const double *x, double *scratch, double *out,
                        pk_err *err) {
    const dtree_model *D = m->impl;
    const double *v;
    pk_code rc = dt_leaf(m, x, scratch, &v, err);
    if (rc != PK_OK) return rc;
    pk_tree_normalize(v, D->d.n_classes[0], out);
    return PK_OK;
}

static pk_code dt_predict_label(const pk_model *m, const double *x, double *scratch, double *out,
                                pk_err *err) {
    const dtree_model *D = m->impl;
    const double *v;
    pk_code rc = dt_leaf(m, x, scratch, &v, err);
    if (rc != PK_OK) return rc;
    out[0] = (double)pk_argmax(v, D->d.n_classes[0]);
    return PK_OK;
}

static pk_code dt_predict_multi_label(const pk_model *m, const double *x, double *scratch,
                                      double *out, pk_err *err) {
    const dtree_model *D = m->impl;
    const double *v;
    pk_code rc = dt_leaf(m, x, scratch, &v, err);
    if (rc != PK_OK) return rc;
    for (size_t o = 0; o < D->d.n_outputs; o++)
        out[o] = D->labels[o][pk_argmax(v + o * D->d.n_cls_max, D->d.n_classes[o])];
    return PK_OK;
}

static pk_code dt_predict_value(const pk_model *m, const double *x, double *scratch, double *out,
                                pk_err *err) {
    const dtree_model *D = m->impl;
    const double *v;
    pk_code rc = dt_leaf(m, x, scratch, &v, err);
    if (rc != PK_OK) return rc;
    for (size_t o = 0; o < D->d.n_outputs; o++)
        out[o] = v[o];
    return PK_OK;
}

int pk_tree_est_nan_ok(const pk_value *est, const pk_tree *t) {
    if (!t->has_missing) return 0;
    const pk_value *s = pk_attr(est, "splitter");
    if (s && s->kind == PK_STR && strcmp(s->u.s.ptr, "best") != 0) return 0;
    return 1;
}

pk_code pk_tree_multi_labels(pk_mc *c, const pk_value *classes, size_t no, const size_t *ncls,
                             double ***out) {
    *out = NULL;
    const pk_value *const *items;
    size_t n;
    if (!classes || (classes->kind != PK_LIST && classes->kind != PK_TUPLE))
        return pk_mc_fail(c, "%s.classes_ is not a list of arrays", c->m->cls);
    items = (const pk_value *const *)classes->u.seq.items;
    n = classes->u.seq.len;
    if (n != no)
        return pk_mc_fail(c, "%s.classes_ has %zu arrays for %zu outputs", c->m->cls, n, no);
    double **lab = pk_mc_alloc(c, no, sizeof *lab);
    if (!lab) return c->err->code;
    for (size_t o = 0; o < no; o++) {
        const pk_value *v = items[o];
        if (!v || v->kind != PK_NDARRAY || v->u.arr->objects ||
            pk_ndarray_size(v->u.arr) != ncls[o])
            return PK_OK; /* not numeric: predict is unavailable */
        const pk_dtype *dt = v->u.arr->dtype ? v->u.arr->dtype->u.dt : NULL;
        if (!dt || (dt->kind != 'i' && dt->kind != 'u' && dt->kind != 'f' && dt->kind != 'b'))
            return PK_OK;
        lab[o] = pk_mc_alloc(c, ncls[o], sizeof(double));
        if (!lab[o]) return c->err->code;
        if (pk_ndarray_to_f64(v->u.arr, lab[o], ncls[o]) != PK_OK) return PK_OK;
    }
    *out = lab;
    return PK_OK;
}

pk_code pk_compile_dtree(pk_mc *c) {
    pk_model *m = c->m;
    int clf = c->kind == PK_CAT_CLASSIFIER;
    dtree_model *D = pk_mc_alloc(c, 1, sizeof *D);
    if (!D) return c->err->code;
    pk_code rc = pk_dtree_compile(c, c->obj, "tree", clf ? PK_TP_RAW : PK_TP_VALUE, &D->d);
    if (rc != PK_OK) return rc;
    if (m->n_features == 0) m->n_features = D->d.t.n_features;
    if (D->d.t.n_features != m->n_features)
        return pk_mc_fail(c, "%s: tree_ has %zu features, n_features_in_ is %zu", m->cls,
                          D->d.t.n_features, m->n_features);
    m->impl = D;
    m->scratch = m->n_features;
    m->nan_ok = pk_tree_est_nan_ok(c->obj, &D->d.t);
    size_t no = D->d.n_outputs;
    if (clf) {
        m->kind = PK_MODEL_CLASSIFIER;
        if (no == 1) {
            if ((rc = pk_mc_classes(c, pk_attr(c->obj, "classes_"))) != PK_OK) return rc;
            if (m->n_classes != D->d.n_classes[0])
                return pk_mc_fail(c, "%s has %zu classes_ but its tree has %zu", m->cls,
                                  m->n_classes, D->d.n_classes[0]);
            pk_mc_method(c, PK_PREDICT, PK_OUT_LABEL, 1, dt_predict_label);
            pk_mc_method(c, PK_PREDICT_PROBA, PK_OUT_ARRAY, m->n_classes, dt_proba);
            pk_mc_log_proba(c, 0);
        } else {
            rc = pk_tree_multi_labels(c, pk_attr(c->obj, "classes_"), no, D->d.n_classes,
                                      &D->labels);
            if (rc != PK_OK) return rc;
            if (D->labels)
                pk_mc_method(c, PK_PREDICT, PK_OUT_ARRAY, no, dt_predict_multi_label);
            else
                m->why_not[PK_PREDICT] = "multi-output class labels that are not numbers";
            m->why_not[PK_PREDICT_PROBA] = "multi-output probabilities are a list of arrays";
        }
    } else {
        m->kind = PK_MODEL_REGRESSOR;
        pk_mc_method(c, PK_PREDICT, no == 1 ? PK_OUT_SCALAR : PK_OUT_ARRAY, no, dt_predict_value);
    }
    return PK_OK;
}

pk_code pk_tree_remap(pk_mc *c, pk_tree *t, const int64_t *fmap, size_t nmap, size_t n_total,
                      const char *what) {
    if (nmap != t->n_features)
        return pk_mc_fail(c, "%s: %s uses %zu features but its tree has %zu", c->m->cls, what, nmap,
                          t->n_features);
    for (size_t j = 0; j < nmap; j++)
        if (fmap[j] < 0 || (uint64_t)fmap[j] >= n_total)
            return pk_mc_fail(c, "%s: %s names feature %lld of %zu", c->m->cls, what,
                              (long long)fmap[j], n_total);
    for (size_t i = 0; i < t->n_nodes; i++) {
        pk_tnode *n = &t->nodes[i];
        if (n->kid == i) continue; /* a leaf */
        n->feat = (uint32_t)fmap[n->feat];
    }
    t->n_features = n_total;
    return PK_OK;
}

/* ---- many rows at once ------------------------------------------------------------------------
 */

static size_t dbl_for(size_t bytes) {
    return (bytes + sizeof(double) - 1) / sizeof(double);
}

size_t pk_tblock_scratch(size_t n_features, size_t accw) {
    return dbl_for(PK_BLOCK_ROWS * sizeof(const double *)) +
           dbl_for(PK_BLOCK_ROWS * n_features * sizeof(float)) + dbl_for(PK_BLOCK_ROWS) +
           PK_BLOCK_ROWS * accw;
}

void pk_tblock_carve(double *scratch, size_t n_features, size_t accw, pk_tblock *b) {
    (void)accw;
    double *p = scratch;
    b->acc = p; /* first: doubles stay aligned whatever the feature count */
    p += PK_BLOCK_ROWS * accw;
    b->lv = (const double **)(void *)p;
    p += dbl_for(PK_BLOCK_ROWS * sizeof(const double *));
    b->xf = (float *)(void *)p;
    p += dbl_for(PK_BLOCK_ROWS * n_features * sizeof(float));
    b->nanrow = (unsigned char *)(void *)p;
}

pk_code pk_tree_cast_rows(const pk_model *m, const double *X, size_t n, pk_tblock *b, size_t *bad,
                          pk_err *err) {
    size_t nf = m->n_features;
    for (size_t r = 0; r < n; r++) {
        int nan;
        pk_code rc = cast_into(m, X + r * nf, b->xf + r * nf, &nan, err);
        if (rc != PK_OK) {
            *bad = r;
            return rc;
        }
        b->nanrow[r] = (unsigned char)nan;
    }
    return PK_OK;
}

/* ix[j] = the leaf node row j of the PK_TROWS rows at xr (stride apart, none holding NaN)
 * reaches in t: the rows descend level by level in lock step. */
static inline void descend_rows(const pk_tree *t, const float *xr, size_t stride, uint32_t *ix) {
    const pk_tnode *nodes = t->nodes;
    for (size_t j = 0; j < PK_TROWS; j++)
        ix[j] = 0;
    for (uint32_t d = 0; d < t->depth; d++) {
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC unroll 8
#endif
        for (size_t j = 0; j < PK_TROWS; j++) {
            const pk_tnode *q = nodes + ix[j];
            ix[j] = q->kid + (xr[j * stride + q->feat] > q->thr);
        }
    }
}

static int any_nan(const pk_tblock *b, size_t r) {
    int nan = 0;
    for (size_t j = 0; j < PK_TROWS; j++)
        nan |= b->nanrow[r + j];
    return nan;
}

void pk_tree_leaves_rows(const pk_tree *t, const pk_tblock *b, size_t stride, size_t n) {
    size_t r = 0;
    for (; r + PK_TROWS <= n; r += PK_TROWS) {
        if (any_nan(b, r)) {
            for (size_t j = 0; j < PK_TROWS; j++)
                b->lv[r + j] = pk_tree_leaf(t, b->xf + (r + j) * stride, b->nanrow[r + j]);
            continue;
        }
        uint32_t ix[PK_TROWS];
        descend_rows(t, b->xf + r * stride, stride, ix);
        for (size_t j = 0; j < PK_TROWS; j++)
            b->lv[r + j] = t->leaf + (size_t)t->nodes[ix[j]].aux * t->vw;
    }
    for (; r < n; r++)
        b->lv[r] = pk_tree_leaf(t, b->xf + r * stride, b->nanrow[r]);
}

void pk_tree_add_leaf_rows(const pk_tree *t, const pk_tblock *b, size_t stride, size_t n,
                           double *acc, size_t acc_stride) {
    size_t r = 0;
    for (; r + PK_TROWS <= n; r += PK_TROWS) {
        if (any_nan(b, r)) {
            for (size_t j = 0; j < PK_TROWS; j++)
                acc[(r + j) * acc_stride] +=
                    pk_tree_leaf(t, b->xf + (r + j) * stride, b->nanrow[r + j])[0];
            continue;
        }
        uint32_t ix[PK_TROWS];
        descend_rows(t, b->xf + r * stride, stride, ix);
        for (size_t j = 0; j < PK_TROWS; j++)
            acc[(r + j) * acc_stride] += t->leaf[(size_t)t->nodes[ix[j]].aux * t->vw];
    }
    for (; r < n; r++)
        acc[r * acc_stride] += pk_tree_leaf(t, b->xf + r * stride, b->nanrow[r])[0];
}
