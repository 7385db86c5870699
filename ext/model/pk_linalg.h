/*
 * pk_linalg.h - small dense linear algebra shared by the families that solve systems at compile
 * time or per row (sparse PCA's ridge solve, covariance, ...), and the dot products of one row
 * against many that the kernel and neighbour families score with. Row-major, no allocation.
 */
#ifndef PK_LINALG_H
#define PK_LINALG_H

#include <stddef.h>

/* Cholesky factor of the symmetric positive definite n x n matrix a (its lower triangle is
 * read), in place: on success the lower triangle holds L with a = L L^T (the upper triangle is
 * left as it was). Returns 0, or -1 when a pivot is not positive (not positive definite). Column
 * by column, each pivot's sum subtracted left to right, as LAPACK's unblocked dpotf2 does. */
int pk_cholesky(double *a, size_t n);

/* Solves L L^T y = b in place (b: n values) with the factor from pk_cholesky, whose rows are
 * `ld` doubles apart (n for a factor of its own; more for the leading block of a larger one):
 * forward then backward substitution, as LAPACK's potrs. */
void pk_cholesky_solve(const double *l, size_t n, size_t ld, double *b);

/* The many-dots kernels below give, for every output, exactly pk_dot's value: each sum starts
 * at 0.0 and adds its terms with j ascending. They only advance eight sums together (SSE2
 * lanes, independent dependency chains) instead of finishing one before starting the next, so
 * results are bit-identical to the one-at-a-time loops they replace. */

/* out[i] = sum_j a[i * nf + j] * x[j] for the n rows of a (n x nf). */
void pk_dots_rows(const double *a, size_t n, size_t nf, const double *x, double *out);

/* out[i] = sum_j (x[j] - a[i * nf + j])^2 for the n rows of a (n x nf). */
void pk_sqdists_rows(const double *a, size_t n, size_t nf, const double *x, double *out);

/* out[i] = sum_j x[j] * a[j * ld + i] for the n columns of a (nf rows of stride ld): x times a
 * matrix stored input-major, as scikit-learn's MLP coefs_ (nin x nout). */
void pk_dots_cols(const double *a, size_t ld, size_t n, const double *x, size_t nf, double *out);

#endif /* PK_LINALG_H */
