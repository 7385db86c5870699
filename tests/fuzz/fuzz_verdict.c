/*
 * fuzz_verdict.c - libFuzzer target: the "two readings" of joblib streams (pk_scan.c).
 *
 * The input becomes the raw data of a joblib NumpyArrayWrapper (a uint8 array of exactly that
 * many bytes, no alignment padding) in a fixed stream:
 *     PROTO 4, NumpyArrayWrapper(shape=(n,), dtype=u1) BUILD, <n input bytes>, STOP
 * joblib's reading takes the bytes as array data, so the decode must always succeed; plain
 * pickle.loads reads them as opcodes, which drives the second reading (the unpickler in plain
 * mode, and the linear scan behind it) over arbitrary bytes. The input is also decoded alone.
 *
 * Invariants besides ASan/UBSan/LSan:
 *   - the wrapped stream decodes, is marked joblib, diverges exactly where the data start, and
 *     its root is a uint8 array holding the input;
 *   - every global recorded has a NUL-terminated module and name; one with a reason is unsafe;
 *     pk_doc_safe agrees with the globals and with pickle_info's "safe";
 *   - a global recorded by the second reading after the divergence (a reason naming it) makes
 *     the verdict unsafe.
 *
 * Build and run: scripts/run_fuzz.sh (make fuzz).
 */
#include "fuzz_util.h"
#include "pk_ndarray.h"

/* The wrapper's pickle up to its BUILD (strings split where a hex escape would run on); the 4 bytes
 * at SHAPE_AT hold n (BININT). */
static const uint8_t head[] = "\x80\x04"
                              "\x8c\x13joblib.numpy_pickle\x8c\x11NumpyArrayWrapper\x93)\x81}("
                              "\x8c\x08subclass\x8c\x05numpy\x8c\x07ndarray\x93"
                              "\x8c\x05shapeJ\x00\x00\x00\x00\x85"
                              "\x8c\x05order\x8c\x01"
                              "C"
                              "\x8c\x05"
                              "dtype\x8c\x05numpy\x8c\x05"
                              "dtype\x93\x8c\x02u1\x89\x88\x87R"
                              "(K\x03\x8c\x01|NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb"
                              "\x8c\x0a"
                              "allow_mmap\x89"
                              "\x8c\x1bnumpy_array_alignment_bytesN"
                              "ub";

static size_t shape_at(void) {
    static const char key[] = "\x8c\x05shapeJ";
    for (size_t i = 0; i + sizeof key - 1 <= sizeof head - 1; i++)
        if (memcmp(head + i, key, sizeof key - 1) == 0) return i + sizeof key - 1;
    abort();
}

static void check_globals(const pk_doc *doc) {
    int safe = 1;
    for (size_t i = 0; i < doc->nglobals; i++) {
        const pk_global_ref *g = &doc->globals[i];
        FUZZ_CHECK(g->module && g->name);
        (void)strlen(g->module);
        (void)strlen(g->name);
        if (g->reason) FUZZ_CHECK(!g->allowed);
        if (!g->allowed) safe = 0;
    }
    FUZZ_CHECK(pk_doc_safe(doc) == safe);
    pk_buf info;
    pk_buf_init(&info, &pk_alloc_std, 0);
    FUZZ_CHECK(pk_doc_info_json(doc, &info) == PK_OK);
    pk_buf_putc(&info, 0);
    FUZZ_CHECK(info.failed == PK_OK);
    FUZZ_CHECK(strstr((const char *)info.data, safe ? "\"safe\":true}" : "\"safe\":false}"));
    pk_buf_free(&info);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    pk_limits lim;
    if (size > (1u << 20)) return 0;

    /* the input alone, as any pickle */
    pk_doc *doc = fuzz_decode(data, size, &lim);
    if (doc) {
        check_globals(doc);
        pk_doc_free(doc);
    }

    /* the input as joblib array data */
    size_t hl = sizeof head - 1, n = hl + size + 1;
    uint8_t *s = malloc(n);
    FUZZ_CHECK(s != NULL);
    memcpy(s, head, hl);
    size_t at = shape_at();
    for (int k = 0; k < 4; k++)
        s[at + (size_t)k] = (uint8_t)(size >> (8 * k));
    if (size) memcpy(s + hl, data, size);
    s[hl + size] = '.';
    doc = fuzz_decode(s, n, &lim);
    FUZZ_CHECK(doc != NULL);
    FUZZ_CHECK(doc->joblib && doc->plain_diverge == hl);
    FUZZ_CHECK(doc->root && doc->root->kind == PK_NDARRAY);
    const pk_ndarray *a = doc->root->u.arr;
    FUZZ_CHECK(a->nbytes == size && (size == 0 || memcmp(a->data, data, size) == 0));
    check_globals(doc);
    for (size_t i = 0; i < doc->nglobals; i++)
        if (doc->globals[i].reason) FUZZ_CHECK(!pk_doc_safe(doc));
    pk_doc_free(doc);
    free(s);
    return 0;
}
