/*
 * pk_lgbm.c - a LightGBM model in a decoded pickle, described for model_info (see pk_lgbm.h).
 *
 * A lightgbm.basic.Booster's state is its __dict__ with the model text in "_handle" (LightGBM
 * >= 4.0) or "handle" (2.x, 3.x), None for a Booster without a model; the scikit-learn wrappers
 * keep the Booster as `_Booster` and the classes as `_classes`. The text is read with
 * pk_lgbm_parse; the description lists what it holds. Nothing is scored: LightGBM's predictions
 * cannot be verified here (no LightGBM to compare with), so model_info says supported: false.
 */
#include "pk_lgbm.h"

#include "pk_catalogue.h"
#include "pk_json.h"

#include <string.h>

static const pk_cat_row *lgbm_row(const pk_value *root) {
    if (!root || root->kind != PK_OBJECT || !root->u.o.cls || root->u.o.cls->kind != PK_GLOBAL)
        return NULL;
    const pk_cat_row *row = pk_catalogue_find(root->u.o.cls->u.g.module, root->u.o.cls->u.g.name);
    return row && strncmp(row->module, "lightgbm.", 9) == 0 ? row : NULL;
}

int pk_lgbm_is_model(const pk_value *root) {
    const pk_cat_row *row = lgbm_row(root);
    return row && strcmp(row->name, "_LGBMLabelEncoder") != 0;
}

/* The Booster of root (itself, or a wrapper's _Booster) and its model text; a message when
 * there is none. */
static const char *find_text(const pk_value *root, const pk_cat_row *row, const pk_value **booster,
                             const char **text, size_t *len) {
    const pk_value *b = root;
    if (strcmp(row->name, "Booster") != 0) {
        b = pk_attr(root, "_Booster");
        if (!b || b->kind == PK_NONE) return "the estimator is not fitted (no _Booster)";
        const pk_cat_row *br = lgbm_row(b);
        if (!br || strcmp(br->name, "Booster") != 0)
            return "_Booster is not a lightgbm.basic.Booster";
    }
    *booster = b;
    const pk_value *h = pk_attr(b, "_handle");
    if (!h) h = pk_attr(b, "handle");
    if (!h || h->kind == PK_NONE) return "the Booster has no model (no _handle or handle)";
    if (h->kind == PK_STR) {
        *text = h->u.s.ptr;
        *len = h->u.s.len;
    } else if (h->kind == PK_BYTES || h->kind == PK_BYTEARRAY) {
        *text = h->u.s.ptr;
        *len = h->u.s.len;
    } else {
        return "the Booster's handle is not the model's text";
    }
    return NULL;
}

static void json_int_attr(pk_buf *b, const char *key, const pk_value *obj, const char *name) {
    const pk_value *v = obj ? pk_attr(obj, name) : NULL;
    if (v && v->kind == PK_INT) pk_buf_printf(b, ",\"%s\":%lld", key, (long long)v->u.i);
}

static void json_str_or_null(pk_buf *b, const char *s) {
    if (s)
        pk_json_string(b, s, strlen(s));
    else
        pk_buf_puts(b, "null");
}

static void describe(pk_buf *b, const pk_lgbm *m) {
    pk_buf_puts(b, "\"version\":");
    json_str_or_null(b, m->version[0] ? m->version : NULL);
    pk_buf_puts(b, ",\"objective\":");
    json_str_or_null(b, m->objective);
    pk_buf_puts(b, ",\"boosting\":");
    json_str_or_null(b, m->boosting);
    pk_buf_printf(b,
                  ",\"num_class\":%d,\"num_tree_per_iteration\":%d,\"trees\":%zu,"
                  "\"iterations\":%zu,\"leaves\":%zu,\"max_depth\":%zu,"
                  "\"categorical_splits\":%zu,\"linear_trees\":%zu,\"average_output\":%s,"
                  "\"n_features\":%zu,\"feature_names\":[",
                  m->num_class, m->num_tree_per_iteration, m->n_trees,
                  m->n_trees / (size_t)m->num_tree_per_iteration, m->n_leaves, m->max_depth,
                  m->n_categorical, m->n_linear, m->average_output ? "true" : "false",
                  m->n_features);
    for (size_t i = 0; i < m->n_features; i++) {
        if (i) pk_buf_putc(b, ',');
        pk_json_string(b, m->feature_names[i], strlen(m->feature_names[i]));
    }
    pk_buf_printf(b, "],\"pandas_categorical\":%s", m->pandas_categorical ? "true" : "false");
}

void pk_lgbm_describe(pk_buf *b, const pk_value *root, const pk_limits *lim,
                      const pk_alloc *alloc) {
    const pk_cat_row *row = lgbm_row(root);
    if (!row || !pk_lgbm_is_model(root)) return;
    const pk_value *booster = NULL;
    const char *text = NULL;
    size_t len = 0;
    pk_buf_puts(b, ",\"lightgbm\":{");
    const char *why = find_text(root, row, &booster, &text, &len);
    if (why) {
        pk_buf_puts(b, "\"error\":");
        pk_json_string(b, why, strlen(why));
        pk_buf_putc(b, '}');
        return;
    }
    pk_arena ar;
    pk_arena_init(&ar, alloc, (size_t)lim->max_model_bytes);
    pk_lgbm m;
    pk_err err;
    pk_err_clear(&err);
    if (pk_lgbm_parse(&ar, text, len, &m, &err) != PK_OK) {
        pk_buf_puts(b, "\"error\":");
        pk_json_string(b, err.msg, strlen(err.msg));
    } else {
        describe(b, &m);
    }
    pk_arena_free(&ar);
    json_int_attr(b, "best_iteration", booster, "best_iteration");
    if (booster != root) {
        json_int_attr(b, "n_classes", root, "_n_classes");
        const pk_value *cl = pk_attr(root, "_classes");
        if (cl && cl->kind != PK_NONE) {
            size_t mark = b->len;
            pk_buf_puts(b, ",\"classes\":");
            pk_err_clear(&err);
            if (pk_json_write(b, cl, "$", lim, &err) != PK_OK && b->failed == PK_OK) b->len = mark;
        }
        const pk_value *obj = pk_attr(root, "_objective");
        if (obj && obj->kind == PK_STR) {
            pk_buf_puts(b, ",\"wrapper_objective\":");
            pk_json_string(b, obj->u.s.ptr, obj->u.s.len);
        }
    }
    pk_buf_putc(b, '}');
}
