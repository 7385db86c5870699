/*
 * pk_stacking.c - StackingClassifier and StackingRegressor over any scorable estimators.
 *
 * transform (scikit-learn 1.2.1's _concatenate_predictions): each member of estimators_ runs its
 * stack_method_ entry (predict, predict_proba or decision_function, as fitted: 'auto' was
 * resolved at fit time) and the outputs are placed side by side; a member's predicted class is
 * its number (members of a classifier were fitted on the label-encoded target); a member's
 * predict_proba loses its first column when the stacking classifier has two classes; with
 * passthrough the row itself follows. predict, predict_proba and decision_function are the
 * final_estimator_'s on that row; the classifier's predict maps the final estimator's encoded
 * class back through classes_.
 */
#include "pk_meta.h"

#include <stdio.h>
#include <string.h>

typedef struct stack_member {
    const pk_model *s;
    pk_method meth;
    const double *labels; /* predict: the member's classes as numbers */
    size_t skip;          /* leading columns dropped (binary predict_proba)   */
    size_t width;         /* columns it adds                                  */
} stack_member;

typedef struct stack {
    size_t n;
    stack_member *mem;
    const pk_model *fin;
    const double *fin_labels; /* classifier: the final estimator's classes (encoded)       */
    int passthrough;
    size_t width;        /* the final estimator's input width                            */
    size_t o_buf, o_sub; /* scratch: row[width] | buf[out] | sub scratch                  */
} stack;

static pk_code stack_row(const pk_model *m, const double *x, double *scratch, pk_err *err) {
    const stack *S = m->impl;
    double *row = scratch, *buf = scratch + S->o_buf, *sub = scratch + S->o_sub;
    size_t at = 0;
    for (size_t i = 0; i < S->n; i++) {
        const stack_member *e = &S->mem[i];
        pk_code rc = pk_meta_run(m, e->s, e->meth, x, sub, buf, err);
        if (rc) return rc;
        if (e->labels)
            row[at] = e->labels[(size_t)buf[0]];
        else
            memcpy(row + at, buf + e->skip, e->width * sizeof(double));
        at += e->width;
    }
    if (S->passthrough) memcpy(row + at, x, m->n_features * sizeof(double));
    return pk_model_check_input(S->fin, row, NULL, err);
}

static pk_code stack_transform(const pk_model *m, const double *x, double *scratch, double *out,
                               pk_err *err) {
    const stack *S = m->impl;
    pk_code rc = stack_row(m, x, scratch, err);
    if (rc == PK_OK) memcpy(out, scratch, S->width * sizeof(double));
    return rc;
}

static pk_code stack_final(const pk_model *m, pk_method meth, const double *x, double *scratch,
                           double *out, pk_err *err) {
    const stack *S = m->impl;
    pk_code rc = stack_row(m, x, scratch, err);
    if (rc) return rc;
    rc = S->fin->fn[meth](S->fin, scratch, scratch + S->o_sub, out, err);
    if (rc == PK_OK && meth == PK_PREDICT && S->fin_labels) out[0] = S->fin_labels[(size_t)out[0]];
    return rc;
}

static pk_code stack_predict(const pk_model *m, const double *x, double *s, double *o, pk_err *e) {
    return stack_final(m, PK_PREDICT, x, s, o, e);
}
static pk_code stack_proba(const pk_model *m, const double *x, double *s, double *o, pk_err *e) {
    return stack_final(m, PK_PREDICT_PROBA, x, s, o, e);
}
static pk_code stack_decision(const pk_model *m, const double *x, double *s, double *o, pk_err *e) {
    return stack_final(m, PK_DECISION, x, s, o, e);
}

static pk_code stack_method(pk_mc *c, const pk_value *v, size_t i, pk_method *out) {
    static const struct {
        const char *name;
        pk_method meth;
    } names[] = {{"predict", PK_PREDICT},
                 {"predict_proba", PK_PREDICT_PROBA},
                 {"decision_function", PK_DECISION}};
    if (v && v->kind == PK_STR)
        for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
            if (strcmp(v->u.s.ptr, names[k].name) == 0) {
                *out = names[k].meth;
                return PK_OK;
            }
    return pk_mc_fail(c,
                      "%s.stack_method_[%zu] is not predict, predict_proba or "
                      "decision_function",
                      c->m->cls, i);
}

static pk_code stack_members(pk_mc *c, stack *S, const pk_meta_set *set, int clf) {
    pk_model *m = c->m;
    const pk_value *const *meths;
    size_t nm;
    pk_code rc = pk_meta_items(c, pk_attr(c->obj, "stack_method_"), "stack_method_", &meths, &nm);
    if (rc) return rc;
    if (nm != set->n)
        return pk_mc_fail(c, "%s has %zu stack_method_ entries for %zu estimators_", m->cls, nm,
                          set->n);
    S->mem = pk_mc_alloc(c, set->n, sizeof *S->mem);
    if (!S->mem) return c->err->code;
    S->n = set->n;
    for (size_t i = 0; i < set->n; i++) {
        stack_member *e = &S->mem[i];
        char what[64];
        snprintf(what, sizeof what, "estimators_[%zu]", i);
        e->s = set->m[i];
        if ((rc = stack_method(c, meths[i], i, &e->meth)) != PK_OK) return rc;
        if (!pk_meta_has(e->s, e->meth)) {
            const char *why = e->s->why_not[e->meth];
            return pk_mc_fail(c, "%s.%s (%s) has no %s%s%s", m->cls, what, e->s->cls,
                              pk_method_name(e->meth), why ? ": " : "", why ? why : "");
        }
        pk_out_shape sh = e->s->shape[e->meth];
        if (sh == PK_OUT_LABEL) {
            if ((rc = pk_meta_label_values(c, e->s, what, &e->labels)) != PK_OK) return rc;
            e->width = 1;
        } else if (sh == PK_OUT_ARRAY) {
            e->width = e->s->width[e->meth];
            if (clf && e->meth == PK_PREDICT_PROBA && m->n_classes == 2 && e->width == 2)
                e->skip = 1, e->width = 1;
        } else {
            e->width = 1;
        }
        S->width += e->width;
    }
    return PK_OK;
}

static pk_code compile_stacking(pk_mc *c) {
    pk_model *m = c->m;
    int clf = c->kind == PK_CAT_CLASSIFIER;
    stack *S = pk_mc_alloc(c, 1, sizeof *S);
    if (!S) return c->err->code;
    const pk_value *const *items;
    size_t n;
    pk_code rc = pk_meta_items(c, pk_attr(c->obj, "estimators_"), "estimators_", &items, &n);
    if (rc) return rc;
    m->nan_ok = 1;
    pk_meta_set set = {0};
    if ((rc = pk_meta_compile_set(c, items, n, "estimators_", 0, &set)) != PK_OK) return rc;
    if (clf) {
        const pk_value *le = pk_attr(c->obj, "_label_encoder");
        if (le && (le->kind == PK_LIST || le->kind == PK_TUPLE))
            return pk_mc_fail(c,
                              "%s was fitted on a multilabel target: its predict_proba is a "
                              "list of arrays, which SQL scoring does not produce",
                              m->cls);
        if ((rc = pk_mc_classes(c, pk_attr(c->obj, "classes_"))) != PK_OK) return rc;
        m->kind = PK_MODEL_CLASSIFIER;
    } else {
        m->kind = PK_MODEL_REGRESSOR;
    }
    if ((rc = stack_members(c, S, &set, clf)) != PK_OK) return rc;
    S->passthrough = pk_mc_bool(c, "passthrough", 0);
    if (S->passthrough) S->width += m->n_features;
    const pk_value *fv = pk_attr(c->obj, "final_estimator_");
    if (!fv || fv->kind == PK_NONE) return pk_mc_not_fitted(c, "final_estimator_");
    pk_model *fin = pk_meta_sub(c, fv, "final_estimator_");
    if (!fin) return c->err->code;
    if ((rc = pk_meta_numeric(c, fin, "final_estimator_")) != PK_OK) return rc;
    if (fin->n_features != S->width && !fin->any_width)
        return pk_mc_fail(c, "%s.final_estimator_ takes %zu features, the stacked row has %zu",
                          m->cls, fin->n_features, S->width);
    S->fin = fin;
    size_t sc = set.scratch, ol = set.out;
    if (pk_model_scratch_len(fin) > sc) sc = pk_model_scratch_len(fin);
    if (pk_model_out_len(fin) > ol) ol = pk_model_out_len(fin);
    S->o_buf = S->width;
    S->o_sub = S->o_buf + ol;
    m->scratch = S->o_sub + sc;
    m->impl = S;
    pk_mc_method(c, PK_TRANSFORM, PK_OUT_ARRAY, S->width, stack_transform);
    if (!clf) {
        if (fin->shape[PK_PREDICT] == PK_OUT_NONE)
            return pk_mc_fail(c, "%s.final_estimator_ (%s) cannot predict", m->cls, fin->cls);
        pk_mc_method(c, PK_PREDICT, fin->shape[PK_PREDICT], fin->width[PK_PREDICT], stack_predict);
        return PK_OK;
    }
    if (fin->shape[PK_PREDICT] != PK_OUT_LABEL)
        return pk_mc_fail(c, "%s.final_estimator_ (%s) does not predict a class", m->cls, fin->cls);
    if ((rc = pk_meta_label_values(c, fin, "final_estimator_", &S->fin_labels)) != PK_OK) return rc;
    for (size_t j = 0; j < fin->n_classes; j++) {
        double v = S->fin_labels[j];
        if (!(v >= 0 && v < (double)m->n_classes && v == (double)(size_t)v))
            return pk_mc_fail(c, "%s.final_estimator_ has a class outside the encoded labels",
                              m->cls);
    }
    pk_mc_method(c, PK_PREDICT, PK_OUT_LABEL, 1, stack_predict);
    if (pk_meta_has(fin, PK_PREDICT_PROBA))
        pk_mc_method(c, PK_PREDICT_PROBA, PK_OUT_ARRAY, fin->width[PK_PREDICT_PROBA], stack_proba);
    else
        m->why_not[PK_PREDICT_PROBA] = fin->why_not[PK_PREDICT_PROBA];
    if (pk_meta_has(fin, PK_DECISION))
        pk_mc_method(c, PK_DECISION, fin->shape[PK_DECISION], fin->width[PK_DECISION],
                     stack_decision);
    else
        m->why_not[PK_DECISION] = fin->why_not[PK_DECISION];
    return PK_OK;
}

/* Typed estimators_ get the typed row (passthrough would hand it on to the final estimator:
 * refused, as scikit-learn cannot stack text columns with the predictions either). */
pk_code pk_compile_stacking(pk_mc *c) {
    pk_code rc = compile_stacking(c);
    if (rc) return rc;
    const stack *S = c->m->impl;
    const pk_model **mem = pk_mc_alloc(c, S->n, sizeof *mem);
    if (!mem) return c->err->code;
    for (size_t i = 0; i < S->n; i++) {
        mem[i] = S->mem[i].s;
        if (S->passthrough && mem[i]->col_kind)
            return pk_mc_fail(c,
                              "%s.estimators_[%zu] (%s) takes typed inputs (text or categories): "
                              "passthrough=True cannot hand them to the final estimator",
                              c->m->cls, i, mem[i]->cls);
    }
    return pk_meta_typed(c, mem, S->n);
}
