/*
 * pk_label.c - LabelEncoder and LabelBinarizer of sklearn.preprocessing pickled on their own:
 * one input (a label: TEXT or a number, compared with classes_ as pk_cats_find compares
 * categories) and the inverse (pk_model.inverse, SQL model_inverse_transform).
 *
 * LabelEncoder.transform: the label's index in classes_ (an INTEGER in SQL, PK_OUT_CLUSTER); an
 * unseen label is an error, as scikit-learn's "y contains previously unseen labels".
 * inverse: an integer code 0 <= code < len(classes_) gives that class.
 *
 * LabelBinarizer.transform (label_binarize, dense): for y_type_ 'binary' one value, pos_label
 * when the label is classes_[1] else neg_label; for 'multiclass' one value per class, pos_label
 * at the label's class and neg_label elsewhere (an unseen label gives neg_label everywhere, as
 * label_binarize does); a single class gives neg_label. inverse: the first maximal value's class
 * (multiclass), or classes_[1] when the value exceeds (pos_label + neg_label) / 2 (binary).
 * 'multilabel-indicator' binarizers and pos_label = 0 are refused at compile time.
 *
 * MultiLabelBinarizer.transform (one sample: a JSON array of labels, PK_COL_JSON): 1 at each
 * label's class and 0 elsewhere, labels found as a Python dict finds them in
 * dict(zip(classes_, ...)) (classes_ in its own order, not necessarily sorted): strings by equal
 * bytes, numbers by value (true is 1), null only a None class; a label that is no class is
 * ignored (scikit-learn warns "unknown class(es) ... will be ignored"); an array or object as a
 * label is an error (unhashable in Python). inverse (pk_model.inverse_set): a row of
 * len(classes_) values each 0 or 1 gives the classes at its 1s, in classes_ order; any other
 * value is an error, as scikit-learn's "Expected only 0s and 1s in label indicator".
 */
#include "pk_cats.h"
#include "pk_features.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct pk_lab {
    pk_cats cats;
    int binary;
    double pos, neg;
} pk_lab;

static pk_code read_labels(pk_mc *c, pk_lab *L, pk_col_kind kind) {
    pk_model *m = c->m;
    const pk_value *cv = pk_attr(c->obj, "classes_");
    if (!cv || cv->kind == PK_NONE) return pk_mc_not_fitted(c, "classes_");
    pk_code rc = pk_cats_read(c, cv, "classes_", &L->cats);
    if (rc) return rc;
    rc = pk_mc_classes(c, cv);
    if (rc) return rc;
    if (m->n_features && m->n_features != 1)
        return pk_mc_fail(c, "%s.n_features_in_ is %zu, expected one label", m->cls, m->n_features);
    m->n_features = 1;
    m->kind = PK_MODEL_TRANSFORMER;
    m->impl = L;
    m->nan_ok = 1;
    return pk_mc_col_kinds(c, kind);
}

/* A label model's labels read for `kind` inputs; NULL with c->err set. */
static pk_lab *labels_for(pk_mc *c, pk_col_kind kind) {
    pk_lab *L = pk_mc_alloc(c, 1, sizeof *L);
    return L && read_labels(c, L, kind) == PK_OK ? L : NULL;
}

static pk_code unseen(const pk_model *m, const pk_lab *L, const pk_cell *cell, pk_err *err) {
    char val[64], list[200];
    pk_cell_show(cell, val, sizeof val);
    pk_cats_list(&L->cats, list, sizeof list);
    return pk_err_set(err, PK_EFEATURE, -1, -1, "%s: %s is not a known label (classes_: %s)",
                      m->cls, val, list);
}

static pk_code bad_code(const pk_model *m, const char *what, pk_err *err) {
    return pk_err_set(err, PK_EFEATURE, -1, -1, "%s: %s", m->cls, what);
}

/* ---- LabelEncoder -------------------------------------------------------------------------- */

static pk_code le_transform(const pk_model *m, const pk_cell *row, double *scratch, double *out,
                            pk_err *err) {
    (void)scratch;
    const pk_lab *L = m->impl;
    long idx = pk_cats_find(&L->cats, &row[0]);
    if (idx < 0) return unseen(m, L, &row[0], err);
    out[0] = (double)idx;
    return PK_OK;
}

static pk_code le_inverse(const pk_model *m, const double *y, size_t n, size_t *cls, pk_err *err) {
    if (n != 1) return bad_code(m, "the inverse takes one code", err);
    if (!(y[0] >= 0 && y[0] < (double)m->n_classes) || y[0] != floor(y[0])) {
        char msg[120];
        snprintf(msg, sizeof msg, "%.17g is not a code (0 to %zu)", y[0], m->n_classes - 1);
        return bad_code(m, msg, err);
    }
    *cls = (size_t)y[0];
    return PK_OK;
}

pk_code pk_compile_label_encoder(pk_mc *c) {
    pk_lab *L = labels_for(c, PK_COL_CAT);
    if (!L) return c->err->code;
    pk_mc_cell_method(c, PK_TRANSFORM, PK_OUT_CLUSTER, 1, le_transform);
    c->m->inverse = le_inverse;
    c->m->inverse_width = 1;
    return PK_OK;
}

/* ---- LabelBinarizer ------------------------------------------------------------------------ */

static pk_code lb_transform(const pk_model *m, const pk_cell *row, double *scratch, double *out,
                            pk_err *err) {
    (void)scratch;
    (void)err;
    const pk_lab *L = m->impl;
    long idx = pk_cats_find(&L->cats, &row[0]);
    if (L->binary) {
        out[0] = idx == 1 ? L->pos : L->neg;
        return PK_OK;
    }
    size_t w = m->width[PK_TRANSFORM];
    for (size_t k = 0; k < w; k++)
        out[k] = (long)k == idx && m->n_classes > 1 ? L->pos : L->neg;
    return PK_OK;
}

static pk_code lb_inverse(const pk_model *m, const double *y, size_t n, size_t *cls, pk_err *err) {
    const pk_lab *L = m->impl;
    if (n != m->width[PK_TRANSFORM]) {
        char msg[80];
        snprintf(msg, sizeof msg, "the inverse takes %zu values, got %zu", m->width[PK_TRANSFORM],
                 n);
        return bad_code(m, msg, err);
    }
    for (size_t k = 0; k < n; k++)
        if (isnan(y[k])) return bad_code(m, "the inverse takes numbers, not NULL", err);
    if (L->binary) {
        *cls = y[0] > (L->pos + L->neg) / 2.0 ? 1 : 0;
        return PK_OK;
    }
    size_t best = 0;
    for (size_t k = 1; k < n; k++)
        if (y[k] > y[best]) best = k;
    *cls = m->n_classes == 1 ? 0 : best;
    return PK_OK;
}

pk_code pk_compile_label_binarizer(pk_mc *c) {
    pk_model *m = c->m;
    pk_lab *L = labels_for(c, PK_COL_CAT);
    if (!L) return c->err->code;
    const char *yt = pk_mc_str(c, "y_type_");
    if (!yt) return pk_mc_not_fitted(c, "y_type_");
    if (strcmp(yt, "binary") != 0 && strcmp(yt, "multiclass") != 0)
        return pk_mc_fail(c, "LabelBinarizer for y_type_ '%s' is not supported", yt);
    pk_code rc = pk_mc_num(c, "pos_label", 1, &L->pos);
    if (!rc) rc = pk_mc_num(c, "neg_label", 0, &L->neg);
    if (rc) return rc;
    if (L->pos == 0) return pk_mc_fail(c, "LabelBinarizer with pos_label=0 is not supported");
    L->binary = strcmp(yt, "binary") == 0 && m->n_classes == 2;
    size_t w = L->binary || m->n_classes == 1 ? 1 : m->n_classes;
    pk_mc_cell_method(c, PK_TRANSFORM, PK_OUT_ARRAY, w, lb_transform);
    m->inverse = lb_inverse;
    m->inverse_width = w;
    return PK_OK;
}

/* ---- MultiLabelBinarizer ------------------------------------------------------------------- */

/* The class of one label at the cursor (-1: none), strings decoded into buf[0..cap). */
static pk_code mlb_label(const pk_model *m, const pk_lab *L, pk_jcur *r, char *buf, size_t cap,
                         size_t at, long *idx) {
    *idx = -1;
    pk_jcur_ws(r);
    char ch = r->i < r->n ? r->s[r->i] : 0;
    if (ch == '[' || ch == '{')
        return pk_err_set(r->err, PK_EFEATURE, -1, -1,
                          "%s: label %zu is an %s: labels are strings or numbers", m->cls, at + 1,
                          ch == '[' ? "array" : "object");
    if (ch == '"') {
        size_t len;
        pk_code rc = pk_jcur_string(r, buf, cap, &len);
        if (rc) return rc;
        if (L->cats.is_str && len < cap) {
            pk_cell t = {PK_CELL_TEXT, 0, buf, len};
            *idx = pk_cats_find(&L->cats, &t);
        }
        return PK_OK;
    }
    pk_cell v;
    pk_jstr none = {buf, 0, 0};
    pk_code rc = pk_jcur_scalar(r, &v, &none);
    if (rc) return rc;
    if (v.type == PK_CELL_NULL)
        *idx = L->cats.none_idx;
    else if (!L->cats.is_str && !isnan(v.num))
        *idx = pk_cats_find(&L->cats, &v);
    return PK_OK;
}

static pk_code mlb_transform(const pk_model *m, const pk_cell *row, double *scratch, double *out,
                             pk_err *err) {
    const pk_lab *L = m->impl;
    memset(out, 0, m->n_classes * sizeof(double));
    const pk_cell *doc = &row[0];
    pk_jcur r = {doc->s, doc->len, 0, err, 0};
    if (doc->type == PK_CELL_TEXT) pk_jcur_ws(&r);
    if (doc->type != PK_CELL_TEXT || r.i >= r.n || r.s[r.i] != '[') {
        char val[64];
        pk_cell_show(doc, val, sizeof val);
        return pk_err_set(err, PK_EFEATURE, -1, -1,
                          "%s takes a JSON array of labels (one sample), not %s", m->cls, val);
    }
    r.i++;
    pk_jcur_ws(&r);
    if (r.i < r.n && r.s[r.i] == ']') {
        r.i++;
    } else {
        for (size_t k = 0;; k++) {
            long idx;
            pk_code rc = mlb_label(m, L, &r, (char *)scratch, m->scratch * sizeof(double), k, &idx);
            if (rc) return rc;
            if (idx >= 0) out[idx] = 1.0;
            pk_jcur_ws(&r);
            if (r.i < r.n && r.s[r.i] == ',') {
                r.i++;
                continue;
            }
            if (r.i < r.n && r.s[r.i] == ']') {
                r.i++;
                break;
            }
            return pk_jcur_bad(&r, "expected ',' or ']'");
        }
    }
    pk_jcur_ws(&r);
    return r.i == r.n ? PK_OK : pk_jcur_bad(&r, "text after the array");
}

static pk_code mlb_inverse(const pk_model *m, const double *y, size_t n, size_t *cls, pk_err *err) {
    *cls = 0;
    if (n != m->n_classes) {
        char msg[80];
        snprintf(msg, sizeof msg, "expected an indicator for %zu classes, got %zu values",
                 m->n_classes, n);
        return bad_code(m, msg, err);
    }
    for (size_t k = 0; k < n; k++)
        if (y[k] != 0.0 && y[k] != 1.0) {
            char msg[120];
            snprintf(msg, sizeof msg,
                     "expected only 0s and 1s in the label indicator, got %.17g (value %zu)", y[k],
                     k + 1);
            return bad_code(m, msg, err);
        }
    return PK_OK;
}

pk_code pk_compile_multilabel_binarizer(pk_mc *c) {
    pk_model *m = c->m;
    pk_lab *L = labels_for(c, PK_COL_JSON);
    if (!L) return c->err->code;
    size_t longest = 0; /* labels are decoded into scratch; longer strings are no class */
    for (size_t i = 0; L->cats.is_str && i < L->cats.n; i++)
        if (L->cats.s[i] && L->cats.slen[i] > longest) longest = L->cats.slen[i];
    m->scratch = (longest + 1 + sizeof(double) - 1) / sizeof(double);
    pk_mc_cell_method(c, PK_TRANSFORM, PK_OUT_ARRAY, m->n_classes, mlb_transform);
    m->inverse = mlb_inverse;
    m->inverse_width = m->n_classes;
    m->inverse_set = 1;
    return PK_OK;
}
