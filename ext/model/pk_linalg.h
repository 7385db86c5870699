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

/* out (n x m) = a (n x k) @ b (k x m) as the reference BLAS's dgemm computes each entry: the
 * products summed left to right from 0. */
void pk_matmul(const double *a, const double *b, size_t n, size_t k, size_t m, double *out);

/* out (n x m) = a.T @ b for a (k x n), b (k x m), each entry summed likewise. */
void pk_matmul_tn(const double *a, const double *b, size_t k, size_t n, size_t m, double *out);

/* scipy.linalg.inv of the n x n matrix a, in place, with the reference LAPACK's arithmetic
 * (dgetrf, then dgetri: dtrtri and the dgemv / blocked dgemm + dtrsm sweep, 64-column blocks
 * beyond 64), so the result is bit-identical to scipy's on the reference LAPACK and BLAS.
 * work: pk_invert_work(n) doubles. Returns 1, or 0 when a pivot is 0 (singular) or an entry of
 * the inverse is not finite (a is then garbage). */
size_t pk_invert_work(size_t n);
int pk_invert(double *a, size_t n, double *work);

/* scikit-learn's fast_logdet: numpy's slogdet through the reference dgetrf (the matrix a is
 * destroyed), the sum of log|u_ii| left to right; -INFINITY when the determinant is 0 or
 * negative. work: n + 1 doubles (the pivots). */
double pk_logdet(double *a, size_t n, double *work);

/* The log-likelihood of a Gaussian with precision matrix prec (n x n) at x, as PCA and
 * FactorAnalysis.score_samples compute it: xr = x - mean, -0.5 * np.sum(xr * (xr @ prec))
 * (the products summed pairwise, as numpy's sum), minus half_norm = 0.5 * (n log(2 pi) -
 * logdet(prec)). tmp holds 2n doubles. */
double pk_gauss_loglik(const double *x, const double *mean, const double *prec, size_t n,
                       double half_norm, double *tmp);

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
