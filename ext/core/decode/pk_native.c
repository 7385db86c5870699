/*
 * pk_native.c - XGBoost and LightGBM model files as a Booster value (see pk_native.h).
 */
#include "pk_native.h"

#include "pk_vm.h"

#include <string.h>

int pk_native_is_xgb(const uint8_t *buf, size_t n) {
    if (n >= 1 && buf[0] == '{') return 1;
    return n >= 4 && memcmp(buf, "binf", 4) == 0;
}

int pk_native_is_lgbm(const uint8_t *buf, size_t n) {
    static const char a[] = "tree\nversion=", b[] = "tree\r\nversion=";
    return (n >= sizeof a - 1 && memcmp(buf, a, sizeof a - 1) == 0) ||
           (n >= sizeof b - 1 && memcmp(buf, b, sizeof b - 1) == 0);
}

/* doc->root = an object of class module.name (rebuilt without arguments) whose state is
 * {key: val}; the class is the document's one global. */
static pk_code booster_root(pk_doc *doc, const char *mod, const char *name, const char *key,
                            pk_value *val, pk_err *err) {
    pk_arena *ar = &doc->arena;
    pk_value *cls = val ? pk_new_global(ar, mod, strlen(mod), name, strlen(name)) : NULL;
    pk_value *obj = cls ? pk_new_object(ar, cls, NULL, PK_HOW_REDUCE) : NULL;
    pk_value *state = obj ? pk_new_dict(ar, 1) : NULL;
    pk_value *k = state ? pk_new_str(ar, key, strlen(key)) : NULL;
    pk_global_ref *g = k ? pk_arena_alloc(ar, sizeof *g) : NULL;
    if (!g) return pk_err_nomem(err, -1);
    PK_TRY(pk_dict_set(ar, state, k, val, err));
    obj->u.o.state = state;
    memset(g, 0, sizeof *g); /* arena memory is not zeroed: no reason, nothing else set */
    g->module = cls->u.g.module;
    g->name = cls->u.g.name;
    g->allowed = pk_global_allowed(mod, name);
    doc->globals = g;
    doc->nglobals = 1;
    doc->globals_cap = 1;
    doc->root = obj;
    return PK_OK;
}

pk_code pk_native_xgb_root(pk_doc *doc, pk_err *err) {
    pk_value *val = pk_new_bytes(&doc->arena, PK_BYTES, doc->stream, doc->stream_len, 1);
    pk_code c = booster_root(doc, "xgboost.core", "Booster", "handle", val, err);
    if (c == PK_OK) doc->xgboost = 1;
    return c;
}

pk_code pk_native_lgbm_root(pk_doc *doc, pk_err *err) {
    const char *s = (const char *)doc->stream;
    size_t n = doc->stream_len;
    pk_value *val = pk_utf8_check(s, n) == n && !memchr(s, 0, n)
                        ? pk_new_str(&doc->arena, s, n)
                        : pk_new_bytes(&doc->arena, PK_BYTES, doc->stream, n, 1);
    pk_code c = booster_root(doc, "lightgbm.basic", "Booster", "_handle", val, err);
    if (c == PK_OK) doc->lightgbm = 1;
    return c;
}
