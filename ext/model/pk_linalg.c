/*
 * pk_linalg.c - Cholesky factorisation and the triangular solves that use it (pk_linalg.h).
 */
#include "pk_linalg.h"

#include <math.h>

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
