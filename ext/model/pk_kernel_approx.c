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
 *   PolynomialCountSketch  per degree d the count sketch s_d[indexHash_[d, j]] +=
 *                      bitHash_[d, j] * sqrt(gamma) x_j (j in order; with coef0 != 0 a last
 *                      feature sqrt(coef0)), then their circular convolution. scikit-learn
 *                      convolves through FFTs (scipy's pocketfft: fft, product, ifft, real
 *                      part); the convolution is summed directly here (degree * n_components *
 *                      sketch non-zeros per row), so the two differ by the FFT's rounding:
 *                      a few ulps of the row's largest magnitude (measured 8.3e-16 of it, tested
 *                      against 1e-13)
 * Each product x @ W is summed left to right over the features (what OpenBLAS gives for these
 * sizes); cos/log/exp are libm's (numpy's SIMD versions agree within an ulp).
 */
#include "pk_kernels.h"
#include "pk_more_families.h"

#include <math.h>
#include <string.h>

typedef enum { KA_RBF, KA_SKEWED, KA_ADDITIVE, KA_NYSTROEM, KA_SKETCH } ka_type;

typedef struct pk_ka {
    ka_type type;
    size_t nf, k;
    const double *w;   /* nf x k (samplers), k x n (Nystroem normalization_) */
    const double *off; /* k                                                */
    double scale, skew, interval;
    size_t steps;
    pk_kernel ker; /* Nystroem */
    /* PolynomialCountSketch: degree x (nf + has_coef) hash indices and signs */
    size_t degree, n_in;
    const double *hidx, *hbit;
    double sgamma, scoef;
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
    /* Four outputs at a time: each sum is still left to right from 0.0 (the digits do not
     * change), but four independent chains overlap the add latency that one chain waits on
     * (measured: the 100 x 100 product of Nystroem(100) about 3x faster). */
    size_t c = 0;
    for (; c + 4 <= A->k; c += 4) {
        const double *w0 = A->w + c * n, *w1 = w0 + n, *w2 = w1 + n, *w3 = w2 + n;
        double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
        for (size_t j = 0; j < n; j++) {
            double v = scratch[j];
            s0 += v * w0[j];
            s1 += v * w1[j];
            s2 += v * w2[j];
            s3 += v * w3[j];
        }
        out[c] = s0;
        out[c + 1] = s1;
        out[c + 2] = s2;
        out[c + 3] = s3;
    }
    for (; c < A->k; c++)
        out[c] = pk_dot(scratch, A->w + c * n, n);
    return PK_OK;
}

/* scratch: xg[n_in] | sketch[k] | convolution[k] (out holds the running product) */
static pk_code sketch_transform(const pk_model *m, const double *x, double *scratch, double *out,
                                pk_err *err) {
    (void)err;
    const pk_ka *A = m->impl;
    const size_t k = A->k, nin = A->n_in;
    double *xg = scratch, *sk = scratch + nin, *conv = sk + k;
    for (size_t j = 0; j < A->nf; j++)
        xg[j] = A->sgamma * x[j];
    if (nin > A->nf) xg[A->nf] = A->scoef * 1.0;
    for (size_t d = 0; d < A->degree; d++) {
        double *row = d == 0 ? out : sk;
        const double *hi = A->hidx + d * nin, *hb = A->hbit + d * nin;
        memset(row, 0, k * sizeof *row);
        for (size_t j = 0; j < nin; j++)
            row[(size_t)hi[j]] += hb[j] * xg[j];
        if (d == 0) continue;
        memset(conv, 0, k * sizeof *conv);
        for (size_t i = 0; i < k; i++) {
            double v = sk[i];
            if (v == 0) continue;
            for (size_t t = 0; t < k; t++)
                conv[(t + i) % k] += out[t] * v;
        }
        memcpy(out, conv, k * sizeof *out);
    }
    return PK_OK;
}

static pk_code compile_sketch(pk_mc *c, pk_ka *A) {
    pk_model *m = c->m;
    pk_mc_arr hi, hb;
    double gamma, coef0, degree, nc;
    pk_code rc;
    if ((rc = pk_mc_array(c, "indexHash_", 1, &hi)) || (rc = pk_mc_array(c, "bitHash_", 1, &hb)) ||
        (rc = pk_mc_num(c, "gamma", 1.0, &gamma)) || (rc = pk_mc_num(c, "coef0", 0.0, &coef0)) ||
        (rc = pk_mc_num(c, "degree", 2.0, &degree)) ||
        (rc = pk_mc_num(c, "n_components", 100.0, &nc)))
        return rc;
    if (hi.ndim != 2 || hb.ndim != 2 || hi.rows != hb.rows || hi.cols != hb.cols ||
        (double)hi.rows != degree || hi.cols == 0)
        return pk_mc_fail(c, "%s: indexHash_ and bitHash_ are not degree x features arrays",
                          m->cls);
    if (!(nc >= 1 && nc <= 1e7) || nc != floor(nc))
        return pk_mc_fail(c, "%s: n_components must be a positive integer", m->cls);
    A->k = (size_t)nc;
    A->degree = hi.rows;
    A->n_in = hi.cols;
    A->nf = hi.cols - (coef0 != 0);
    if (A->nf == 0) return pk_mc_fail(c, "%s has no features", m->cls);
    for (size_t i = 0; i < hi.n; i++)
        if (!(hi.v[i] >= 0 && hi.v[i] < nc) || hi.v[i] != floor(hi.v[i]) || !isfinite(hb.v[i]))
            return pk_mc_fail(c, "%s: indexHash_ or bitHash_ holds a value out of range", m->cls);
    if ((rc = pk_mc_features(c, A->nf))) return rc;
    A->hidx = hi.v;
    A->hbit = hb.v;
    A->sgamma = sqrt(gamma);
    A->scoef = sqrt(coef0);
    m->scratch = A->n_in + 2 * A->k;
    pk_mc_method(c, PK_TRANSFORM, PK_OUT_ARRAY, A->k, sketch_transform);
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
    if (strcmp(cls, "PolynomialCountSketch") == 0) {
        A->type = KA_SKETCH;
        return compile_sketch(c, A);
    }
    A->type = KA_NYSTROEM;
    return compile_nystroem(c, A);
}
