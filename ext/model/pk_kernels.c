/*
 * pk_kernels.c - pairwise kernels between one row and fitted rows (see pk_kernels.h). Dots and
 * norms are summed left to right (pk_dot), as numpy's matmul and einsum give for the sizes
 * tested; exp/tanh/pow are libm's (numpy's own SIMD versions differ by an ulp at most).
 */
#include "pk_kernels.h"

#include <math.h>
#include <string.h>

static const struct {
    const char *name;
    pk_kernel_type type;
} KERNELS[] = {
    {"linear", PK_KER_LINEAR},
    {"poly", PK_KER_POLY},
    {"polynomial", PK_KER_POLY},
    {"sigmoid", PK_KER_SIGMOID},
    {"rbf", PK_KER_RBF},
    {"laplacian", PK_KER_LAPLACIAN},
    {"cosine", PK_KER_COSINE},
    {"chi2", PK_KER_CHI2},
    {"additive_chi2", PK_KER_ADDITIVE_CHI2},
    {"precomputed", PK_KER_PRECOMPUTED},
};

pk_code pk_kernel_params(pk_mc *c, double *gamma, double *coef0, double *degree) {
    pk_code rc = pk_mc_num(c, "gamma", NAN, gamma);
    if (!rc) rc = pk_mc_num(c, "coef0", 1.0, coef0);
    if (!rc) rc = pk_mc_num(c, "degree", 3.0, degree);
    return rc;
}

/* sklearn.preprocessing.normalize's l2 step: each value divided by the row's norm (1 if 0). */
static void normalize(const double *x, double *out, size_t nf) {
    double nrm = sqrt(pk_dot(x, x, nf));
    if (nrm == 0) nrm = 1.0;
    for (size_t j = 0; j < nf; j++)
        out[j] = x[j] / nrm;
}

pk_code pk_kernel_init(pk_mc *c, pk_kernel *k, const char *name, double gamma, double coef0,
                       double degree, double *y, size_t n, size_t nf) {
    size_t i;
    for (i = 0; i < sizeof KERNELS / sizeof KERNELS[0]; i++)
        if (name && strcmp(name, KERNELS[i].name) == 0) break;
    if (i == sizeof KERNELS / sizeof KERNELS[0])
        return pk_mc_fail(c, "%s has kernel %s%s%s, which cannot be scored", c->m->cls,
                          name ? "'" : "", name ? name : "(a callable)", name ? "'" : "");
    memset(k, 0, sizeof *k);
    k->type = KERNELS[i].type;
    k->n = n;
    k->nf = nf;
    k->y = y;
    k->coef0 = coef0;
    k->degree = degree;
    k->gamma = isnan(gamma) ? (k->type == PK_KER_CHI2 ? 1.0 : 1.0 / (double)nf) : gamma;
    if (k->type == PK_KER_RBF) {
        k->ynorm = pk_mc_alloc(c, n ? n : 1, sizeof(double));
        if (!k->ynorm) return c->err->code;
        for (size_t r = 0; r < n; r++)
            k->ynorm[r] = pk_dot(y + r * nf, y + r * nf, nf);
    } else if (k->type == PK_KER_COSINE) {
        for (size_t r = 0; r < n; r++)
            normalize(y + r * nf, y + r * nf, nf);
    }
    return PK_OK;
}

static double chi2_sum(const double *x, const double *y, size_t nf) {
    double res = 0.0;
    for (size_t j = 0; j < nf; j++) {
        double nom = x[j] - y[j], den = x[j] + y[j];
        if (den != 0) res += nom * nom / den;
    }
    return -res;
}

pk_code pk_kernel_row(const pk_model *m, const pk_kernel *k, const double *x, double *out,
                      double *tmp, pk_err *err) {
    const size_t nf = k->nf;
    double xx;
    switch (k->type) {
    case PK_KER_PRECOMPUTED:
        memcpy(out, x, k->n * sizeof *out);
        return PK_OK;
    case PK_KER_LINEAR:
        for (size_t r = 0; r < k->n; r++)
            out[r] = pk_dot(x, k->y + r * nf, nf);
        return PK_OK;
    case PK_KER_POLY:
        for (size_t r = 0; r < k->n; r++) {
            double v = pk_dot(x, k->y + r * nf, nf) * k->gamma + k->coef0;
            out[r] = k->degree == 2 ? v * v : pow(v, k->degree);
        }
        return PK_OK;
    case PK_KER_SIGMOID:
        for (size_t r = 0; r < k->n; r++)
            out[r] = tanh(pk_dot(x, k->y + r * nf, nf) * k->gamma + k->coef0);
        return PK_OK;
    case PK_KER_RBF:
        xx = pk_dot(x, x, nf);
        for (size_t r = 0; r < k->n; r++) {
            double d = -2.0 * pk_dot(x, k->y + r * nf, nf);
            d += xx;
            d += k->ynorm[r];
            out[r] = exp((d > 0 ? d : 0) * -k->gamma);
        }
        return PK_OK;
    case PK_KER_LAPLACIAN:
        for (size_t r = 0; r < k->n; r++) {
            double s = 0.0;
            for (size_t j = 0; j < nf; j++)
                s += fabs(x[j] - k->y[r * nf + j]);
            out[r] = exp(-k->gamma * s);
        }
        return PK_OK;
    case PK_KER_COSINE:
        normalize(x, tmp, nf);
        for (size_t r = 0; r < k->n; r++)
            out[r] = pk_dot(tmp, k->y + r * nf, nf);
        return PK_OK;
    case PK_KER_CHI2:
    case PK_KER_ADDITIVE_CHI2:
        for (size_t j = 0; j < nf; j++)
            if (x[j] < 0)
                return pk_err_set(err, PK_EFEATURE, -1, -1,
                                  "%s: the chi2 kernel takes no negative values (feature %zu is "
                                  "%.17g)",
                                  m->cls, j + 1, x[j]);
        for (size_t r = 0; r < k->n; r++) {
            double v = chi2_sum(x, k->y + r * nf, nf);
            out[r] = k->type == PK_KER_CHI2 ? exp(v * k->gamma) : v;
        }
        return PK_OK;
    }
    return PK_OK;
}
