/*
 * pk_voting.c - VotingClassifier and VotingRegressor over any scorable estimators.
 *
 * The members (estimators_, the non-dropped estimators) were fitted on the label-encoded target
 * (le_), so a member's predicted class is a number 0..K-1 and its probability columns are
 * classes_'s. As scikit-learn 1.2.1 computes them:
 *   hard predict    np.argmax(np.bincount(member predictions, weights)): votes counted (or
 *                   the weights added) member by member, the first maximum wins a tie
 *   soft proba      np.average over members: probabilities summed member by member (times
 *                   the weights), divided by the member count (by the weights' np.sum)
 *   soft predict    the first maximum of that
 *   transform       soft: the members' probabilities side by side (flatten_transform; the 3-D
 *                   form is refused); hard: the members' predicted classes
 *   regressor       predict: the members' predictions averaged the same way (summed member by
 *                   member); transform: the members' predictions
 * Weights belong to `estimators` entries; those of 'drop' entries are left out.
 */
#include "pk_meta.h"

#include <stdio.h>
#include <string.h>

typedef struct vote {
    pk_meta_set set;
    const double **labels; /* per member: its classes as numbers (hard voting, transform) */
    double *w;             /* weights of the members, or NULL                              */
    double wsum;           /* np.sum of the weights                                        */
    size_t k;              /* classes (classifier)                                         */
    size_t o_acc, o_sub;   /* scratch: buf[set.out] | acc[k] | member scratch              */
} vote;

/* Probabilities averaged over the members into out (k values). */
static pk_code vote_proba(const pk_model *m, const double *x, double *scratch, double *out,
                          pk_err *err) {
    const vote *V = m->impl;
    double *buf = scratch, *sub = scratch + V->o_sub;
    for (size_t i = 0; i < V->set.n; i++) {
        const pk_model *s = V->set.m[i];
        pk_code rc = pk_meta_run(m, s, PK_PREDICT_PROBA, x, sub, buf, err);
        if (rc) return rc;
        double wi = V->w ? V->w[i] : 1.0;
        for (size_t j = 0; j < V->k; j++) {
            double p = V->w ? buf[j] * wi : buf[j];
            out[j] = i == 0 ? p : out[j] + p;
        }
    }
    double d = V->w ? V->wsum : (double)V->set.n;
    for (size_t j = 0; j < V->k; j++)
        out[j] /= d;
    return PK_OK;
}

static pk_code vote_soft_label(const pk_model *m, const double *x, double *scratch, double *out,
                               pk_err *err) {
    const vote *V = m->impl;
    double *acc = scratch + V->o_acc;
    pk_code rc = vote_proba(m, x, scratch, acc, err);
    if (rc == PK_OK) out[0] = (double)pk_argmax(acc, V->k);
    return rc;
}

static pk_code vote_hard_label(const pk_model *m, const double *x, double *scratch, double *out,
                               pk_err *err) {
    const vote *V = m->impl;
    double *buf = scratch, *votes = scratch + V->o_acc, *sub = scratch + V->o_sub;
    for (size_t j = 0; j < V->k; j++)
        votes[j] = 0.0;
    for (size_t i = 0; i < V->set.n; i++) {
        const pk_model *s = V->set.m[i];
        pk_code rc = pk_meta_run(m, s, PK_PREDICT, x, sub, buf, err);
        if (rc) return rc;
        size_t cls = (size_t)V->labels[i][(size_t)buf[0]];
        votes[cls] += V->w ? V->w[i] : 1.0;
    }
    out[0] = (double)pk_argmax(votes, V->k);
    return PK_OK;
}

/* transform: per member its probabilities (soft) or its predicted class / value. */
static pk_code vote_transform(const pk_model *m, const double *x, double *scratch, double *out,
                              pk_err *err) {
    const vote *V = m->impl;
    double *buf = scratch, *sub = scratch + V->o_sub;
    size_t at = 0;
    for (size_t i = 0; i < V->set.n; i++) {
        const pk_model *s = V->set.m[i];
        pk_method meth = V->labels || s->kind == PK_MODEL_REGRESSOR ? PK_PREDICT : PK_PREDICT_PROBA;
        pk_code rc =
            pk_meta_values(m, s, meth, V->labels ? V->labels[i] : NULL, x, buf, sub, out + at, err);
        if (rc) return rc;
        at += meth == PK_PREDICT_PROBA ? V->k : 1;
    }
    return PK_OK;
}

static pk_code vote_regress(const pk_model *m, const double *x, double *scratch, double *out,
                            pk_err *err) {
    const vote *V = m->impl;
    double *buf = scratch, *sub = scratch + V->o_sub;
    double acc = 0.0;
    for (size_t i = 0; i < V->set.n; i++) {
        const pk_model *s = V->set.m[i];
        pk_code rc = pk_meta_run(m, s, PK_PREDICT, x, sub, buf, err);
        if (rc) return rc;
        double p = V->w ? buf[0] * V->w[i] : buf[0];
        acc = i == 0 ? p : acc + p;
    }
    out[0] = acc / (V->w ? V->wsum : (double)V->set.n);
    return PK_OK;
}

/* The weights of the non-dropped `estimators` entries (NULL when weights is None). */
static pk_code vote_weights(pk_mc *c, vote *V) {
    const pk_value *wv = pk_attr(c->obj, "weights");
    if (!wv || wv->kind == PK_NONE) return PK_OK;
    pk_mc_arr w;
    pk_code rc = pk_mc_array_of(c, wv, "weights", &w);
    if (rc) return rc;
    const pk_value *const *est;
    size_t ne;
    if ((rc = pk_meta_items(c, pk_attr(c->obj, "estimators"), "estimators", &est, &ne)) != PK_OK)
        return rc;
    if (w.ndim > 1 || w.n != ne)
        return pk_mc_fail(c, "%s.weights has %zu values for %zu estimators", c->m->cls, w.n, ne);
    V->w = pk_mc_alloc(c, V->set.n, sizeof(double));
    if (!V->w) return c->err->code;
    size_t kept = 0;
    for (size_t i = 0; i < ne; i++) {
        const pk_value *e = est[i];
        if ((e->kind != PK_TUPLE && e->kind != PK_LIST) || e->u.seq.len != 2)
            return pk_mc_fail(c, "%s.estimators[%zu] is not a (name, estimator) pair", c->m->cls,
                              i);
        const pk_value *ev = e->u.seq.items[1];
        if (ev->kind == PK_STR && strcmp(ev->u.s.ptr, "drop") == 0) continue;
        if (kept == V->set.n) break;
        V->w[kept++] = w.v[i];
    }
    if (kept != V->set.n)
        return pk_mc_fail(c, "%s has %zu kept estimators for %zu fitted ones", c->m->cls, kept,
                          V->set.n);
    V->wsum = pk_np_sum(V->w, V->set.n);
    return PK_OK;
}

static pk_code compile_voting(pk_mc *c) {
    pk_model *m = c->m;
    int clf = c->kind == PK_CAT_CLASSIFIER;
    vote *V = pk_mc_alloc(c, 1, sizeof *V);
    if (!V) return c->err->code;
    const pk_value *const *items;
    size_t n;
    pk_code rc = pk_meta_items(c, pk_attr(c->obj, "estimators_"), "estimators_", &items, &n);
    if (rc) return rc;
    m->nan_ok = 1;
    if ((rc = pk_meta_compile_set(c, items, n, "estimators_", 0, &V->set)) != PK_OK) return rc;
    if ((rc = vote_weights(c, V)) != PK_OK) return rc;
    m->impl = V;
    if (!clf) {
        for (size_t i = 0; i < n; i++)
            if (V->set.m[i]->shape[PK_PREDICT] != PK_OUT_SCALAR)
                return pk_mc_fail(c, "%s.estimators_[%zu] does not predict one value", m->cls, i);
        m->kind = PK_MODEL_REGRESSOR;
        V->o_acc = V->o_sub = V->set.out;
        m->scratch = V->o_sub + V->set.scratch;
        pk_mc_method(c, PK_PREDICT, PK_OUT_SCALAR, 1, vote_regress);
        pk_mc_method(c, PK_TRANSFORM, PK_OUT_ARRAY, n, vote_transform);
        return PK_OK;
    }
    const pk_value *le = pk_attr(c->obj, "le_");
    const pk_value *classes = le ? pk_attr(le, "classes_") : NULL;
    if (!classes) classes = pk_attr(c->obj, "classes_");
    if ((rc = pk_mc_classes(c, classes)) != PK_OK) return rc;
    m->kind = PK_MODEL_CLASSIFIER;
    size_t k = V->k = m->n_classes;
    V->o_acc = V->set.out;
    V->o_sub = V->o_acc + k;
    m->scratch = V->o_sub + V->set.scratch;
    const char *voting = pk_mc_str(c, "voting");
    int soft = voting && strcmp(voting, "soft") == 0;
    if (!soft && voting && strcmp(voting, "hard") != 0)
        return pk_mc_fail(c, "%s: unknown voting '%.20s'", m->cls, voting);
    if (soft) {
        for (size_t i = 0; i < n; i++) {
            const pk_model *s = V->set.m[i];
            if (!pk_meta_has(s, PK_PREDICT_PROBA))
                return pk_mc_fail(c,
                                  "%s(voting='soft').estimators_[%zu] (%s) has no "
                                  "predict_proba%s%s",
                                  m->cls, i, s->cls, s->why_not[PK_PREDICT_PROBA] ? ": " : "",
                                  s->why_not[PK_PREDICT_PROBA] ? s->why_not[PK_PREDICT_PROBA] : "");
            if (s->width[PK_PREDICT_PROBA] != k)
                return pk_mc_fail(c,
                                  "%s.estimators_[%zu] gives %zu probabilities for %zu "
                                  "classes",
                                  m->cls, i, s->width[PK_PREDICT_PROBA], k);
        }
        pk_mc_method(c, PK_PREDICT, PK_OUT_LABEL, 1, vote_soft_label);
        pk_mc_method(c, PK_PREDICT_PROBA, PK_OUT_ARRAY, k, vote_proba);
        if (pk_mc_bool(c, "flatten_transform", 1))
            pk_mc_method(c, PK_TRANSFORM, PK_OUT_ARRAY, n * k, vote_transform);
        else
            m->why_not[PK_TRANSFORM] = "flatten_transform=False gives a 3-D array";
        return PK_OK;
    }
    V->labels = pk_mc_alloc(c, n, sizeof *V->labels);
    if (!V->labels) return c->err->code;
    for (size_t i = 0; i < n; i++) {
        char what[64];
        snprintf(what, sizeof what, "estimators_[%zu]", i);
        const pk_model *s = V->set.m[i];
        if (s->shape[PK_PREDICT] != PK_OUT_LABEL)
            return pk_mc_fail(c, "%s.%s does not predict a class", m->cls, what);
        if ((rc = pk_meta_label_values(c, s, what, &V->labels[i])) != PK_OK) return rc;
        for (size_t j = 0; j < s->n_classes; j++) {
            double v = V->labels[i][j];
            if (!(v >= 0 && v < (double)k && v == (double)(size_t)v))
                return pk_mc_fail(c, "%s.%s has a class outside the encoded labels 0..%zu", m->cls,
                                  what, k - 1);
        }
    }
    m->why_not[PK_PREDICT_PROBA] = "predict_proba is not available when voting='hard'";
    pk_mc_method(c, PK_PREDICT, PK_OUT_LABEL, 1, vote_hard_label);
    pk_mc_method(c, PK_TRANSFORM, PK_OUT_ARRAY, n, vote_transform);
    return PK_OK;
}

pk_code pk_compile_voting(pk_mc *c) {
    pk_code rc = compile_voting(c);
    if (rc) return rc;
    const vote *V = c->m->impl;
    return pk_meta_typed(c, (const pk_model *const *)V->set.m, V->set.n);
}
