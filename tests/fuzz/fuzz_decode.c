/*
 * fuzz_decode.c - libFuzzer target: pk_doc_decode on arbitrary bytes (raw pickles, joblib
 * streams, any compressed container), then everything SQL would do with the document:
 * pk_json_write of the root (pickle_json), pk_doc_info_json (pickle_info), pk_path_eval of a few
 * paths (pickle_get) with pk_json_write and pk_type_name of what they find.
 *
 * Invariants checked besides memory safety (ASan) and undefined behaviour (UBSan):
 *   - a failed decode returns NULL with a coded, non-empty, NUL-terminated message;
 *   - a successful decode has a root; pickle_info's JSON always succeeds;
 *   - JSON text never contains a raw NUL byte.
 * Leaks are reported by LeakSanitizer at exit of each run.
 *
 * Build and run: scripts/run_fuzz.sh (make fuzz).
 */
#include "fuzz_util.h"
#include "pk_path.h"

static const char *const paths[] = {
    "$",
    "$[0]",
    "$[-1]",
    "$[1][0]",
    "$.a",
    "$.coef_",
    "$.coef_[0]",
    "$[0][0][0]",
    "$[\"x\"]",
    "$.steps[0][1]",
    "$.__dict__",
    "$[2147483648]",
    "$[-9223372036854775808]",
    "$.tree_.nodes[0]",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    pk_limits lim;
    pk_doc *doc = fuzz_decode(data, size, &lim);
    if (!doc) return 0;
    pk_err err;
    FUZZ_CHECK(doc->root != NULL);

    char *json = fuzz_json(doc->root, &lim, NULL);
    pk_free(&pk_alloc_std, json);

    pk_buf info;
    pk_buf_init(&info, &pk_alloc_std, 0);
    FUZZ_CHECK(pk_doc_info_json(doc, &info) == PK_OK);
    FUZZ_CHECK(info.len > 0 && memchr(info.data, 0, info.len) == NULL);
    pk_buf_free(&info);
    (void)pk_doc_safe(doc);

    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        pk_value *out = NULL;
        pk_err_clear(&err);
        pk_code c = pk_path_eval(&doc->arena, doc->root, paths[i], strlen(paths[i]), &out, &err);
        if (c != PK_OK) {
            fuzz_check_err(&err);
            continue;
        }
        FUZZ_CHECK(out != NULL);
        char tn[256];
        pk_type_name(out, tn, sizeof tn);
        FUZZ_CHECK(memchr(tn, 0, sizeof tn) != NULL);
        double d;
        int64_t i64;
        (void)pk_as_f64(out, &d);
        (void)pk_as_i64(out, &i64);
        (void)pk_child_count(out);
        json = fuzz_json(out, &lim, NULL);
        pk_free(&pk_alloc_std, json);
    }
    pk_doc_free(doc);
    return 0;
}
