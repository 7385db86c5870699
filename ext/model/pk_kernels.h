/*
 * pk_kernels.h - scikit-learn's pairwise kernels (sklearn.metrics.pairwise_kernels) between one
 * row and a fitted matrix of rows, in scikit-learn 1.2's order of operations; used by KernelPCA,
 * Nystroem and the label propagation models.
 *
 *   linear         x . y
 *   poly           (gamma x . y + coef0) ** degree
 *   sigmoid        tanh(gamma x . y + coef0)
 *   rbf            exp(-gamma max(0, (-2 x . y + ||x||^2) + ||y||^2))
 *   laplacian      exp(-gamma sum |x - y|)
 *   cosine         (x / ||x||) . (y / ||y||)   (a zero norm divides by 1)
 *   chi2           exp(gamma * -sum (x - y)^2 / (x + y))   (terms with x + y = 0 skipped)
 *   additive_chi2  -sum (x - y)^2 / (x + y)
 *   precomputed    the row is already the kernel row
 * gamma NaN means scikit-learn's default (1 / n_features, 1.0 for chi2). The chi2 kernels refuse
 * negative features as scikit-learn does.
 */
#ifndef PK_KERNELS_H
#define PK_KERNELS_H

#include "pk_model_impl.h"

typedef enum pk_kernel_type {
    PK_KER_LINEAR,
    PK_KER_POLY,
    PK_KER_SIGMOID,
    PK_KER_RBF,
    PK_KER_LAPLACIAN,
    PK_KER_COSINE,
    PK_KER_CHI2,
    PK_KER_ADDITIVE_CHI2,
    PK_KER_PRECOMPUTED
} pk_kernel_type;

typedef struct pk_kernel {
    pk_kernel_type type;
    double gamma, coef0, degree;
    size_t n, nf;    /* fitted rows, features                                  */
    const double *y; /* n x nf fitted rows (cosine: normalised)                */
    double *ynorm;   /* rbf: ||y||^2 of each row                               */
} pk_kernel;

/* Sets up kernel `name` ("rbf", "poly", ...) against the n x nf rows y (owned by the model's
 * arena; normalised in place for cosine). gamma NaN = the kernel's default. PK_EMODEL naming
 * the class for an unknown kernel. */
pk_code pk_kernel_init(pk_mc *c, pk_kernel *k, const char *name, double gamma, double coef0,
                       double degree, double *y, size_t n, size_t nf);

/* Reads gamma/coef0/degree attributes of c->obj (gamma None -> NaN; coef0 and degree default
 * to scikit-learn's 1 and 3). */
pk_code pk_kernel_params(pk_mc *c, double *gamma, double *coef0, double *degree);

/* out[0..n) = kernel(x, y_i); tmp holds nf doubles (cosine). PK_EFEATURE for a negative feature
 * under a chi2 kernel. */
pk_code pk_kernel_row(const pk_model *m, const pk_kernel *k, const double *x, double *out,
                      double *tmp, pk_err *err);

#endif /* PK_KERNELS_H */
