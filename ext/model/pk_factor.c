/*
 * pk_factor.c - FactorAnalysis: transform = ((x - mean_) @ Wpsi.T) @ cov_z, the expected latent
 * variables, with Wpsi = components_ / noise_variance_ and cov_z = inv(I + Wpsi @ components_.T)
 * (scikit-learn 1.2's order: the centred row, its product with Wpsi.T, then with cov_z; each dot
 * left to right).
 *
 * cov_z is computed once at compile time, inverted as scipy.linalg.inv does with the reference
 * LAPACK's getrf/getri arithmetic (pk_linalg.c), so on Debian's reference BLAS and LAPACK the
 * transform is bit-identical to scikit-learn's, and otherwise within 1e-12 relative (the matrix
 * is I plus a positive semi-definite one: eigenvalues >= 1, well conditioned).
 *
 * score_samples: pk_gauss_loglik with get_precision() (fa_precision), computed once when
 * compiling, products as the reference BLAS sums them (left to right) and fast_logdet as numpy's
 * slogdet (the reference dgetrf): bit-identical on that configuration, within 1e-12 relative
 * otherwise for well-conditioned covariances (an inverse's rounding grows with the condition
 * number).
 */
#include "pk_linalg.h"
#include "pk_more_families.h"

#include <math.h>
#include <string.h>

/* Inverting is cubic in the components: bounded so a crafted pickle cannot stall compiling. */
#define PK_FA_MAX_COMPONENTS 1024
/* score_samples' precision matrix is n_features squared (inverted when n_components equals it) */
#define PK_FA_MAX_FEATURES 1024

typedef struct pk_fa {
    size_t nf, k;
    const double *mean; /* nf     */
    double *wpsi;       /* k x nf */
    double *covz;       /* k x k  */
    double *prec;       /* nf x nf: get_precision() (score_samples) */
    double half_norm;   /* 0.5 * (nf log(2 pi) - fast_logdet(prec)) */
} pk_fa;

static pk_code fa_transform(const pk_model *m, const double *x, double *scratch, double *out,
                            pk_err *err) {
    (void)err;
    const pk_fa *F = m->impl;
    double *xc = scratch, *tmp = scratch + F->nf;
    for (size_t j = 0; j < F->nf; j++)
        xc[j] = x[j] - F->mean[j];
    for (size_t c = 0; c < F->k; c++)
        tmp[c] = pk_dot(xc, F->wpsi + c * F->nf, F->nf);
    for (size_t c = 0; c < F->k; c++) {
        double s = 0.0;
        for (size_t i = 0; i < F->k; i++)
            s += tmp[i] * F->covz[i * F->k + c];
        out[c] = s;
    }
    return PK_OK;
}

static pk_code fa_score(const pk_model *m, const double *x, double *scratch, double *out,
                        pk_err *err) {
    (void)err;
    const pk_fa *F = m->impl;
    out[0] = pk_gauss_loglik(x, F->mean, F->prec, F->nf, F->half_norm, scratch);
    return PK_OK;
}

/* get_precision() as scikit-learn 1.2.1 computes it (n_components is the constructor's
 * parameter, as there): n_components == n_features inverts get_covariance() =
 * components_.T @ components_ + diag(noise_variance_); otherwise the matrix inversion lemma
 * through cov_z = inv(I + Wpsi @ components_.T): components_.T @ (cov_z @ components_), each row
 * divided by noise_variance_, each column by -noise_variance_, 1 / noise_variance_ added to the
 * diagonal. Then half_norm for pk_gauss_loglik. Returns 0 when the covariance is singular. */
static int fa_precision(pk_mc *c, pk_fa *F, const double *comp, const double *nv, double *work) {
    size_t nf = F->nf, k = F->k;
    double ncomp = -1;
    const pk_value *ncv = pk_attr(c->obj, "n_components");
    if (ncv && ncv->kind != PK_NONE && pk_as_f64(ncv, &ncomp) != PK_OK) ncomp = -1;
    double *P = F->prec;
    if (ncomp == (double)nf) {
        pk_matmul_tn(comp, comp, k, nf, nf, work);
        for (size_t i = 0; i < nf; i++)
            work[i * nf + i] += nv[i];
        memcpy(P, work, nf * nf * sizeof(double));
        if (!pk_invert(P, nf, work)) return 0;
    } else {
        double *b = work; /* cov_z @ components_: k x nf */
        pk_matmul(F->covz, comp, k, k, nf, b);
        pk_matmul_tn(comp, b, k, nf, nf, P);
        for (size_t i = 0; i < nf; i++)
            for (size_t j = 0; j < nf; j++)
                P[i * nf + j] /= nv[i];
        for (size_t i = 0; i < nf; i++)
            for (size_t j = 0; j < nf; j++)
                P[i * nf + j] /= -nv[j];
        for (size_t i = 0; i < nf; i++)
            P[i * nf + i] += 1.0 / nv[i];
    }
    memcpy(work, P, nf * nf * sizeof(double));
    F->half_norm = 0.5 * ((double)nf * log(2.0 * M_PI) - pk_logdet(work, nf, work + nf * nf));
    return 1;
}

pk_code pk_compile_factor_analysis(pk_mc *c) {
    pk_model *m = c->m;
    pk_mc_arr comp, mean, noise;
    pk_code rc = pk_mc_array(c, "components_", 1, &comp);
    if (rc) return rc;
    if (comp.ndim != 2 || comp.rows == 0)
        return pk_mc_fail(c, "%s.components_ is not a 2-D array", m->cls);
    if ((rc = pk_mc_features(c, comp.cols))) return rc;
    if ((rc = pk_mc_array(c, "mean_", 1, &mean)) ||
        (rc = pk_mc_array(c, "noise_variance_", 1, &noise)))
        return rc;
    if (mean.n != comp.cols || noise.n != comp.cols)
        return pk_mc_fail(c, "%s: mean_ (%zu) and noise_variance_ (%zu) do not match %zu features",
                          m->cls, mean.n, noise.n, comp.cols);
    if (comp.rows > PK_FA_MAX_COMPONENTS)
        return pk_mc_fail(c, "%s has %zu components (at most %d are compiled)", m->cls, comp.rows,
                          PK_FA_MAX_COMPONENTS);
    pk_fa *F = pk_mc_alloc(c, 1, sizeof *F);
    if (!F) return c->err->code;
    F->nf = comp.cols;
    F->k = comp.rows;
    F->mean = mean.v;
    size_t kk;
    if (pk_mul_overflow(F->k, F->k, &kk)) return pk_mc_fail(c, "%s is too large", m->cls);
    F->wpsi = pk_mc_alloc(c, comp.n, sizeof(double));
    F->covz = pk_mc_alloc(c, kk, sizeof(double));
    double *kwork = pk_mc_alloc(c, pk_invert_work(F->k), sizeof(double));
    if (!F->wpsi || !F->covz || !kwork) return c->err->code;
    for (size_t i = 0; i < F->k; i++)
        for (size_t j = 0; j < F->nf; j++)
            F->wpsi[i * F->nf + j] = comp.v[i * F->nf + j] / noise.v[j];
    for (size_t i = 0; i < F->k; i++)
        for (size_t j = 0; j < F->k; j++)
            F->covz[i * F->k + j] =
                (i == j ? 1.0 : 0.0) + pk_dot(F->wpsi + i * F->nf, comp.v + j * F->nf, F->nf);
    if (!pk_invert(F->covz, F->k, kwork))
        return pk_mc_fail(c, "%s: I + Wpsi @ components_.T is singular", m->cls);
    m->kind = PK_MODEL_TRANSFORMER;
    m->impl = F;
    m->scratch = 2 * F->nf + F->k;
    pk_mc_method(c, PK_TRANSFORM, PK_OUT_ARRAY, F->k, fa_transform);
    size_t nn, work_n;
    if (pk_mul_overflow(F->nf, F->nf, &nn) || pk_mul_overflow(F->k, F->nf, &work_n))
        return pk_mc_fail(c, "%s is too large", m->cls);
    if (F->nf > PK_FA_MAX_FEATURES) {
        m->why_not[PK_SCORE_SAMPLES] = "score_samples is compiled for at most 1024 features "
                                       "(its precision matrix is n_features squared)";
        return PK_OK;
    }
    size_t need = nn + F->nf + 1; /* the precision's copy and pivots for fast_logdet */
    if (work_n > need) need = work_n;
    if (pk_invert_work(F->nf) > need) need = pk_invert_work(F->nf);
    F->prec = pk_mc_alloc(c, nn, sizeof(double));
    double *work = pk_mc_alloc(c, need, sizeof(double));
    if (!F->prec || !work) return c->err->code;
    if (!fa_precision(c, F, comp.v, noise.v, work)) {
        m->why_not[PK_SCORE_SAMPLES] = "its covariance (get_covariance()) is singular";
        return PK_OK;
    }
    pk_mc_method(c, PK_SCORE_SAMPLES, PK_OUT_SCALAR, 1, fa_score);
    return PK_OK;
}
