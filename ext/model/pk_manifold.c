/*
 * pk_manifold.c - Isomap.transform and LocallyLinearEmbedding.transform of scikit-learn 1.2.1.
 * Both start with nbrs_.kneighbors(x) (the NearestNeighbors fitted on the training data; its
 * brute-force or tree search is pk_knn.c's, so the same neighbours with the same distances).
 *
 * Isomap (n_neighbors mode): the geodesic row g_i = min_j (dist_matrix_[n_j, i] + d_j) over the
 * neighbours n_j at distance d_j, then g = -0.5 g^2, projected by kernel_pca_ (a KernelPCA with
 * kernel='precomputed', compiled by pk_kpca.c and run on g). The minimum is exact; the bound is
 * KernelPCA's (1e-12 relative). radius mode (n_neighbors=None) is refused.
 *
 * LocallyLinearEmbedding: barycenter_weights of x over its neighbours Y (rows of nbrs_._fit_X,
 * in kneighbors' order): C = Y - x, G = C C^T (each entry summed left to right, as the
 * reference BLAS's dsyrk), G_aa += reg * trace(G) (reg when the trace is 0; the trace is
 * np.sum of the diagonal), w = solve(G, 1) as scipy's assume_a='pos' does it with the
 * reference LAPACK: dpotrf (dpotrf2's recursive upper Cholesky, blocked by 64 beyond 64
 * neighbours) and dpotrs (two dtrsm), each loop in the reference routines' order; then
 * w / np.sum(w) and out = sum_j w_j embedding_[n_j] (left to right). A Gram matrix that is not
 * positive definite is an error, as scipy's LinAlgError.
 *
 * Refused: models fitted on float32 data, metrics pk_knn.c does not search (callables, ...).
 */
#include "pk_knn.h"
#include "pk_more_families.h"

#include <math.h>
#include <string.h>

typedef struct pk_manifold {
    int lle;
    const pk_knn *K;
    size_t k, n, nf, nc;
    const double *D;      /* Isomap: n x n dist_matrix_         */
    const pk_model *kpca; /* Isomap: kernel_pca_ (precomputed)  */
    const double *Y;      /* LLE: n x nf nbrs_._fit_X           */
    const double *E;      /* LLE: n x nc embedding_             */
    double reg;
} pk_manifold;

/* ---- the reference LAPACK's Cholesky solve (column-major, A(i, j) = a[i + j * lda]) -------- */

/* C(i, j) -= sum_l A(l, i) B(l, j) for i < m, j < n (upper: only i <= j): dgemm('T', 'N') and
 * dsyrk('U', 'T') with alpha = -1, beta = 1 (alpha * temp + beta * C). */
static void ref_sub_atb(double *cm, const double *a, const double *b, size_t lda, size_t m,
                        size_t n, size_t kk, int upper) {
    if (kk == 0) return;
    for (size_t j = 0; j < n; j++)
        for (size_t i = 0; i < (upper ? j + 1 : m); i++) {
            double temp = 0;
            for (size_t l = 0; l < kk; l++)
                temp += a[l + i * lda] * b[l + j * lda];
            cm[i + j * lda] = -temp + cm[i + j * lda];
        }
}

/* B = inv(A^T) B, A upper triangular m x m, B m x n: dtrsm('L', 'U', 'T', 'N', alpha = 1). */
static void ref_trsm_ut(const double *a, double *b, size_t lda, size_t m, size_t n) {
    for (size_t j = 0; j < n; j++)
        for (size_t i = 0; i < m; i++) {
            double temp = b[i + j * lda];
            for (size_t k = 0; k < i; k++)
                temp -= a[k + i * lda] * b[k + j * lda];
            b[i + j * lda] = temp / a[i + i * lda];
        }
}

/* dpotrf2, upper: 0 or the order of the first non-positive leading minor. */
static size_t ref_potrf2(double *a, size_t lda, size_t n) {
    if (n == 1) {
        if (!(a[0] > 0)) return 1;
        a[0] = sqrt(a[0]);
        return 0;
    }
    size_t n1 = n / 2, n2 = n - n1, info = ref_potrf2(a, lda, n1);
    if (info) return info;
    double *a12 = a + n1 * lda, *a22 = a + n1 + n1 * lda;
    ref_trsm_ut(a, a12, lda, n1, n2);
    ref_sub_atb(a22, a12, a12, lda, n2, n2, n1, 1);
    info = ref_potrf2(a22, lda, n2);
    return info ? info + n1 : 0;
}

/* dpotrf, upper (block size 64, ilaenv's for DPOTRF). */
static size_t ref_potrf(double *a, size_t n) {
    const size_t nb = 64;
    if (nb >= n) return ref_potrf2(a, n, n);
    for (size_t j = 0; j < n; j += nb) {
        size_t jb = n - j < nb ? n - j : nb;
        double *ajj = a + j + j * n;
        ref_sub_atb(ajj, a + j * n, a + j * n, n, jb, jb, j, 1);
        size_t info = ref_potrf2(ajj, n, jb);
        if (info) return info + j;
        if (j + jb < n) {
            ref_sub_atb(a + j + (j + jb) * n, a + j * n, a + (j + jb) * n, n, jb, n - j - jb, j, 0);
            ref_trsm_ut(ajj, a + j + (j + jb) * n, n, jb, n - j - jb);
        }
    }
    return 0;
}

/* dpotrs, upper, one right-hand side: U^T U x = b. */
static void ref_potrs(const double *a, double *b, size_t n) {
    ref_trsm_ut(a, b, n, n, 1);
    for (size_t k = n; k-- > 0;)
        if (b[k] != 0) {
            b[k] = b[k] / a[k + k * n];
            for (size_t i = 0; i < k; i++)
                b[i] = b[i] - b[k] * a[i + k * n];
        }
}

/* ---- transforms ------------------------------------------------------------------------------ */

/* scratch: dist[k] | idx[k] | g[n] | kernel_pca_ scratch | search scratch */
static pk_code isomap_transform(const pk_model *m, const double *x, double *scratch, double *out,
                                pk_err *err) {
    const pk_manifold *M = m->impl;
    const size_t k = M->k, n = M->n;
    double *dist = scratch, *idx = scratch + k, *g = scratch + 2 * k, *sub = g + n;
    pk_knn_query(M->K, x, dist, idx, sub + pk_model_scratch_len(M->kpca));
    for (size_t i = 0; i < n; i++) {
        double v = M->D[(size_t)idx[0] * n + i] + dist[0];
        for (size_t j = 1; j < k; j++) {
            double w = M->D[(size_t)idx[j] * n + i] + dist[j];
            if (w < v) v = w;
        }
        g[i] = v * v;
        g[i] *= -0.5;
    }
    return M->kpca->fn[PK_TRANSFORM](M->kpca, g, sub, out, err);
}

/* scratch: dist[k] | idx[k] | G[k * k] | w[k] | diag[k] | search scratch */
static pk_code lle_transform(const pk_model *m, const double *x, double *scratch, double *out,
                             pk_err *err) {
    const pk_manifold *M = m->impl;
    const size_t k = M->k, nf = M->nf;
    double *dist = scratch, *idx = scratch + k, *G = scratch + 2 * k, *w = G + k * k;
    double *diag = w + k;
    pk_knn_query(M->K, x, dist, idx, diag + k);
    /* G = C C^T with C = Y[idx] - x, each C_al recomputed (the same double every time) */
    for (size_t a = 0; a < k; a++) {
        const double *ya = M->Y + (size_t)idx[a] * nf;
        for (size_t b = a; b < k; b++) {
            const double *yb = M->Y + (size_t)idx[b] * nf;
            double s = 0;
            for (size_t l = 0; l < nf; l++)
                s += (ya[l] - x[l]) * (yb[l] - x[l]);
            G[a + b * k] = G[b + a * k] = s;
        }
        diag[a] = G[a + a * k];
    }
    for (size_t a = 0; a < k * k; a++)
        if (!isfinite(G[a]))
            return pk_err_set(err, PK_EFEATURE, -1, -1,
                              "%s: the Gram matrix of the row's neighbours overflows (scipy's "
                              "solve raises ValueError)",
                              m->cls);
    double trace = pk_np_sum(diag, k);
    double R = trace > 0 ? M->reg * trace : M->reg;
    for (size_t a = 0; a < k; a++) {
        G[a + a * k] += R;
        w[a] = 1.0;
    }
    if (ref_potrf(G, k))
        return pk_err_set(err, PK_EFEATURE, -1, -1,
                          "%s: the Gram matrix of the row's neighbours is singular (scipy's "
                          "solve raises LinAlgError)",
                          m->cls);
    ref_potrs(G, w, k);
    double sw = pk_np_sum(w, k);
    for (size_t a = 0; a < k; a++)
        w[a] = w[a] / sw;
    for (size_t c = 0; c < M->nc; c++) {
        double s = 0;
        for (size_t a = 0; a < k; a++)
            s += w[a] * M->E[(size_t)idx[a] * M->nc + c];
        out[c] = s;
    }
    return PK_OK;
}

/* ---- compile --------------------------------------------------------------------------------- */

static pk_code compile_isomap(pk_mc *c, pk_manifold *M) {
    pk_model *m = c->m;
    pk_mc_arr d;
    pk_code rc = pk_mc_array(c, "dist_matrix_", 1, &d);
    if (!rc) rc = pk_mc_require_f64(c, pk_attr(c->obj, "dist_matrix_"), "dist_matrix_");
    if (rc) return rc;
    if (d.ndim != 2 || d.rows != M->n || d.cols != M->n)
        return pk_mc_fail(c, "%s.dist_matrix_ is not %zu x %zu (the fitted rows)", m->cls, M->n,
                          M->n);
    M->D = d.v;
    const pk_value *kp = pk_attr(c->obj, "kernel_pca_");
    if (!kp || kp->kind != PK_OBJECT) return pk_mc_not_fitted(c, "kernel_pca_");
    pk_model *sub = pk_mc_submodel(c, kp);
    if (!sub) return c->err->code;
    if (sub->shape[PK_TRANSFORM] != PK_OUT_ARRAY || sub->n_features != M->n || pk_model_typed(sub))
        return pk_mc_fail(c, "%s.kernel_pca_ is not a precomputed KernelPCA of the %zu fitted rows",
                          m->cls, M->n);
    M->kpca = sub;
    M->nc = sub->width[PK_TRANSFORM];
    m->scratch = 2 * M->k + M->n + pk_model_scratch_len(sub) + pk_knn_work(M->K);
    pk_mc_method(c, PK_TRANSFORM, PK_OUT_ARRAY, M->nc, isomap_transform);
    return PK_OK;
}

static pk_code compile_lle(pk_mc *c, pk_manifold *M, const pk_value *nbrs) {
    pk_model *m = c->m;
    pk_mc_arr y, e;
    const pk_value *fx = pk_attr(nbrs, "_fit_X");
    pk_code rc = pk_mc_array_of(c, fx, "nbrs_._fit_X", &y);
    if (!rc) rc = pk_mc_require_f64(c, fx, "nbrs_._fit_X");
    if (!rc) rc = pk_mc_array(c, "embedding_", 1, &e);
    if (!rc) rc = pk_mc_num(c, "reg", 1e-3, &M->reg);
    if (rc) return rc;
    if (y.ndim != 2 || y.rows != M->n || y.cols != M->nf)
        return pk_mc_fail(c, "%s: nbrs_._fit_X does not match the neighbours' data", m->cls);
    if (e.ndim != 2 || e.rows != M->n || e.cols == 0)
        return pk_mc_fail(c, "%s.embedding_ does not have one row per fitted row", m->cls);
    if (!isfinite(M->reg)) return pk_mc_fail(c, "%s.reg is not finite", m->cls);
    M->Y = y.v;
    M->E = e.v;
    M->nc = e.cols;
    m->scratch = 4 * M->k + M->k * M->k + pk_knn_work(M->K);
    pk_mc_method(c, PK_TRANSFORM, PK_OUT_ARRAY, M->nc, lle_transform);
    return PK_OK;
}

pk_code pk_compile_manifold(pk_mc *c) {
    pk_model *m = c->m;
    pk_manifold *M = pk_mc_alloc(c, 1, sizeof *M);
    if (!M) return c->err->code;
    M->lle = strcmp(m->cls, "LocallyLinearEmbedding") == 0;
    const pk_value *nbrs = pk_attr(c->obj, "nbrs_");
    if (!nbrs || nbrs->kind != PK_OBJECT) return pk_mc_not_fitted(c, "nbrs_");
    const pk_value *nn = pk_attr(c->obj, "n_neighbors");
    if (!M->lle && (!nn || nn->kind == PK_NONE))
        return pk_mc_fail(c, "%s with radius neighbours (n_neighbors=None) is not supported",
                          m->cls);
    double k;
    pk_code rc = pk_mc_num(c, "n_neighbors", 5, &k);
    if (rc) return rc;
    if (!(k >= 1 && k <= 1e6) || k != floor(k))
        return pk_mc_fail(c, "%s: n_neighbors must be a positive integer", m->cls);
    M->k = (size_t)k;
    pk_knn *K = pk_mc_alloc(c, 1, sizeof *K);
    if (!K) return c->err->code;
    pk_mc sub = *c; /* the search is nbrs_'s (a fitted NearestNeighbors) */
    sub.obj = nbrs;
    if ((rc = pk_knn_search_compile(&sub, K, (double)M->k))) return rc;
    M->K = K;
    M->n = K->n;
    M->nf = K->nf;
    if ((rc = pk_mc_features(c, M->nf))) return rc;
    m->kind = PK_MODEL_TRANSFORMER;
    m->impl = M;
    return M->lle ? compile_lle(c, M, nbrs) : compile_isomap(c, M);
}
