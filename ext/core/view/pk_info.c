/*
 * pk_info.c - pickle_info's JSON description of a decoded document (pk_doc_info_json, pk_doc.h).
 *
 *   {"format":"pickle"|"joblib"|"xgboost"|"lightgbm","compression":"none"|"zlib"|...|"zstd+zlib",
 *    "protocol":N,"size":<input bytes>,"stream_size":<pickle bytes after inflating>,
 *    "root_type":"<Python type name>","globals":["module.name",...],
 *    "tiers":["scorable"|"safe"|"unknown",...],"unsafe_globals":["module.name",...],
 *    "unsafe_reasons":["module.name: why",...],"safe":true|false[,"reason":"..."]}
 *
 * "globals" lists every global the stream references (GLOBAL, STACK_GLOBAL, INST, OBJ), unique,
 * in first-use order, as the decoder recorded them (doc->globals), plus those only plain
 * pickle.loads would import from a joblib stream (pk_scan.c). "tiers" gives each global's tier
 * (pk_catalogue.h), in the order of "globals": names the decoder interprets as data are "safe",
 * and a global the verdict judged unsafe is "unknown". "unsafe_globals" lists those outside the
 * catalogue and the allowlist or judged unsafe for their arguments (pk_verdict.h);
 * "unsafe_reasons" says why for each of the latter ("module.name: reason"); "safe" is true when
 * there are none (docs/security.md) and the bytes are not ambiguous (a compressed container that
 * is also a pickle: "reason" then says so). "compression" names the zstd envelope and/or
 * joblib's compressor ("zstd+zlib" when both). "format" is "joblib" when the stream held joblib
 * array wrappers or came in a joblib compressed container, "xgboost" for an XGBoost model file
 * (pk_native.h: its root is the xgboost.core.Booster it stands for), "lightgbm" for a LightGBM
 * text model (its root a lightgbm.basic.Booster).
 */
#include "pk_doc.h"
#include "pk_catalogue.h"
#include "pk_json.h"
#include "pk_vm.h"

#include <string.h>

static pk_code write_global(pk_buf *out, const pk_global_ref *g) {
    pk_buf tmp;
    pk_buf_init(&tmp, out->alloc, 0);
    pk_buf_puts(&tmp, g->module ? g->module : "");
    pk_buf_putc(&tmp, '.');
    pk_buf_puts(&tmp, g->name ? g->name : "");
    pk_code rc = tmp.failed;
    if (!rc)
        rc = pk_json_string(out, (const char *)tmp.data, tmp.len);
    else
        out->failed = rc;
    pk_buf_free(&tmp);
    return rc;
}

pk_code pk_doc_info_json(const pk_doc *doc, struct pk_buf *out) {
    const char *format = doc->xgboost                                  ? "xgboost"
                         : doc->lightgbm                               ? "lightgbm"
                         : (doc->joblib || doc->inner != PK_COMP_NONE) ? "joblib"
                                                                       : "pickle";
    pk_buf_printf(out, "{\"format\":\"%s\",\"compression\":\"", format);
    if (doc->outer != PK_COMP_NONE && doc->inner != PK_COMP_NONE)
        pk_buf_printf(out, "%s+%s", pk_compression_name(doc->outer),
                      pk_compression_name(doc->inner));
    else if (doc->outer != PK_COMP_NONE)
        pk_buf_puts(out, pk_compression_name(doc->outer));
    else
        pk_buf_puts(out, pk_compression_name(doc->inner));
    pk_buf_printf(
        out, "\",\"protocol\":%d,\"size\":%llu,\"stream_size\":%llu,\"root_type\":", doc->protocol,
        (unsigned long long)doc->input_len, (unsigned long long)doc->stream_len);
    char tn[256];
    if (doc->root)
        pk_type_name(doc->root, tn, sizeof tn);
    else
        strcpy(tn, "NoneType");
    pk_json_string(out, tn, strlen(tn));
    pk_buf_puts(out, ",\"globals\":[");
    int safe = !doc->ambiguous;
    for (size_t i = 0; i < doc->nglobals; i++) {
        if (i) pk_buf_putc(out, ',');
        write_global(out, &doc->globals[i]);
        if (!doc->globals[i].allowed) safe = 0;
    }
    pk_buf_puts(out, "],\"tiers\":[");
    for (size_t i = 0; i < doc->nglobals; i++) {
        const pk_global_ref *g = &doc->globals[i];
        pk_tier t = g->allowed ? (pk_tier)pk_global_tier(g->module, g->name) : PK_TIER_UNKNOWN;
        if (g->allowed && t == PK_TIER_UNKNOWN) t = PK_TIER_SAFE;
        pk_buf_printf(out, "%s\"%s\"", i ? "," : "", pk_tier_name(t));
    }
    pk_buf_puts(out, "],\"unsafe_globals\":[");
    int first = 1;
    for (size_t i = 0; i < doc->nglobals; i++) {
        if (doc->globals[i].allowed) continue;
        if (!first) pk_buf_putc(out, ',');
        first = 0;
        write_global(out, &doc->globals[i]);
    }
    pk_buf_puts(out, "],\"unsafe_reasons\":[");
    first = 1;
    for (size_t i = 0; i < doc->nglobals; i++) {
        const pk_global_ref *g = &doc->globals[i];
        if (g->allowed || !g->reason) continue;
        if (!first) pk_buf_putc(out, ',');
        first = 0;
        pk_buf tmp;
        pk_buf_init(&tmp, out->alloc, 0);
        pk_buf_printf(&tmp, "%s.%s: %s", g->module, g->name, g->reason);
        if (tmp.failed)
            out->failed = tmp.failed;
        else
            pk_json_string(out, (const char *)tmp.data, tmp.len);
        pk_buf_free(&tmp);
    }
    pk_buf_printf(out, "],\"safe\":%s", safe ? "true" : "false");
    if (doc->ambiguous) {
        pk_buf_puts(out, ",\"reason\":");
        pk_json_string(out, doc->ambiguous, strlen(doc->ambiguous));
    }
    pk_buf_putc(out, '}');
    return out->failed;
}
