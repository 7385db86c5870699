/*
 * pk_neighbors.c - the neighbour estimators beyond KNeighborsClassifier/Regressor, on the search
 * of pk_knn.h (same metrics, brute force or the pickled KDTree/BallTree, scikit-learn's
 * neighbours and tie order):
 *
 *   NearestNeighbors          transform (not a scikit-learn method): kneighbors(x) as one array,
 *                             the n_neighbors distances (ascending) then the n_neighbors training
 *                             row indices
 *   KNeighborsTransformer     transform = kneighbors_graph(x, mode, n_neighbors + 1 in 'distance'
 *                             mode) as a dense row over the fitted rows: the distance (or 1.0
 *                             for 'connectivity') at each neighbour, 0 elsewhere
 *   RadiusNeighborsTransformer transform = radius_neighbors_graph(x, mode) likewise
 *   RadiusNeighborsClassifier predict, predict_proba: the training rows within `radius`
 *                             (reduced distance <= reduced radius, as scikit-learn compares
 *                             them: squared for euclidean), votes per class (1, or 1/d with
 * 'distance' weights; rows at distance 0 take weight 1, the others 0), divided by their sum; no
 * neighbour: outlier_label_'s probability 1 (its label for predict); with outlier_label None, an
 * error as in scikit-learn RadiusNeighborsRegressor  predict: the mean (or 1/d weighted average) of
 * the neighbours' targets; no neighbour: NULL (scikit-learn's NaN) LocalOutlierFactor(novelty=True)
 *                             score_samples = -mean(_lrd[nb] / lrd(x)) with
 *                             lrd(x) = 1 / (mean(max(d, _distances_fit_X_[nb, k - 1])) + 1e-10),
 *                             decision_function = score_samples - offset_, predict -1 where the
 *                             decision is < 0 else 1
 * Means and sums are numpy's pairwise sums over the neighbours. The radius estimators visit the
 * neighbours in training-row order where scikit-learn's unsorted radius search may visit them in
 * another: sums agree within 1e-12 relative, labels are the same.
 */
#include "pk_knn.h"
#include "pk_more_families.h"

#include <math.h>
#include <string.h>

enum { NB_NEAREST, NB_KTRANS, NB_RTRANS, NB_RCLF, NB_RREG, NB_LOF };

typedef struct pk_nbrs {
    pk_knn K;
    int type, connectivity, distance_w;
    double radius, rradius; /* radius and the metric's reduced radius                 */
    size_t ncls, nout;
    const double *y;     /* radius estimators: n x nout (class index or target)        */
    long outlier;        /* RadiusNeighborsClassifier: class index of outlier_label_, -1 */
    const double *kdist; /* LOF: _distances_fit_X_[:, k - 1]                          */
    const double *lrd;   /* LOF: _lrd                                                 */
    double offset;
} pk_nbrs;

/* scratch: dist[k] | idx[k] | tmp[max(k, n)] | work */
static double *nb_work(const pk_nbrs *N, double *scratch) {
    size_t k = N->K.k, n = N->K.n;
    return scratch + 2 * k + (k > n ? k : n);
}

static pk_code nb_nearest(const pk_model *m, const double *x, double *scratch, double *out,
                          pk_err *err) {
    (void)err;
    const pk_nbrs *N = m->impl;
    size_t k = N->K.k;
    pk_knn_query(&N->K, x, out, out + k, nb_work(N, scratch));
    return PK_OK;
}

static pk_code nb_kgraph(const pk_model *m, const double *x, double *scratch, double *out,
                         pk_err *err) {
    (void)err;
    const pk_nbrs *N = m->impl;
    size_t k = N->K.k;
    double *dist = scratch, *idx = scratch + k;
    pk_knn_query(&N->K, x, dist, idx, nb_work(N, scratch));
    for (size_t i = 0; i < N->K.n; i++)
        out[i] = 0.0;
    for (size_t j = 0; j < k; j++)
        out[(size_t)idx[j]] = N->connectivity ? 1.0 : dist[j];
    return PK_OK;
}

/* The training rows within the radius: tmp[i] = distance or -1 when outside. Returns the
 * count. */
static size_t nb_radius(const pk_nbrs *N, const double *x, double *tmp) {
    const pk_knn *K = &N->K;
    double xn = K->gemm ? pk_dot(x, x, K->nf) : 0;
    size_t cnt = 0;
    for (size_t p = 0; p < K->n; p++) {
        size_t i = pk_knn_row(K, p);
        double r = pk_knn_rdist(K, x, xn, p);
        if (r <= N->rradius) {
            tmp[i] = pk_knn_to_dist(K, r);
            cnt++;
        } else {
            tmp[i] = -1;
        }
    }
    return cnt;
}

static pk_code nb_rgraph(const pk_model *m, const double *x, double *scratch, double *out,
                         pk_err *err) {
    (void)err;
    const pk_nbrs *N = m->impl;
    nb_radius(N, x, out);
    for (size_t i = 0; i < N->K.n; i++)
        out[i] = out[i] < 0 ? 0.0 : N->connectivity ? 1.0 : out[i];
    (void)scratch;
    return PK_OK;
}

/* Weights of the neighbours in d[0..cnt): 1/d, or (d == 0) when one distance is 0. */
static void nb_weights(double *d, size_t cnt) {
    int zero = 0;
    for (size_t j = 0; j < cnt; j++)
        if (d[j] == 0.0) zero = 1;
    for (size_t j = 0; j < cnt; j++)
        d[j] = zero ? (d[j] == 0.0 ? 1.0 : 0.0) : 1.0 / d[j];
}

/* Radius classifier votes in out[0..ncls), normalised; returns the neighbour count. */
static pk_code nb_rproba_fill(const pk_model *m, const double *x, double *scratch, double *out,
                              pk_err *err, size_t *count) {
    const pk_nbrs *N = m->impl;
    double *tmp = scratch, *w = scratch + N->K.n, *cls = w + N->K.n;
    size_t cnt = nb_radius(N, x, tmp), j = 0;
    for (size_t i = 0; i < N->K.n; i++)
        if (tmp[i] >= 0) {
            w[j] = tmp[i];
            cls[j++] = N->y[i];
        }
    if (N->distance_w) nb_weights(w, cnt);
    for (size_t c = 0; c < N->ncls; c++)
        out[c] = 0.0;
    *count = cnt;
    if (cnt == 0) {
        if (N->outlier == -2)
            return pk_err_set(err, PK_EFEATURE, -1, -1,
                              "%s found no neighbours within radius %g and has no "
                              "outlier_label",
                              m->cls, N->radius);
        if (N->outlier >= 0) out[N->outlier] = 1.0;
        return PK_OK;
    }
    for (j = 0; j < cnt; j++)
        out[(size_t)cls[j]] += N->distance_w ? w[j] : 1.0;
    double s = pk_np_sum(out, N->ncls);
    if (s == 0.0) s = 1.0;
    for (size_t c = 0; c < N->ncls; c++)
        out[c] /= s;
    return PK_OK;
}

static pk_code nb_rproba(const pk_model *m, const double *x, double *scratch, double *out,
                         pk_err *err) {
    size_t cnt;
    return nb_rproba_fill(m, x, scratch, out, err, &cnt);
}

static pk_code nb_rpredict(const pk_model *m, const double *x, double *scratch, double *out,
                           pk_err *err) {
    const pk_nbrs *N = m->impl;
    double *p = scratch + 3 * N->K.n;
    size_t cnt;
    pk_code rc = nb_rproba_fill(m, x, scratch, p, err, &cnt);
    if (rc) return rc;
    size_t best = pk_argmax(p, N->ncls);
    int allzero = 1;
    for (size_t c = 0; c < N->ncls; c++)
        if (p[c] != 0) allzero = 0;
    if (allzero && N->outlier >= 0) best = (size_t)N->outlier;
    out[0] = (double)best;
    return PK_OK;
}

static pk_code nb_rregress(const pk_model *m, const double *x, double *scratch, double *out,
                           pk_err *err) {
    (void)err;
    const pk_nbrs *N = m->impl;
    size_t n = N->K.n, no = N->nout;
    double *tmp = scratch, *w = scratch + n, *v = w + n;
    size_t cnt = nb_radius(N, x, tmp), j = 0;
    if (cnt == 0) {
        for (size_t t = 0; t < no; t++)
            out[t] = NAN;
        return PK_OK;
    }
    for (size_t i = 0; i < n; i++)
        if (tmp[i] >= 0) {
            w[j] = tmp[i];
            tmp[j++] = (double)i;
        }
    if (N->distance_w) nb_weights(w, cnt);
    double den = N->distance_w ? pk_np_sum(w, cnt) : (double)cnt;
    for (size_t t = 0; t < no; t++) {
        for (j = 0; j < cnt; j++) {
            double y = N->y[(size_t)tmp[j] * no + t];
            v[j] = N->distance_w ? y * w[j] : y;
        }
        out[t] = pk_np_sum(v, cnt) / den;
    }
    return PK_OK;
}

static double lof_score(const pk_nbrs *N, const double *x, double *scratch) {
    size_t k = N->K.k;
    double *dist = scratch, *idx = scratch + k, *tmp = scratch + 2 * k;
    pk_knn_query(&N->K, x, dist, idx, nb_work(N, scratch));
    for (size_t j = 0; j < k; j++) {
        double dk = N->kdist[(size_t)idx[j]];
        tmp[j] = dist[j] > dk ? dist[j] : dk;
    }
    double lrd = 1.0 / (pk_np_sum(tmp, k) / (double)k + 1e-10);
    for (size_t j = 0; j < k; j++)
        tmp[j] = N->lrd[(size_t)idx[j]] / lrd;
    return -(pk_np_sum(tmp, k) / (double)k);
}

static pk_code lof_score_samples(const pk_model *m, const double *x, double *scratch, double *out,
                                 pk_err *err) {
    (void)err;
    out[0] = lof_score(m->impl, x, scratch);
    return PK_OK;
}

static pk_code lof_decision(const pk_model *m, const double *x, double *scratch, double *out,
                            pk_err *err) {
    (void)err;
    const pk_nbrs *N = m->impl;
    out[0] = lof_score(N, x, scratch) - N->offset;
    return PK_OK;
}

static pk_code lof_predict(const pk_model *m, const double *x, double *scratch, double *out,
                           pk_err *err) {
    (void)err;
    const pk_nbrs *N = m->impl;
    out[0] = lof_score(N, x, scratch) - N->offset < 0 ? -1.0 : 1.0;
    return PK_OK;
}

/* ---- compile -------------------------------------------------------------------------------- */

static pk_code nb_weights_mode(pk_mc *c, pk_nbrs *N) {
    const pk_value *wt = pk_attr(c->obj, "weights");
    if (wt && wt->kind != PK_STR && wt->kind != PK_NONE)
        return pk_mc_fail(c,
                          "%s has callable weights, which cannot be scored without running "
                          "Python code",
                          c->m->cls);
    const char *ws = pk_mc_str(c, "weights");
    if (ws && strcmp(ws, "distance") != 0 && strcmp(ws, "uniform") != 0)
        return pk_mc_fail(c, "%s: unknown weights '%.40s'", c->m->cls, ws);
    N->distance_w = ws && strcmp(ws, "distance") == 0;
    return PK_OK;
}

/* outlier_label_ of a radius classifier: its class index, -1 (a label outside classes_: no
 * probability, refused for predict), -2 (None: no neighbours is an error). */
static pk_code nb_outlier(pk_mc *c, pk_nbrs *N) {
    pk_model *m = c->m;
    const pk_value *ol = pk_attr(c->obj, "outlier_label_");
    N->outlier = -2;
    if (!ol || ol->kind == PK_NONE) return PK_OK;
    if ((ol->kind == PK_LIST || ol->kind == PK_TUPLE) && ol->u.seq.len == 1)
        ol = ol->u.seq.items[0];
    if (!ol || ol->kind == PK_NONE) return PK_OK;
    const char *s = NULL;
    for (size_t i = 0; i < m->n_classes; i++) {
        int eq = 0;
        double d;
        if (m->label_type == PK_LABELS_STR)
            eq = (s = s ? s : pk_mc_label_str(c, ol)) != NULL && strcmp(s, m->class_s[i]) == 0;
        else if (pk_as_f64(ol, &d) == PK_OK)
            eq = d == (m->label_type == PK_LABELS_FLOAT ? m->class_f[i] : (double)m->class_i[i]);
        if (eq) {
            N->outlier = (long)i;
            return PK_OK;
        }
    }
    return pk_mc_fail(c,
                      "%s: an outlier_label that is not one of classes_ cannot be returned "
                      "as a label here (use None, 'most_frequent' or one of the classes)",
                      m->cls);
}

pk_code pk_compile_neighbors(pk_mc *c) {
    pk_model *m = c->m;
    const char *cls = m->cls;
    pk_nbrs *N = pk_mc_alloc(c, 1, sizeof *N);
    if (!N) return c->err->code;
    N->type = strcmp(cls, "NearestNeighbors") == 0             ? NB_NEAREST
              : strcmp(cls, "KNeighborsTransformer") == 0      ? NB_KTRANS
              : strcmp(cls, "RadiusNeighborsTransformer") == 0 ? NB_RTRANS
              : strcmp(cls, "RadiusNeighborsClassifier") == 0  ? NB_RCLF
              : strcmp(cls, "RadiusNeighborsRegressor") == 0   ? NB_RREG
              : strcmp(cls, "LocalOutlierFactor") == 0         ? NB_LOF
                                                               : -1;
    if (N->type < 0) return pk_mc_fail(c, "%s is not a neighbour estimator", cls);
    pk_code rc;
    double k = 1;
    if (N->type == NB_LOF) {
        if (!pk_mc_bool(c, "novelty", 0))
            return pk_mc_fail(c,
                              "%s was fitted with novelty=False: scikit-learn offers "
                              "predict/score_samples on new rows only with novelty=True",
                              cls);
        if ((rc = pk_mc_num(c, "n_neighbors_", NAN, &k))) return rc;
        if (isnan(k)) return pk_mc_not_fitted(c, "n_neighbors_");
    } else if (N->type == NB_NEAREST || N->type == NB_KTRANS) {
        if ((rc = pk_mc_num(c, "n_neighbors", 5, &k))) return rc;
    }
    const char *mode = pk_mc_str(c, "mode");
    N->connectivity = mode && strcmp(mode, "connectivity") == 0;
    if (N->type == NB_KTRANS && !N->connectivity) k += 1;
    if ((rc = pk_knn_search_compile(c, &N->K, k))) return rc;
    size_t n = N->K.n, kk = N->K.k;
    m->impl = N;
    m->scratch = 2 * kk + (kk > n ? kk : n) + pk_knn_work(&N->K);
    if (N->type == NB_RCLF || N->type == NB_RREG || N->type == NB_RTRANS) {
        if ((rc = pk_mc_num(c, "radius", 1.0, &N->radius))) return rc;
        if (!(N->radius >= 0)) return pk_mc_fail(c, "%s: radius must be >= 0", cls);
        N->rradius = pk_knn_to_rdist(&N->K, N->radius);
        m->scratch = 4 * n + 8;
    }
    switch (N->type) {
    case NB_NEAREST:
        m->kind = PK_MODEL_TRANSFORMER;
        m->not_python = 1u << PK_TRANSFORM;
        pk_mc_method(c, PK_TRANSFORM, PK_OUT_ARRAY, 2 * kk, nb_nearest);
        return PK_OK;
    case NB_KTRANS:
    case NB_RTRANS:
        m->kind = PK_MODEL_TRANSFORMER;
        pk_mc_method(c, PK_TRANSFORM, PK_OUT_ARRAY, n,
                     N->type == NB_KTRANS ? nb_kgraph : nb_rgraph);
        return PK_OK;
    case NB_LOF: {
        pk_mc_arr dfx, lrd;
        if ((rc = pk_mc_array(c, "_distances_fit_X_", 1, &dfx)) ||
            (rc = pk_mc_array(c, "_lrd", 1, &lrd)) ||
            (rc = pk_mc_num(c, "offset_", NAN, &N->offset)))
            return rc;
        if (dfx.ndim != 2 || dfx.rows != n || dfx.cols < kk || lrd.n != n || isnan(N->offset))
            return pk_mc_fail(c,
                              "%s: _distances_fit_X_, _lrd and offset_ do not match %zu "
                              "fitted rows",
                              cls, n);
        double *kd = pk_mc_alloc(c, n, sizeof(double));
        if (!kd) return c->err->code;
        for (size_t i = 0; i < n; i++)
            kd[i] = dfx.v[i * dfx.cols + kk - 1];
        N->kdist = kd;
        N->lrd = lrd.v;
        m->kind = PK_MODEL_OUTLIER;
        pk_mc_method(c, PK_PREDICT, PK_OUT_CLUSTER, 1, lof_predict);
        pk_mc_method(c, PK_DECISION, PK_OUT_SCALAR, 1, lof_decision);
        pk_mc_method(c, PK_SCORE_SAMPLES, PK_OUT_SCALAR, 1, lof_score_samples);
        return PK_OK;
    }
    default:
        break;
    }
    if ((rc = nb_weights_mode(c, N))) return rc;
    pk_mc_arr ya;
    if ((rc = pk_mc_array(c, "_y", 1, &ya))) return rc;
    N->nout = ya.ndim == 2 ? ya.cols : 1;
    if (ya.ndim == 0 || (ya.ndim == 2 ? ya.rows : ya.n) != n)
        return pk_mc_fail(c, "%s._y does not have %zu rows", cls, n);
    N->y = ya.v;
    if (N->type == NB_RREG) {
        m->kind = PK_MODEL_REGRESSOR;
        m->scratch = 3 * n + 8;
        pk_mc_method(c, PK_PREDICT, ya.ndim == 1 ? PK_OUT_SCALAR : PK_OUT_ARRAY, N->nout,
                     nb_rregress);
        return PK_OK;
    }
    if (pk_mc_bool(c, "outputs_2d_", 0) || N->nout != 1)
        return pk_mc_fail(c, "%s fitted on several outputs is not supported", cls);
    if ((rc = pk_mc_classes(c, pk_attr(c->obj, "classes_")))) return rc;
    N->ncls = m->n_classes;
    for (size_t i = 0; i < n; i++)
        if (!(N->y[i] >= 0 && N->y[i] < (double)N->ncls) || N->y[i] != floor(N->y[i]))
            return pk_mc_fail(c, "%s._y[%zu] is not a class index", cls, i);
    if ((rc = nb_outlier(c, N))) return rc;
    m->kind = PK_MODEL_CLASSIFIER;
    m->scratch = 3 * n + N->ncls + 8;
    pk_mc_method(c, PK_PREDICT, PK_OUT_LABEL, 1, nb_rpredict);
    pk_mc_method(c, PK_PREDICT_PROBA, PK_OUT_ARRAY, N->ncls, nb_rproba);
    return PK_OK;
}
