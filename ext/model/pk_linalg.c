/*
 * pk_linalg.c - Cholesky factorisation and the triangular solves that use it, and the blocked
 * dot products of one row against many (pk_linalg.h).
 */
#include "pk_linalg.h"

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
