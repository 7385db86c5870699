/*
 * pk_linalg.c - Cholesky factorisation and the triangular solves that use it, the inverse and
 * log-determinant of a small dense matrix, the Gaussian log-likelihood of the decompositions'
 * score_samples, and the blocked dot products of one row against many (pk_linalg.h).
 */
#include "pk_linalg.h"
#include "pk_model_impl.h"

#include <float.h>
#include <math.h>

/* Eight sums at a time, unrolled so that GCC keeps them in four SSE2 registers (clang unrolls
 * a constant trip count of 8 by itself). Never contracted into FMAs: -std=c11 sets
 * -ffp-contract=off, and the baseline x86-64 target has no FMA. */
#define LA_BLOCK 8
#if defined(__GNUC__) && !defined(__clang__)
#define LA_UNROLL _Pragma("GCC unroll 8")
#else
#define LA_UNROLL
#endif

/* out[i] = sum_j term(x[j], a[i * nf + j]) for the n rows of a: term is y * t (sq = 0) or
 * (t - y)^2 (sq = 1). Inlined into its two callers with sq constant. */
static inline void la_rows(const double *a, size_t n, size_t nf, const double *x, double *out,
                           int sq) {
    size_t i = 0;
    for (; i + LA_BLOCK <= n; i += LA_BLOCK) {
        const double *r = a + i * nf;
        double acc[LA_BLOCK] = {0.0};
        for (size_t j = 0; j < nf; j++) {
            double t = x[j];
            LA_UNROLL
            for (size_t u = 0; u < LA_BLOCK; u++) {
                double y = r[u * nf + j], d = t - y;
                acc[u] += sq ? d * d : y * t;
            }
        }
        LA_UNROLL
        for (size_t u = 0; u < LA_BLOCK; u++)
            out[i + u] = acc[u];
    }
    for (; i < n; i++) {
        const double *r = a + i * nf;
        double s = 0.0;
        for (size_t j = 0; j < nf; j++) {
            double d = x[j] - r[j];
            s += sq ? d * d : r[j] * x[j];
        }
        out[i] = s;
    }
}

void pk_dots_rows(const double *a, size_t n, size_t nf, const double *x, double *out) {
    la_rows(a, n, nf, x, out, 0);
}

void pk_sqdists_rows(const double *a, size_t n, size_t nf, const double *x, double *out) {
    la_rows(a, n, nf, x, out, 1);
}

void pk_dots_cols(const double *a, size_t ld, size_t n, const double *x, size_t nf, double *out) {
    size_t i = 0;
    for (; i + LA_BLOCK <= n; i += LA_BLOCK) {
        double acc[LA_BLOCK] = {0.0};
        for (size_t j = 0; j < nf; j++) {
            const double *r = a + j * ld + i;
            double t = x[j];
            LA_UNROLL
            for (size_t u = 0; u < LA_BLOCK; u++)
                acc[u] += t * r[u];
        }
        LA_UNROLL
        for (size_t u = 0; u < LA_BLOCK; u++)
            out[i + u] = acc[u];
    }
    for (; i < n; i++) {
        double s = 0.0;
        for (size_t j = 0; j < nf; j++)
            s += x[j] * a[j * ld + i];
        out[i] = s;
    }
}

int pk_cholesky(double *a, size_t n) {
    for (size_t j = 0; j < n; j++) {
        double d = a[j * n + j];
        for (size_t k = 0; k < j; k++)
            d -= a[j * n + k] * a[j * n + k];
        if (!(d > 0.0)) return -1;
        d = sqrt(d);
        a[j * n + j] = d;
        for (size_t i = j + 1; i < n; i++) {
            double s = a[i * n + j];
            for (size_t k = 0; k < j; k++)
                s -= a[i * n + k] * a[j * n + k];
            a[i * n + j] = s / d;
        }
    }
    return 0;
}

void pk_cholesky_solve(const double *l, size_t n, size_t ld, double *b) {
    for (size_t i = 0; i < n; i++) { /* L z = b */
        double s = b[i];
        for (size_t k = 0; k < i; k++)
            s -= l[i * ld + k] * b[k];
        b[i] = s / l[i * ld + i];
    }
    for (size_t i = n; i-- > 0;) { /* L^T y = z */
        double s = b[i];
        for (size_t k = i + 1; k < n; k++)
            s -= l[k * ld + i] * b[k];
        b[i] = s / l[i * ld + i];
    }
}

/* out (n x m) = A @ b, A(i, r) = a[i * si + r * sr] (k columns). */
static void matmul(const double *a, size_t si, size_t sr, const double *b, size_t n, size_t k,
                   size_t m, double *out) {
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < m; j++) {
            double s = 0.0;
            for (size_t r = 0; r < k; r++)
                s += a[i * si + r * sr] * b[r * m + j];
            out[i * m + j] = s;
        }
}

void pk_matmul(const double *a, const double *b, size_t n, size_t k, size_t m, double *out) {
    matmul(a, k, 1, b, n, k, m, out);
}

void pk_matmul_tn(const double *a, const double *b, size_t k, size_t n, size_t m, double *out) {
    matmul(a, 1, n, b, n, k, m, out);
}

/* ---- the reference LAPACK's LU, inverse and determinant (A(i, j) = a[i * n + j]) ---------- */

/* dgetrf (every blocking of it: dgetrf2's recursion, the blocked driver) applies to each entry
 * the updates of the pivot columns in increasing order, so it is this right-looking loop: the
 * first largest |a| of the column as pivot (idamax), the rows swapped, the multipliers scaled by
 * the reciprocal of the pivot (dscal; a division when the pivot is below DBL_MIN), the trailing
 * entries less multiplier times pivot row (dgemm's c + (-u) l). ipiv[j]: the row swapped with j.
 * Returns 0, or j + 1 for the first zero pivot (the factorisation stops there). */
static size_t lu_factor(double *a, size_t n, size_t *ipiv) {
    for (size_t j = 0; j < n; j++) {
        size_t p = j;
        for (size_t i = j + 1; i < n; i++)
            if (fabs(a[i * n + j]) > fabs(a[p * n + j])) p = i;
        ipiv[j] = p;
        if (a[p * n + j] == 0.0) return j + 1;
        if (p != j)
            for (size_t k = 0; k < n; k++) {
                double t = a[j * n + k];
                a[j * n + k] = a[p * n + k];
                a[p * n + k] = t;
            }
        double piv = a[j * n + j];
        if (fabs(piv) >= DBL_MIN) {
            double r = 1.0 / piv;
            for (size_t i = j + 1; i < n; i++)
                a[i * n + j] = r * a[i * n + j];
        } else {
            for (size_t i = j + 1; i < n; i++)
                a[i * n + j] = a[i * n + j] / piv;
        }
        for (size_t i = j + 1; i < n; i++) {
            double l = a[i * n + j];
            for (size_t k = j + 1; k < n; k++)
                a[i * n + k] -= l * a[j * n + k];
        }
    }
    return 0;
}

enum { LAPACK_NB = 64 }; /* ILAENV's block size for dgetri and dtrtri */

/* dtrti2, upper, non-unit: the inverse of the upper triangle of the m x m block at a (rows n
 * doubles apart), column by column (dtrmv with the inverted leading block, then dscal). */
static void trti2_upper(double *a, size_t n, size_t m) {
    for (size_t j = 0; j < m; j++) {
        a[j * n + j] = 1.0 / a[j * n + j];
        double ajj = -a[j * n + j];
        for (size_t k = 0; k < j; k++) { /* dtrmv: x = T x, x = a[0..j)[j] */
            double t = a[k * n + j];
            if (t == 0.0) continue;
            for (size_t i = 0; i < k; i++)
                a[i * n + j] += t * a[i * n + k];
            a[k * n + j] = t * a[k * n + k];
        }
        for (size_t i = 0; i < j; i++)
            a[i * n + j] = ajj * a[i * n + j];
    }
}

/* dtrtri, upper, non-unit: dtrti2 up to 64 columns, else blocks of 64 (dtrmm with the inverted
 * leading part, dtrsm by the block's own triangle with alpha -1, dtrti2 of the block). */
static void trtri_upper(double *a, size_t n) {
    if (n <= LAPACK_NB) {
        trti2_upper(a, n, n);
        return;
    }
    for (size_t j = 0; j < n; j += LAPACK_NB) {
        size_t jb = n - j < LAPACK_NB ? n - j : LAPACK_NB;
        for (size_t c = j; c < j + jb; c++) { /* dtrmm L U N: B = T B, B = a[0..j)[c] */
            for (size_t k = 0; k < j; k++) {
                double t = a[k * n + c];
                if (t == 0.0) continue;
                for (size_t i = 0; i < k; i++)
                    a[i * n + c] += t * a[i * n + k];
                a[k * n + c] = t * a[k * n + k];
            }
        }
        for (size_t c = j; c < j + jb; c++) { /* dtrsm R U N, alpha -1: B = -B inv(D) */
            for (size_t i = 0; i < j; i++)
                a[i * n + c] = -1.0 * a[i * n + c];
            for (size_t k = j; k < c; k++) {
                double d = a[k * n + c];
                if (d == 0.0) continue;
                for (size_t i = 0; i < j; i++)
                    a[i * n + c] -= d * a[i * n + k];
            }
            double t = 1.0 / a[c * n + c];
            for (size_t i = 0; i < j; i++)
                a[i * n + c] = t * a[i * n + c];
        }
        trti2_upper(a + j * n + j, n, jb);
    }
}

/* dgetri after lu_factor: inv(U), then inv(A) inv(L)... column by column from the last (dgemv),
 * or by blocks of 64 beyond 64 columns (dgemm then dtrsm), then the column swaps. work: n * 64
 * doubles (n when n <= 64). */
static void lu_inverse(double *a, size_t n, const size_t *ipiv, double *work) {
    trtri_upper(a, n);
    if (n <= LAPACK_NB) {
        for (size_t j = n; j-- > 0;) {
            for (size_t i = j + 1; i < n; i++) {
                work[i] = a[i * n + j];
                a[i * n + j] = 0.0;
            }
            for (size_t l = j + 1; l < n; l++) { /* dgemv: a[.][j] -= a[.][l] work[l] */
                double t = -work[l];
                for (size_t i = 0; i < n; i++)
                    a[i * n + j] += t * a[i * n + l];
            }
        }
    } else {
        size_t nn = ((n - 1) / LAPACK_NB) * LAPACK_NB;
        for (size_t j = nn + LAPACK_NB; j >= LAPACK_NB;) {
            j -= LAPACK_NB; /* the block's first column */
            size_t jb = n - j < LAPACK_NB ? n - j : LAPACK_NB;
            for (size_t jj = j; jj < j + jb; jj++) /* work(i, jj - j), leading dimension n */
                for (size_t i = jj + 1; i < n; i++) {
                    work[i + (jj - j) * n] = a[i * n + jj];
                    a[i * n + jj] = 0.0;
                }
            for (size_t jj = 0; jj < jb; jj++) /* dgemm: A(:, j..) -= A(:, j+jb..) W */
                for (size_t l = j + jb; l < n; l++) {
                    double t = -work[l + jj * n];
                    for (size_t i = 0; i < n; i++)
                        a[i * n + j + jj] += t * a[i * n + l];
                }
            for (size_t jj = jb; jj-- > 0;) /* dtrsm R L N U: B = B inv(L_block) */
                for (size_t k = jj + 1; k < jb; k++) {
                    double w = work[j + k + jj * n];
                    if (w == 0.0) continue;
                    for (size_t i = 0; i < n; i++)
                        a[i * n + j + jj] -= w * a[i * n + j + k];
                }
        }
    }
    for (size_t j = n - 1; j-- > 0;) {
        size_t p = ipiv[j];
        if (p != j)
            for (size_t i = 0; i < n; i++) {
                double t = a[i * n + j];
                a[i * n + j] = a[i * n + p];
                a[i * n + p] = t;
            }
    }
}

size_t pk_invert_work(size_t n) {
    return n * (n > LAPACK_NB ? LAPACK_NB : 1) + n + 1; /* the sweep's work, then the pivots */
}

int pk_invert(double *a, size_t n, double *work) {
    size_t *ipiv = (size_t *)(void *)(work + n * (n > LAPACK_NB ? LAPACK_NB : 1));
    if (n == 0) return 1;
    if (lu_factor(a, n, ipiv)) return 0;
    lu_inverse(a, n, ipiv, work);
    for (size_t i = 0; i < n * n; i++)
        if (!isfinite(a[i])) return 0;
    return 1;
}

double pk_logdet(double *a, size_t n, double *work) {
    size_t *ipiv = (size_t *)(void *)work;
    if (lu_factor(a, n, ipiv)) return -INFINITY;
    int neg = 0;
    for (size_t i = 0; i < n; i++)
        if (ipiv[i] != i) neg = !neg;
    double ld = 0.0;
    for (size_t i = 0; i < n; i++) {
        double u = a[i * n + i];
        if (u < 0) neg = !neg;
        ld += log(fabs(u));
    }
    return neg ? -INFINITY : ld;
}

double pk_gauss_loglik(const double *x, const double *mean, const double *prec, size_t n,
                       double half_norm, double *tmp) {
    double *xr = tmp, *p = tmp + n;
    for (size_t j = 0; j < n; j++)
        xr[j] = x[j] - mean[j];
    for (size_t i = 0; i < n; i++) {
        double t = 0.0;
        for (size_t j = 0; j < n; j++)
            t += xr[j] * prec[j * n + i];
        p[i] = xr[i] * t;
    }
    double ll = -0.5 * pk_np_sum(p, n);
    return ll - half_norm;
}
