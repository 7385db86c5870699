/*
 * pk_linalg.h - small dense linear algebra shared by the families that solve systems at compile
 * time or per row (sparse PCA's ridge solve, covariance, ...). Row-major, no allocation.
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

#endif /* PK_LINALG_H */
