/*
 * pk_agglo.c - FeatureAgglomeration.transform with the default pooling_func numpy.mean:
 * scikit-learn 1.2 computes np.bincount(labels_, x) / np.bincount(labels_), i.e. per cluster
 * the sum of its features in feature order (from 0.0) divided by their count, for clusters
 * 0 .. max(labels_) (an empty cluster gives 0 / 0 = NaN, as numpy does). Other pooling functions
 * are refused.
 */
#include "pk_more_families.h"

#include <math.h>
#include <string.h>

typedef struct pk_agglo {
    size_t nf, k;
    size_t *label; /* nf cluster numbers */
    double *size;  /* k feature counts   */
} pk_agglo;

static pk_code agglo_transform(const pk_model *m, const double *x, double *scratch, double *out,
                               pk_err *err) {
    (void)scratch, (void)err;
    const pk_agglo *A = m->impl;
    for (size_t c = 0; c < A->k; c++)
        out[c] = 0.0;
    for (size_t j = 0; j < A->nf; j++)
        out[A->label[j]] += x[j];
    for (size_t c = 0; c < A->k; c++)
        out[c] /= A->size[c];
    return PK_OK;
}

pk_code pk_compile_agglomeration(pk_mc *c) {
    pk_model *m = c->m;
    const pk_value *pf = pk_attr(c->obj, "pooling_func");
    if (pf && pf->kind != PK_NONE &&
        !(pf->kind == PK_GLOBAL && strcmp(pf->u.g.name, "mean") == 0 &&
          strncmp(pf->u.g.module, "numpy", 5) == 0))
        return pk_mc_fail(c, "%s: only pooling_func=numpy.mean can be scored", m->cls);
    pk_mc_arr lab;
    pk_code rc = pk_mc_array(c, "labels_", 1, &lab);
    if (rc) return rc;
    if (lab.ndim != 1 || lab.n == 0) return pk_mc_fail(c, "%s.labels_ is not a 1-D array", m->cls);
    if ((rc = pk_mc_features(c, lab.n))) return rc;
    pk_agglo *A = pk_mc_alloc(c, 1, sizeof *A);
    if (!A) return c->err->code;
    A->nf = lab.n;
    A->label = pk_mc_alloc(c, lab.n, sizeof *A->label);
    if (!A->label) return c->err->code;
    for (size_t j = 0; j < lab.n; j++) {
        double v = lab.v[j];
        if (!(v >= 0 && v < (double)lab.n && v == floor(v)))
            return pk_mc_fail(c, "%s.labels_[%zu] is not a cluster number below %zu", m->cls, j,
                              lab.n);
        A->label[j] = (size_t)v;
        if (A->label[j] + 1 > A->k) A->k = A->label[j] + 1;
    }
    A->size = pk_mc_alloc(c, A->k, sizeof *A->size);
    if (!A->size) return c->err->code;
    for (size_t j = 0; j < lab.n; j++)
        A->size[A->label[j]] += 1.0;
    m->kind = PK_MODEL_TRANSFORMER;
    m->impl = A;
    pk_mc_method(c, PK_TRANSFORM, PK_OUT_ARRAY, A->k, agglo_transform);
    return PK_OK;
}
