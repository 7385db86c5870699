/*
 * pk_meta.c - the helpers meta-estimators share (pk_meta.h) and the search estimators:
 * GridSearchCV, RandomizedSearchCV, HalvingGridSearchCV and HalvingRandomSearchCV score through
 * best_estimator_, which exists when they were fitted with refit set (a search fitted with
 * refit=False is refused with that reason). The search model is its best estimator: same
 * methods, classes and kind, each kernel a call to the best estimator's.
 */
#include "pk_meta.h"

#include "pk_ndarray.h"

#include <stdio.h>
#include <string.h>

pk_code pk_meta_items(pk_mc *c, const pk_value *v, const char *attr, const pk_value *const **items,
                      size_t *n) {
    if (!v || v->kind == PK_NONE) return pk_mc_not_fitted(c, attr);
    if (v->kind == PK_LIST || v->kind == PK_TUPLE) {
        *items = (const pk_value *const *)v->u.seq.items;
        *n = v->u.seq.len;
    } else if (v->kind == PK_NDARRAY && v->u.arr->objects && v->u.arr->complete) {
        const pk_ndarray *a = v->u.arr;
        size_t k = pk_ndarray_size(a);
        if (a->obj_base > a->nobjects || a->nobjects - a->obj_base < k)
            return pk_mc_fail(c, "%s.%s is a malformed object array", c->m->cls, attr);
        *items = (const pk_value *const *)a->objects + a->obj_base;
        *n = k;
    } else {
        return pk_mc_fail(c, "%s.%s is not a list of estimators", c->m->cls, attr);
    }
    if (*n == 0) return pk_mc_fail(c, "%s.%s is empty", c->m->cls, attr);
    return PK_OK;
}

pk_model *pk_meta_sub(pk_mc *c, const pk_value *obj, const char *what) {
    pk_model *s = pk_mc_submodel(c, obj);
    if (!s && c->err->code != PK_OK) {
        char msg[PK_ERR_MSG_MAX];
        pk_code code = c->err->code;
        snprintf(msg, sizeof msg, "%s", c->err->msg);
        pk_err_clear(c->err);
        pk_err_set(c->err, code, -1, -1, "%s.%s: %s", c->m->cls, what, msg);
    }
    return s;
}

pk_code pk_meta_compile_set(pk_mc *c, const pk_value *const *items, size_t n, const char *attr,
                            size_t nfeat, pk_meta_set *set) {
    pk_model *m = c->m;
    set->n = n;
    set->m = pk_mc_alloc(c, n, sizeof *set->m);
    if (!set->m) return c->err->code;
    for (size_t i = 0; i < n; i++) {
        char what[96];
        snprintf(what, sizeof what, "%s[%zu]", attr, i);
        pk_model *s = pk_meta_sub(c, items[i], what);
        if (!s) return c->err->code;
        size_t want = nfeat ? nfeat : m->n_features;
        if (!want && !nfeat) want = m->n_features = s->n_features;
        if (s->n_features != want && !s->any_width)
            return pk_mc_fail(c, "%s.%s takes %zu features, not %zu", m->cls, what, s->n_features,
                              want);
        if (!s->nan_ok) m->nan_ok = 0;
        size_t sc = pk_model_scratch_len(s), ol = pk_model_out_len(s);
        if (sc > set->scratch) set->scratch = sc;
        if (ol > set->out) set->out = ol;
        set->m[i] = s;
    }
    return PK_OK;
}

int pk_meta_has(const pk_model *s, pk_method meth) {
    return s->shape[meth] != PK_OUT_NONE &&
           (s->col_kind ? s->cfn[meth] != NULL : s->fn[meth] != NULL) &&
           !(s->not_python & (1u << meth));
}

static pk_code through(const pk_model *m, pk_method meth, const pk_cell *row, double *scratch,
                       double *out, pk_err *err) {
    pk_meta_row r = {row, scratch + (m->scratch - m->n_features), m, NULL};
    if (m->text_ws) { /* the workspace slot first, handed to the members that read text */
        r.ws = pk_scratch_ws(scratch);
        scratch += PK_WS_DOUBLES;
    }
    return m->tfn[meth](m, (const double *)(const void *)&r, scratch, out, err);
}
static pk_code through_predict(const pk_model *m, const pk_cell *x, double *s, double *o,
                               pk_err *e) {
    return through(m, PK_PREDICT, x, s, o, e);
}
static pk_code through_proba(const pk_model *m, const pk_cell *x, double *s, double *o, pk_err *e) {
    return through(m, PK_PREDICT_PROBA, x, s, o, e);
}
static pk_code through_transform(const pk_model *m, const pk_cell *x, double *s, double *o,
                                 pk_err *e) {
    return through(m, PK_TRANSFORM, x, s, o, e);
}
static pk_code through_decision(const pk_model *m, const pk_cell *x, double *s, double *o,
                                pk_err *e) {
    return through(m, PK_DECISION, x, s, o, e);
}
static pk_code through_log_proba(const pk_model *m, const pk_cell *x, double *s, double *o,
                                 pk_err *e) {
    return through(m, PK_PREDICT_LOG_PROBA, x, s, o, e);
}
static pk_code through_score(const pk_model *m, const pk_cell *x, double *s, double *o, pk_err *e) {
    return through(m, PK_SCORE_SAMPLES, x, s, o, e);
}

pk_code pk_meta_typed(pk_mc *c, const pk_model *const *members, size_t n) {
    pk_model *m = c->m;
    int any = 0;
    for (size_t i = 0; i < n; i++)
        if (members[i] && members[i]->col_kind) any = 1;
    if (!any) return PK_OK;
    for (size_t i = 0; i < n && !m->n_features; i++)
        if (members[i] && members[i]->col_kind) m->n_features = members[i]->n_features;
    m->col_kind = pk_mc_alloc(c, m->n_features ? m->n_features : 1, 1);
    if (!m->col_kind) return c->err->code;
    memset(m->col_kind, PK_COL_NUM, m->n_features);
    for (size_t i = 0; i < n; i++) {
        const pk_model *s = members[i];
        if (!s || !s->col_kind) continue;
        if (s->n_features != m->n_features)
            return pk_mc_fail(c, "%s: a member (%s) takes %zu typed columns, not %zu", m->cls,
                              s->cls, s->n_features, m->n_features);
        for (size_t j = 0; j < m->n_features; j++)
            if (s->col_kind[j] > m->col_kind[j]) m->col_kind[j] = s->col_kind[j];
        if (s->text_ws) m->text_ws = 1;
    }
    static const pk_model_cell_fn cfns[PK_METHOD_COUNT] = {through_predict,   through_proba,
                                                           through_transform, through_decision,
                                                           through_log_proba, through_score};
    for (int k = 0; k < PK_METHOD_COUNT; k++) {
        m->tfn[k] = m->fn[k];
        m->cfn[k] = m->fn[k] ? cfns[k] : NULL;
        m->fn[k] = NULL;
    }
    m->scratch += m->n_features + (m->text_ws ? PK_WS_DOUBLES : 0);
    return PK_OK;
}

pk_code pk_meta_run(const pk_model *m, const pk_model *s, pk_method meth, const double *x,
                    double *scratch, double *out, pk_err *err) {
    if (!m->col_kind) return s->fn[meth](s, x, scratch, out, err);
    const pk_meta_row *r = (const pk_meta_row *)(const void *)x;
    if (s->text_ws) pk_scratch_set_ws(scratch, r->ws);
    return pk_model_step(s, meth, r->cells, r->xbuf, scratch, out,
                         s->n_features == m->n_features ? r->names : NULL, NULL, err);
}

pk_code pk_meta_numeric(pk_mc *c, const pk_model *s, const char *what) {
    if (!s || !s->col_kind) return PK_OK;
    return pk_mc_fail(c,
                      "%s.%s (%s) takes typed inputs (text or categories); %s runs it on numbers "
                      "only",
                      c->m->cls, what, s->cls, c->m->cls);
}

pk_code pk_meta_label_values(pk_mc *c, const pk_model *s, const char *what, const double **vals) {
    if (s->n_classes == 0) return pk_mc_fail(c, "%s.%s has no classes_", c->m->cls, what);
    if (s->label_type == PK_LABELS_STR)
        return pk_mc_fail(c, "%s.%s predicts text labels where numbers are needed", c->m->cls,
                          what);
    double *v = pk_mc_alloc(c, s->n_classes, sizeof *v);
    if (!v) return c->err->code;
    for (size_t i = 0; i < s->n_classes; i++)
        v[i] = s->label_type == PK_LABELS_FLOAT ? s->class_f[i] : (double)s->class_i[i];
    *vals = v;
    return PK_OK;
}

static int label_eq(const pk_model *a, size_t i, const pk_model *b, size_t j) {
    if ((a->label_type == PK_LABELS_STR) != (b->label_type == PK_LABELS_STR)) return 0;
    if (a->label_type == PK_LABELS_STR) return strcmp(a->class_s[i], b->class_s[j]) == 0;
    double x = a->label_type == PK_LABELS_FLOAT ? a->class_f[i] : (double)a->class_i[i];
    double y = b->label_type == PK_LABELS_FLOAT ? b->class_f[j] : (double)b->class_i[j];
    return x == y;
}

pk_code pk_meta_class_map(pk_mc *c, const pk_model *s, const char *what, size_t **map) {
    const pk_model *m = c->m;
    if (s->n_classes == 0) return pk_mc_fail(c, "%s.%s has no classes_", m->cls, what);
    size_t *mp = pk_mc_alloc(c, s->n_classes, sizeof *mp);
    if (!mp) return c->err->code;
    for (size_t j = 0; j < s->n_classes; j++) {
        size_t k = 0;
        while (k < m->n_classes && !label_eq(s, j, m, k))
            k++;
        if (k == m->n_classes)
            return pk_mc_fail(c, "%s.%s has a class that %s.classes_ does not list", m->cls, what,
                              m->cls);
        mp[j] = k;
    }
    *map = mp;
    return PK_OK;
}

static int is_class(const pk_value *obj, const char *module, const char *name) {
    return obj && obj->kind == PK_OBJECT && obj->u.o.cls && obj->u.o.cls->kind == PK_GLOBAL &&
           strcmp(obj->u.o.cls->u.g.module, module) == 0 &&
           strcmp(obj->u.o.cls->u.g.name, name) == 0;
}

pk_code pk_meta_bin_init(pk_mc *c, const pk_value *obj, const char *what, pk_meta_bin *b) {
    memset(b, 0, sizeof *b);
    if (is_class(obj, "sklearn.multiclass", "_ConstantPredictor")) {
        const pk_value *y = pk_attr(obj, "y_");
        pk_mc_arr a;
        char w[320];
        snprintf(w, sizeof w, "%.127s.%.160s.y_", c->m->cls, what);
        pk_code rc = pk_mc_array_of(c, y, w, &a);
        if (rc) return rc;
        if (a.n != 1) return pk_mc_fail(c, "%s is not one value", w);
        b->constant = a.v[0];
        b->decision = 1; /* _ConstantPredictor has decision_function but is no classifier */
        return PK_OK;
    }
    const pk_model *s = pk_meta_sub(c, obj, what);
    if (!s) return c->err->code;
    /* a wrapper built inside another estimator (GaussianProcessClassifier's OneVsRest) has no
     * n_features_in_: its estimators' count is the count */
    if (!c->m->n_features && !s->any_width) c->m->n_features = s->n_features;
    if (s->n_features != c->m->n_features && !s->any_width)
        return pk_mc_fail(c, "%s.%s takes %zu features, not %zu", c->m->cls, what, s->n_features,
                          c->m->n_features);
    if (!s->nan_ok) c->m->nan_ok = 0;
    b->s = s;
    b->clf = s->kind == PK_MODEL_CLASSIFIER;
    b->decision = pk_meta_has(s, PK_DECISION);
    if (s->kind == PK_MODEL_REGRESSOR) {
        b->meth = PK_PREDICT;
        if (s->shape[PK_PREDICT] != PK_OUT_SCALAR)
            return pk_mc_fail(c, "%s.%s predicts several values", c->m->cls, what);
    } else if (b->decision) {
        b->meth = PK_DECISION;
        if (s->width[PK_DECISION] != 1)
            return pk_mc_fail(c, "%s.%s is not a binary classifier (%zu decision values)",
                              c->m->cls, what, s->width[PK_DECISION]);
    } else if (pk_meta_has(s, PK_PREDICT_PROBA)) {
        b->meth = PK_PREDICT_PROBA;
        b->col = 1;
        if (s->width[PK_PREDICT_PROBA] < 2)
            return pk_mc_fail(c, "%s.%s has one probability column", c->m->cls, what);
    } else {
        const char *why =
            s->why_not[PK_DECISION] ? s->why_not[PK_DECISION] : s->why_not[PK_PREDICT_PROBA];
        return pk_mc_fail(c, "%s.%s (%s) has neither decision_function nor predict_proba%s%s",
                          c->m->cls, what, s->cls, why ? ": " : "", why ? why : "");
    }
    return PK_OK;
}

pk_code pk_meta_bin_run(const pk_model *m, const pk_meta_bin *b, const double *x, double *buf,
                        double *scratch, double *v, pk_err *err) {
    if (!b->s) {
        *v = b->constant;
        return PK_OK;
    }
    pk_code rc = pk_meta_run(m, b->s, b->meth, x, scratch, buf, err);
    if (rc == PK_OK) *v = buf[b->col];
    return rc;
}

pk_code pk_meta_values(const pk_model *m, const pk_model *s, pk_method meth, const double *labels,
                       const double *x, double *buf, double *scratch, double *out, pk_err *err) {
    pk_code rc = pk_meta_run(m, s, meth, x, scratch, buf, err);
    if (rc) return rc;
    if (s->shape[meth] == PK_OUT_LABEL)
        out[0] = labels[(size_t)buf[0]];
    else
        memcpy(out, buf, (s->shape[meth] == PK_OUT_ARRAY ? s->width[meth] : 1) * sizeof(double));
    return PK_OK;
}

/* ---- GridSearchCV and the other searches ---------------------------------------------------- */

static pk_code best_run(const pk_model *m, pk_method meth, const double *x, double *scratch,
                        double *out, pk_err *err) {
    const pk_model *s = m->impl;
    return pk_meta_run(m, s, meth, x, scratch, out, err);
}
static pk_code best_predict(const pk_model *m, const double *x, double *s, double *o, pk_err *e) {
    return best_run(m, PK_PREDICT, x, s, o, e);
}
static pk_code best_proba(const pk_model *m, const double *x, double *s, double *o, pk_err *e) {
    return best_run(m, PK_PREDICT_PROBA, x, s, o, e);
}
static pk_code best_transform(const pk_model *m, const double *x, double *s, double *o, pk_err *e) {
    return best_run(m, PK_TRANSFORM, x, s, o, e);
}
static pk_code best_decision(const pk_model *m, const double *x, double *s, double *o, pk_err *e) {
    return best_run(m, PK_DECISION, x, s, o, e);
}
static pk_code best_log_proba(const pk_model *m, const double *x, double *s, double *o, pk_err *e) {
    return best_run(m, PK_PREDICT_LOG_PROBA, x, s, o, e);
}
static pk_code best_score(const pk_model *m, const double *x, double *s, double *o, pk_err *e) {
    return best_run(m, PK_SCORE_SAMPLES, x, s, o, e);
}

pk_code pk_compile_search(pk_mc *c) {
    pk_model *m = c->m;
    const pk_value *best = pk_attr(c->obj, "best_estimator_");
    if (!best || best->kind == PK_NONE) {
        const pk_value *refit = pk_attr(c->obj, "refit");
        if (refit && refit->kind == PK_BOOL && !refit->u.b)
            return pk_mc_fail(c,
                              "%s was fitted with refit=False: it kept no best_estimator_ to "
                              "score with (refit the search, or store search.best_params_ in "
                              "an estimator fitted on the data)",
                              m->cls);
        return pk_mc_not_fitted(c, "best_estimator_");
    }
    pk_model *s = pk_meta_sub(c, best, "best_estimator_");
    if (!s) return c->err->code;
    if (m->n_features && s->n_features != m->n_features && !s->any_width)
        return pk_mc_fail(c, "%s.best_estimator_ takes %zu features, the search %zu", m->cls,
                          s->n_features, m->n_features);
    m->n_features = s->n_features;
    if (!m->feature_names) m->feature_names = s->feature_names;
    m->kind = s->kind;
    m->label_type = s->label_type;
    m->n_classes = s->n_classes;
    m->class_i = s->class_i;
    m->class_f = s->class_f;
    m->class_s = s->class_s;
    m->nan_ok = s->nan_ok;
    m->any_width = s->any_width;
    m->not_python = s->not_python;
    m->proba_groups = s->proba_groups;
    m->proba_group = s->proba_group;
    m->scratch = pk_model_scratch_len(s);
    m->impl = s;
    static const pk_model_fn fns[PK_METHOD_COUNT] = {best_predict,  best_proba,     best_transform,
                                                     best_decision, best_log_proba, best_score};
    for (int k = 0; k < PK_METHOD_COUNT; k++) {
        m->why_not[k] = s->why_not[k];
        if (s->shape[k] != PK_OUT_NONE && (s->col_kind ? s->cfn[k] != NULL : s->fn[k] != NULL))
            pk_mc_method(c, (pk_method)k, s->shape[k], s->width[k], fns[k]);
    }
    const pk_model *one = s;
    return pk_meta_typed(c, &one, 1);
}
