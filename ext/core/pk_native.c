/*
 * pk_native.c - XGBoost model files as a Booster value (see pk_native.h).
 */
#include "pk_native.h"

#include "pk_vm.h"

#include <string.h>

int pk_native_is_xgb(const uint8_t *buf, size_t n) {
    if (n >= 1 && buf[0] == '{') return 1;
    return n >= 4 && memcmp(buf, "binf", 4) == 0;
}

pk_code pk_native_xgb_root(pk_doc *doc, pk_err *err) {
    static const char mod[] = "xgboost.core", name[] = "Booster";
    pk_arena *ar = &doc->arena;
    pk_value *cls = pk_new_global(ar, mod, sizeof mod - 1, name, sizeof name - 1);
    pk_value *obj = cls ? pk_new_object(ar, cls, NULL, PK_HOW_REDUCE) : NULL;
    pk_value *state = obj ? pk_new_dict(ar, 1) : NULL;
    pk_value *key = state ? pk_new_str(ar, "handle", 6) : NULL;
    pk_value *val = key ? pk_new_bytes(ar, PK_BYTES, doc->stream, doc->stream_len, 1) : NULL;
    pk_global_ref *g = val ? pk_arena_alloc(ar, sizeof *g) : NULL;
    if (!g) return pk_err_nomem(err, -1);
    pk_code c = pk_dict_set(ar, state, key, val, err);
    if (c) return c;
    obj->u.o.state = state;
    memset(g, 0, sizeof *g); /* arena memory is not zeroed: no reason, nothing else set */
    g->module = cls->u.g.module;
    g->name = cls->u.g.name;
    g->allowed = pk_global_allowed(mod, name);
    doc->globals = g;
    doc->nglobals = 1;
    doc->globals_cap = 1;
    doc->root = obj;
    doc->xgboost = 1;
    return PK_OK;
}
