/*
 * pk_sparse_code.c - DictionaryLearning, MiniBatchDictionaryLearning and SparseCoder transform:
 * the sparse code of the row on the dictionary (components_, or SparseCoder's dictionary), as
 * scikit-learn 1.2's sparse_encode computes it for one row.
 *
 *   omp        orthogonal_mp_gram with Gram = D D^T (formed at compile time), Xy = D x and
 *              n_nonzero_coefs = transform_n_nonzero_coefs, or min(max(n_features / 10, 1),
 *              n_components) when None. Its steps are reproduced in order: the atom with the
 *              largest |alpha| (first maximum) joins unless it is already active or alpha^2 <
 *              eps; the Cholesky factor L grows by a forward substitution, ||.||^2 and
 *              sqrt(Gram[lam, lam] - that) (stopping when <= eps); the Gram rows/columns and Xy
 *              entries are swapped as scikit-learn swaps them; gamma solves L L^T g = Xy[:n]
 *              (potrs: forward then backward substitution); alpha = Xy - Gram[:, :n] gamma.
 *   threshold  sign(Xy) max(|Xy| - transform_alpha, 0) (transform_alpha None: 1.0), clipped at
 *              0 with positive_code.
 * split_sign doubles the columns: max(code, 0) then -min(code, 0).
 * lasso_lars, lasso_cd and lars are refused by name (iterative solvers not reproduced here).
 * Dots are summed left to right; scikit-learn's BLAS (dgemm for Gram and Xy, dnrm2's scaled
 * norm) may round differently in the last bits, so values agree within 1e-12 relative.
 */
#include "pk_linalg.h"
#include "pk_more_families.h"

#include <float.h>
#include <string.h>

typedef struct pk_scode {
    size_t k, nf;
    const double *dict; /* k x nf                        */
    double *gram;       /* k x k (omp)                   */
    size_t nnz;         /* omp: n_nonzero_coefs (<= k)   */
    double alpha;       /* threshold                     */
    int omp, positive, split;
} pk_scode;

/* scratch: Xy k, alpha k, G k*k, L nnz*nnz, gamma nnz, idx k. */
static void sc_omp(const pk_scode *S, double *xy, double *scratch, double *code) {
    size_t k = S->k, nmax = S->nnz;
    double *al = scratch, *G = al + k, *L = G + k * k, *g = L + nmax * nmax, *idx = g + nmax;
    memcpy(G, S->gram, k * k * sizeof *G);
    for (size_t i = 0; i < k; i++) {
        idx[i] = (double)i;
        al[i] = xy[i];
    }
    size_t na = 0;
    for (;;) {
        size_t lam = 0;
        for (size_t i = 1; i < k; i++)
            if (fabs(al[i]) > fabs(al[lam])) lam = i;
        if (lam < na || al[lam] * al[lam] < DBL_EPSILON) break;
        if (na > 0) {
            double *row = L + na * nmax;
            for (size_t j = 0; j < na; j++) { /* solve_triangular(L[:na, :na], Gram[lam, :na]) */
                double s = G[lam * k + j];
                for (size_t t = 0; t < j; t++)
                    s -= L[j * nmax + t] * row[t];
                row[j] = s / L[j * nmax + j];
            }
            double v = 0.0;
            for (size_t j = 0; j < na; j++)
                v += row[j] * row[j];
            double lkk = G[lam * k + lam] - v;
            if (lkk <= DBL_EPSILON) break;
            row[na] = sqrt(lkk);
        } else {
            L[0] = sqrt(G[lam * k + lam]);
        }
        if (lam != na) { /* swap rows, then columns, of Gram; indices; Xy */
            for (size_t j = 0; j < k; j++) {
                double t = G[na * k + j];
                G[na * k + j] = G[lam * k + j];
                G[lam * k + j] = t;
            }
            for (size_t j = 0; j < k; j++) {
                double t = G[j * k + na];
                G[j * k + na] = G[j * k + lam];
                G[j * k + lam] = t;
            }
            double t = idx[na];
            idx[na] = idx[lam];
            idx[lam] = t;
            t = xy[na];
            xy[na] = xy[lam];
            xy[lam] = t;
        }
        na++;
        memcpy(g, xy, na * sizeof *g); /* potrs: L L^T gamma = Xy[:na] */
        pk_cholesky_solve(L, na, nmax, g);
        if (na == nmax) break;
        for (size_t i = 0; i < k; i++) {
            double b = 0.0;
            for (size_t j = 0; j < na; j++)
                b += G[i * k + j] * g[j];
            al[i] = xy[i] - b;
        }
    }
    for (size_t i = 0; i < k; i++)
        code[i] = 0.0;
    for (size_t i = 0; i < na; i++)
        code[(size_t)idx[i]] = g[i];
}

static pk_code sc_transform(const pk_model *m, const double *x, double *scratch, double *out,
                            pk_err *err) {
    (void)err;
    const pk_scode *S = m->impl;
    size_t k = S->k;
    double *xy = scratch, *code = scratch + k, *work = code + k;
    for (size_t i = 0; i < k; i++)
        xy[i] = pk_dot(S->dict + i * S->nf, x, S->nf);
    if (S->omp) {
        sc_omp(S, xy, work, code);
    } else {
        for (size_t i = 0; i < k; i++) {
            double a = fabs(xy[i]) - S->alpha;
            double sg = xy[i] > 0 ? 1.0 : xy[i] < 0 ? -1.0 : 0.0;
            double v = sg * (a > 0 ? a : 0.0);
            code[i] = S->positive && v < 0 ? 0.0 : v;
        }
    }
    for (size_t i = 0; i < k; i++) {
        if (!S->split) {
            out[i] = code[i];
            continue;
        }
        out[i] = code[i] > 0 ? code[i] : 0.0;
        out[k + i] = code[i] < 0 ? -code[i] : 0.0;
    }
    return PK_OK;
}

pk_code pk_compile_sparse_code(pk_mc *c) {
    pk_model *m = c->m;
    int coder = strcmp(m->cls, "SparseCoder") == 0;
    const char *attr = coder ? "dictionary" : "components_";
    pk_mc_arr d;
    pk_code rc = pk_mc_array(c, attr, 1, &d);
    if (rc) return rc;
    if (d.ndim != 2 || d.rows == 0 || d.cols == 0)
        return pk_mc_fail(c, "%s.%s is not a 2-D array", m->cls, attr);
    if (d.rows > 1024) /* omp copies the k x k Gram into the scratch of every row */
        return pk_mc_fail(c, "%s: %zu atoms are more than scored (1024)", m->cls, d.rows);
    if ((rc = pk_mc_features(c, d.cols))) return rc;
    const char *alg = pk_mc_str(c, "transform_algorithm");
    if (!alg) alg = "omp";
    pk_scode *S = pk_mc_alloc(c, 1, sizeof *S);
    if (!S) return c->err->code;
    S->k = d.rows;
    S->nf = d.cols;
    S->dict = d.v;
    S->split = pk_mc_bool(c, "split_sign", 0);
    S->positive = pk_mc_bool(c, "positive_code", 0);
    size_t work = 0;
    if (strcmp(alg, "omp") == 0) {
        double nnz;
        if ((rc = pk_mc_num(c, "transform_n_nonzero_coefs", NAN, &nnz))) return rc;
        if (isnan(nnz)) { /* min(max(n_features / 10, 1), n_components), then int() */
            nnz = (double)S->nf / 10;
            if (nnz < 1) nnz = 1;
            if (nnz > (double)S->k) nnz = (double)S->k;
        }
        nnz = floor(nnz);
        if (!(nnz >= 1) || nnz > (double)S->k)
            return pk_mc_fail(c, "%s: transform_n_nonzero_coefs %g is not between 1 and %zu",
                              m->cls, nnz, S->k);
        if (S->positive)
            return pk_mc_fail(c, "%s: positive_code with omp is refused by scikit-learn", m->cls);
        S->omp = 1;
        S->nnz = (size_t)nnz;
        S->gram = pk_mc_alloc(c, S->k * S->k, sizeof *S->gram);
        if (!S->gram) return c->err->code;
        for (size_t i = 0; i < S->k; i++)
            for (size_t j = 0; j < S->k; j++)
                S->gram[i * S->k + j] = pk_dot(S->dict + i * S->nf, S->dict + j * S->nf, S->nf);
        work = 2 * S->k + S->k * S->k + S->nnz * S->nnz + S->nnz;
    } else if (strcmp(alg, "threshold") == 0) {
        if ((rc = pk_mc_num(c, "transform_alpha", 1.0, &S->alpha))) return rc;
        if (!isfinite(S->alpha)) return pk_mc_fail(c, "%s.transform_alpha is not finite", m->cls);
    } else {
        return pk_mc_fail(c,
                          "%s: transform_algorithm '%s' is not scored (omp and threshold are; "
                          "its iterative solver is not reproduced)",
                          m->cls, alg);
    }
    m->kind = PK_MODEL_TRANSFORMER;
    m->impl = S;
    m->scratch = 2 * S->k + work;
    pk_mc_method(c, PK_TRANSFORM, PK_OUT_ARRAY, S->split ? 2 * S->k : S->k, sc_transform);
    return PK_OK;
}
