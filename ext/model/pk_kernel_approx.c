/*
 * pk_kernel_approx.c - sklearn.kernel_approximation transforms, in scikit-learn 1.2's order:
 *   RBFSampler         cos(x @ random_weights_ + random_offset_) * (2 / n_components) ** 0.5
 *   SkewedChi2Sampler  cos(log(x + skewedness) @ random_weights_ + random_offset_)
 *                      * (sqrt(2) / sqrt(n_components)); x <= -skewedness is refused
 *   AdditiveChi2Sampler  per feature, for x != 0 (0 stays 0): sqrt(x * interval), then for
 *                      j = 1 .. sample_steps-1 f * cos(j * l) and f * sin(j * l) with
 *                      l = interval * log(x), f = sqrt(2 x interval / cosh(pi j interval)),
 *                      laid out as [sqrt block | cos_1 | sin_1 | ...]; negative x is refused
 *   Nystroem           kernel(x, components_) @ normalization_.T (pk_kernels.c)
 * Each product x @ W is summed left to right over the features (what OpenBLAS gives for these
 * sizes); cos/log/exp are libm's (numpy's SIMD versions agree within an ulp).
 */
#include "pk_kernels.h"
#include "pk_more_families.h"

#include <math.h>
#include <string.h>

typedef enum { KA_RBF, KA_SKEWED, KA_ADDITIVE, KA_NYSTROEM } ka_type;

typedef struct pk_ka {
    ka_type type;
    size_t nf, k;
    const double *w;   /* nf x k (samplers), k x n (Nystroem normalization_) */
    const double *off; /* k                                                */
    double scale, skew, interval;
    size_t steps;
    pk_kernel ker; /* Nystroem */
} pk_ka;

static pk_code sampler_transform(const pk_model *m, const double *x, double *scratch, double *out,
                                 pk_err *err) {
    const pk_ka *A = m->impl;
    const double *v = x;
    if (A->type == KA_SKEWED) {
        for (size_t j = 0; j < A->nf; j++) {
            if (x[j] <= -A->skew)
                return pk_err_set(err, PK_EFEATURE, -1, -1,
                                  "%s: feature %zu (%.17g) is not greater than -skewedness", m->cls,
                                  j + 1, x[j]);
            scratch[j] = log(x[j] + A->skew);
        }
        v = scratch;
    }
    for (size_t c = 0; c < A->k; c++) {
        double s = 0.0;
        for (size_t j = 0; j < A->nf; j++)
            s += v[j] * A->w[j * A->k + c];
        s += A->off[c];
        out[c] = cos(s) * A->scale;
    }
    return PK_OK;
}

static pk_code additive_transform(const pk_model *m, const double *x, double *scratch, double *out,
                                  pk_err *err) {
    (void)scratch;
    const pk_ka *A = m->impl;
    const size_t nf = A->nf;
    for (size_t j = 0; j < nf; j++)
        if (x[j] < 0)
            return pk_err_set(err, PK_EFEATURE, -1, -1,
                              "%s takes no negative values (feature %zu is %.17g)", m->cls, j + 1,
                              x[j]);
    memset(out, 0, nf * (2 * A->steps - 1) * sizeof *out);
    for (size_t i = 0; i < nf; i++) {
        if (x[i] == 0.0) continue;
        out[i] = sqrt(x[i] * A->interval);
        double lstep = A->interval * log(x[i]);
        double step = 2 * x[i] * A->interval;
        for (size_t j = 1; j < A->steps; j++) {
            double f = sqrt(step / cosh(M_PI * (double)j * A->interval));
            out[(2 * j - 1) * nf + i] = f * cos((double)j * lstep);
            out[2 * j * nf + i] = f * sin((double)j * lstep);
        }
    }
    return PK_OK;
}

static pk_code nystroem_transform(const pk_model *m, const double *x, double *scratch, double *out,
                                  pk_err *err) {
    const pk_ka *A = m->impl;
    const size_t n = A->ker.n;
    pk_code rc = pk_kernel_row(m, &A->ker, x, scratch, scratch + n, err);
    if (rc) return rc;
    for (size_t c = 0; c < A->k; c++)
        out[c] = pk_dot(scratch, A->w + c * n, n);
    return PK_OK;
}

static pk_code compile_sampler(pk_mc *c, pk_ka *A) {
    pk_model *m = c->m;
    pk_mc_arr w, off;
    pk_code rc;
    if ((rc = pk_mc_array(c, "random_weights_", 1, &w)) ||
        (rc = pk_mc_array(c, "random_offset_", 1, &off)))
        return rc;
    if (w.ndim != 2 || off.n != w.cols || w.cols == 0)
        return pk_mc_fail(c,
                          "%s: random_weights_ (%zu x %zu) and random_offset_ (%zu) do not "
                          "match",
                          m->cls, w.rows, w.cols, off.n);
    if ((rc = pk_mc_features(c, w.rows))) return rc;
    A->nf = w.rows;
    A->k = w.cols;
    A->w = w.v;
    A->off = off.v;
    double nc;
    if ((rc = pk_mc_num(c, "n_components", (double)A->k, &nc))) return rc;
    if (A->type == KA_RBF) {
        A->scale = pow(2.0 / nc, 0.5);
    } else {
        if ((rc = pk_mc_num(c, "skewedness", 1.0, &A->skew))) return rc;
        A->scale = sqrt(2.0) / sqrt(nc);
    }
    m->scratch = A->nf;
    pk_mc_method(c, PK_TRANSFORM, PK_OUT_ARRAY, A->k, sampler_transform);
    return PK_OK;
}

static pk_code compile_additive(pk_mc *c, pk_ka *A) {
    pk_model *m = c->m;
    double steps;
    pk_code rc = pk_mc_num(c, "sample_steps", 2, &steps);
    if (!rc) rc = pk_mc_num(c, "sample_interval_", NAN, &A->interval);
    if (rc) return rc;
    if (isnan(A->interval)) return pk_mc_not_fitted(c, "sample_interval_");
    if (!(steps >= 1 && steps <= 64 && steps == floor(steps)))
        return pk_mc_fail(c, "%s.sample_steps is not an integer in 1..64", m->cls);
    if (m->n_features == 0) return pk_mc_not_fitted(c, "n_features_in_");
    A->steps = (size_t)steps;
    A->nf = m->n_features;
    if (A->nf > ((size_t)1 << 24)) return pk_mc_fail(c, "%s has too many features", m->cls);
    pk_mc_method(c, PK_TRANSFORM, PK_OUT_ARRAY, A->nf * (2 * A->steps - 1), additive_transform);
    return PK_OK;
}

static pk_code compile_nystroem(pk_mc *c, pk_ka *A) {
    pk_model *m = c->m;
    pk_mc_arr comp, nrm;
    pk_code rc;
    if ((rc = pk_mc_array(c, "components_", 1, &comp)) ||
        (rc = pk_mc_array(c, "normalization_", 1, &nrm)))
        return rc;
    if (comp.ndim != 2 || comp.rows == 0 || nrm.ndim != 2 || nrm.cols != comp.rows)
        return pk_mc_fail(c,
                          "%s: components_ (%zu x %zu) and normalization_ (%zu x %zu) do not "
                          "match",
                          m->cls, comp.rows, comp.cols, nrm.rows, nrm.cols);
    const pk_value *kp = pk_attr(c->obj, "kernel_params");
    if (kp && kp->kind != PK_NONE)
        return pk_mc_fail(c, "%s with kernel_params cannot be scored", m->cls);
    double gamma, coef0, degree;
    if ((rc = pk_kernel_params(c, &gamma, &coef0, &degree))) return rc;
    if ((rc = pk_kernel_init(c, &A->ker, pk_mc_str(c, "kernel"), gamma, coef0, degree, comp.v,
                             comp.rows, comp.cols)))
        return rc;
    if ((rc = pk_mc_features(c, A->ker.type == PK_KER_PRECOMPUTED ? comp.rows : comp.cols)))
        return rc;
    A->k = nrm.rows;
    A->w = nrm.v;
    m->scratch = comp.rows + comp.cols;
    pk_mc_method(c, PK_TRANSFORM, PK_OUT_ARRAY, A->k, nystroem_transform);
    return PK_OK;
}

pk_code pk_compile_kernel_approx(pk_mc *c) {
    pk_ka *A = pk_mc_alloc(c, 1, sizeof *A);
    if (!A) return c->err->code;
    c->m->kind = PK_MODEL_TRANSFORMER;
    c->m->impl = A;
    const char *cls = c->m->cls;
    if (strcmp(cls, "RBFSampler") == 0) {
        A->type = KA_RBF;
        return compile_sampler(c, A);
    }
    if (strcmp(cls, "SkewedChi2Sampler") == 0) {
        A->type = KA_SKEWED;
        return compile_sampler(c, A);
    }
    if (strcmp(cls, "AdditiveChi2Sampler") == 0) {
        A->type = KA_ADDITIVE;
        return compile_additive(c, A);
    }
    A->type = KA_NYSTROEM;
    return compile_nystroem(c, A);
}
