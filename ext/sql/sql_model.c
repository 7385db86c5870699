/*
 * sql_model.c - model_predict, model_predict_proba, model_transform, model_decision_function,
 * model_predict_log_proba, model_score_samples, model_inverse_transform (label encoders) and
 * model_info (and their BLOB-only forms pickle_predict, ...): scoring rows with a pickled
 * scikit-learn model (docs/scoring.md; flags and registry references: docs/registry.md).
 *
 * The model argument is a pickle BLOB (any container pk_doc_decode reads) or, for the model_*
 * names only, TEXT naming a registry entry (sql_resolve.c). The pickle_predict, ... forms take
 * BLOBs only: they read no table, so they are DETERMINISTIC and INNOCUOUS (usable in views,
 * triggers and indexes); model_* may read the registry, so they are DIRECTONLY (pickle_ext.c).
 * A model is decoded and compiled once (pk_model_compile) into a cache entry that also holds
 * the per-row buffers (features, scratch, output, JSON text), so scoring a row allocates nothing
 * but SQLite's copy of the result. Two caches:
 *   - per statement: the entry is the auxdata of argument 0 (kept by SQLite for a constant or
 *     bound model argument): a constant registry reference is resolved once per statement, at
 *     its first row. sqlite3_set_auxdata is always the function's last call: its destructor may
 *     run at once.
 *   - per connection: an LRU of PK_MODEL_CACHE_SIZE entries (pk_conn_state.model_cache), keyed by
 *     the blob's content (length + 64-bit hash, then a full memcmp against a kept copy) or, for
 *     registry references, by the SHA-256 of the version's content the reference resolved to
 *     (never by the reference text or anything derived from the history: a rolled-back version
 *     has its own hash, and a failed lookup is an error, not a cache hit). A model stored per
 *     row (a join of customers to per-segment models) is compiled once per distinct blob.
 * Entries are reference counted (LRU + auxdata holders); a connection is used by one thread at a
 * time, so plain integers suffice.
 *
 * Features: positional SQL values in training order, or one JSON array / JSON object text
 * (pk_features.h; an object is matched by feature_names_in_). A numeric model reads INTEGER/REAL
 * as numbers, NULL as NaN (missing) and TEXT as Python's float() reads it; a typed model
 * (pk_model.h: ColumnTransformer, encoders, ...) gets the values as cells. BLOBs are refused.
 * Outputs (pk_model.h shapes): labels in the type of classes_, clusters INTEGER, regressors REAL
 * (NaN -> NULL), several values as a JSON array (JSON subtype).
 */
#include "sql_util.h"

SQLITE_EXTENSION_INIT3

#include "pk_buf.h"
#include "pk_catalogue.h"
#include "pk_features.h"
#include "pk_json.h"
#include "pk_model.h"
#include "sql_funcs.h"
#include "sql_verdict.h"
#include "sql_registry.h"
#include "sql_text.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define PK_MODEL_CACHE_SIZE 16
/* The LRU also evicts (least recent first, never the newest entry) while its entries hold more
 * than this many bytes of compiled models and kept blob copies. */
#define PK_MODEL_CACHE_BYTES ((size_t)512 << 20)

typedef struct mc_entry {
    int refs;
    pk_model *model;
    double *x, *scratch, *out;
    pk_cell *cells; /* a typed row (n_features)                                      */
    pk_cell *cout;  /* a cell map's output (cmap_width) or an inverse's input (inverse_width) */
    unsigned char *seen;
    pk_buf text;            /* reused for JSON results */
    pk_buf strings;         /* reused for the decoded strings of JSON features */
    struct pk_text_ws *tws; /* text models' workspace (sql_text.c), made on first use */
    /* key */
    int is_name;
    uint8_t *key; /* blob copy, or the hex SHA-256 of a registry version's content */
    size_t key_len;
    uint64_t hash;
    size_t bytes;                 /* what the entry keeps alive, for the cache's byte cap */
    struct mc_entry *prev, *next; /* LRU list, most recent first */
} mc_entry;

typedef struct mc_cache {
    mc_entry *head, *tail;
    int count;
    size_t bytes;
} mc_cache;

static void entry_unref(void *p) {
    mc_entry *e = p;
    if (!e || --e->refs > 0) return;
    pk_model_free(e->model);
    sqlite3_free(e->x);
    sqlite3_free(e->scratch);
    sqlite3_free(e->out);
    sqlite3_free(e->seen);
    sqlite3_free(e->cells);
    sqlite3_free(e->cout);
    pk_buf_free(&e->text);
    pk_buf_free(&e->strings);
    pk_sql_text_ws_free(e->tws);
    sqlite3_free(e->key);
    sqlite3_free(e);
}

static void cache_unlink(mc_cache *c, mc_entry *e) {
    if (e->prev)
        e->prev->next = e->next;
    else
        c->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        c->tail = e->prev;
    e->prev = e->next = NULL;
    c->count--;
    c->bytes -= e->bytes;
}

static void cache_push_front(mc_cache *c, mc_entry *e) {
    e->prev = NULL;
    e->next = c->head;
    if (c->head) c->head->prev = e;
    c->head = e;
    if (!c->tail) c->tail = e;
    c->count++;
    c->bytes += e->bytes;
}

static void cache_free(void *p) {
    mc_cache *c = p;
    if (!c) return;
    while (c->head) {
        mc_entry *e = c->head;
        cache_unlink(c, e);
        entry_unref(e);
    }
    sqlite3_free(c);
}

static mc_cache *conn_cache(sqlite3_context *ctx) {
    pk_conn_state *st = sqlite3_user_data(ctx);
    if (!st) return NULL;
    if (!st->model_cache) {
        mc_cache *c = sqlite3_malloc64(sizeof *c);
        if (!c) return NULL;
        memset(c, 0, sizeof *c);
        st->model_cache = c;
        st->model_cache_free = cache_free;
    }
    return st->model_cache;
}

static uint64_t mix64(uint64_t h, uint64_t w) {
    h ^= w;
    h *= 0xFF51AFD7ED558CCDull;
    return h ^ (h >> 32);
}

static uint64_t hash_run(uint64_t h, const uint8_t *p, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = mix64(h, w);
    }
    for (; i < n; i++)
        h = mix64(h, p[i]);
    return h;
}

/* A 64-bit hash of the key. Up to 1 KiB every byte counts; a longer key (a pickle blob) is
 * hashed from its length, its first and last 512 bytes and 64 words spread between: the key check
 * in cache_find is a full memcmp anyway, and a model passed as a row value or a subquery (no
 * auxdata: looked up on every row) would otherwise pay a byte-by-byte hash of the whole blob
 * per row, several times the cost of that memcmp. */
static uint64_t hash_bytes(const uint8_t *p, size_t n) {
    const size_t edge = 512;
    uint64_t h = 0x9E3779B97F4A7C15ull ^ n;
    if (n <= 2 * edge) {
        h = hash_run(h, p, n);
    } else {
        h = hash_run(h, p, edge);
        h = hash_run(h, p + n - edge, edge);
        size_t step = (n - 2 * edge) / 64;
        for (size_t k = 0; k < 64; k++) {
            uint64_t w;
            memcpy(&w, p + edge + k * step, 8);
            h = mix64(h, w);
        }
    }
    h ^= h >> 29;
    h *= 0xC4CEB9FE1A85EC53ull;
    h ^= h >> 32;
    return h;
}

static mc_entry *cache_find(mc_cache *c, int is_name, const uint8_t *key, size_t n, uint64_t hash) {
    if (!c) return NULL;
    for (mc_entry *e = c->head; e; e = e->next) {
        if (e->is_name != is_name || e->key_len != n || e->hash != hash) continue;
        if (n && memcmp(e->key, key, n) != 0) continue;
        if (e != c->head) {
            cache_unlink(c, e);
            cache_push_front(c, e);
        }
        return e;
    }
    return NULL;
}

static void cache_insert(mc_cache *c, mc_entry *e) {
    if (!c) return;
    e->refs++;
    cache_push_front(c, e);
    while (c->count > PK_MODEL_CACHE_SIZE || (c->count > 1 && c->bytes > PK_MODEL_CACHE_BYTES)) {
        mc_entry *old = c->tail;
        cache_unlink(c, old);
        entry_unref(old);
    }
}

/* Reports a compile/decode error. */
static void model_error(sqlite3_context *ctx, const char *fname, const pk_err *err) {
    pk_sql_error(ctx, fname, err);
}

/* Decodes a model argument into a document: a BLOB as is, TEXT through the registry (unless
 * blob_only). `hit` is the reference's resolution when the caller already has it, else NULL.
 * Returns NULL (error reported) on failure; *is_null for SQL NULL. */
static pk_doc *model_doc(sqlite3_context *ctx, const char *fname, sqlite3_value *v, int blob_only,
                         const pk_reg_hit *hit, int *is_null) {
    *is_null = 0;
    int t = sqlite3_value_type(v);
    if (t == SQLITE_NULL) {
        *is_null = 1;
        return NULL;
    }
    pk_limits lim;
    pk_sql_limits(ctx, &lim);
    pk_err err;
    pk_err_clear(&err);
    pk_doc *doc = NULL;
    if (t == SQLITE_BLOB) {
        const uint8_t *buf = sqlite3_value_blob(v);
        int n = sqlite3_value_bytes(v);
        if (!buf) buf = (const uint8_t *)"";
        /* borrowed: the document lives only while this call compiles or describes the model
         * (a compiled model points into no document), and a copy of a large pickle costs as
         * much as decoding it (page faults included) */
        doc = pk_doc_decode(&pk_sql_alloc, &lim, buf, (size_t)n, PK_DOC_BORROW, &err);
        if (!doc) pk_sql_error(ctx, fname, &err);
        return doc;
    }
    if (t == SQLITE_TEXT && blob_only) {
        pk_sql_errorf(ctx, fname,
                      "argument 1 is TEXT, not a pickle BLOB (to score by registry name use "
                      "the model_* form, e.g. model_predict('churn@production', ...))");
        return NULL;
    }
    if (t == SQLITE_TEXT) {
        const char *name = (const char *)sqlite3_value_text(v);
        if (!name) {
            sqlite3_result_error_nomem(ctx);
            return NULL;
        }
        pk_reg_hit own;
        if (!hit) {
            if (!pk_registry_resolve(ctx, fname, name, &own)) return NULL;
            hit = &own;
        }
        void *blob = NULL;
        size_t n = 0;
        if (!pk_registry_load(ctx, fname, name, hit, &blob, &n)) return NULL;
        doc = pk_doc_decode(&pk_sql_alloc, &lim, blob, n, PK_DOC_COPY, &err);
        sqlite3_free(blob);
        if (!doc) pk_sql_error(ctx, fname, &err);
        return doc;
    }
    pk_sql_errorf(ctx, fname, "argument 1 is %s, not a model (a pickle BLOB%s)",
                  t == SQLITE_INTEGER ? "an INTEGER" : "a REAL",
                  blob_only ? "" : " or a registry name");
    return NULL;
}

/* Safety (docs/security.md, docs/scoring.md): a pickle that names a global outside the
 * catalogue, or makes a call the verdict judged unsafe for its arguments, is refused, naming the
 * globals (sql_verdict.c), even though nothing would be executed here: the same bytes loaded by
 * Python would run that code. So are ambiguous bytes (a compressed container that is also a
 * pickle). Returns NULL when doc is safe, else the message in `b`'s memory ("refusing the
 * pickle: it names code that could run in Python: posix.system (...)"). */
static const char *unsafe_reason(const pk_doc *doc, pk_buf *b) {
    if (doc->ambiguous) {
        pk_buf_printf(b, "refusing the pickle: %s", doc->ambiguous);
        pk_buf_putc(b, 0);
        return b->failed == PK_OK ? (const char *)b->data : "refusing the pickle: ambiguous bytes";
    }
    pk_buf_puts(b, "refusing the pickle: it ");
    return pk_sql_refusal(doc, b);
}

/* A new entry for a compiled model (buffers allocated once). */
static mc_entry *entry_new(sqlite3_context *ctx, pk_model *m) {
    mc_entry *e = sqlite3_malloc64(sizeof *e);
    if (!e) {
        pk_model_free(m);
        sqlite3_result_error_nomem(ctx);
        return NULL;
    }
    memset(e, 0, sizeof *e);
    e->refs = 1;
    e->model = m;
    pk_buf_init(&e->text, &pk_sql_alloc, 0);
    pk_buf_init(&e->strings, &pk_sql_alloc, 0);
    e->x = sqlite3_malloc64(m->n_features * sizeof(double));
    e->cells = sqlite3_malloc64(m->n_features * sizeof(pk_cell));
    size_t nc = m->cmap_width > m->inverse_width ? m->cmap_width : m->inverse_width;
    e->cout = sqlite3_malloc64((nc ? nc : 1) * sizeof(pk_cell));
    e->scratch = sqlite3_malloc64(pk_model_scratch_len(m) * sizeof(double));
    e->out = sqlite3_malloc64(pk_model_out_len(m) * sizeof(double));
    e->seen = sqlite3_malloc64(m->n_features);
    if (!e->x || !e->scratch || !e->out || !e->seen || !e->cells || !e->cout) {
        entry_unref(e);
        sqlite3_result_error_nomem(ctx);
        return NULL;
    }
    return e;
}

/* Finds or builds the entry for argv[0]. Returns it with one reference owned by the caller
 * (*from_aux = 1 when it is the statement's auxdata: then the caller holds no reference). */
static mc_entry *model_entry(sqlite3_context *ctx, const char *fname, sqlite3_value *v,
                             int blob_only, int *is_null, int *from_aux) {
    *is_null = 0;
    *from_aux = 0;
    mc_entry *e = sqlite3_get_auxdata(ctx, 0);
    if (e) {
        *from_aux = 1;
        return e;
    }
    int t = sqlite3_value_type(v);
    if (t == SQLITE_NULL) {
        *is_null = 1;
        return NULL;
    }
    if (t != SQLITE_BLOB && (t != SQLITE_TEXT || blob_only)) {
        model_doc(ctx, fname, v, blob_only, NULL, is_null); /* reports the error */
        return NULL;
    }
    mc_cache *cache = conn_cache(ctx);
    const uint8_t *key = NULL;
    size_t n = 0;
    int is_name = t == SQLITE_TEXT;
    pk_reg_hit hit;
    if (t == SQLITE_BLOB) {
        key = sqlite3_value_blob(v);
        n = (size_t)sqlite3_value_bytes(v);
    } else {
        const char *ref = (const char *)sqlite3_value_text(v);
        if (!ref) {
            sqlite3_result_error_nomem(ctx);
            return NULL;
        }
        if (!pk_registry_resolve(ctx, fname, ref, &hit)) return NULL;
        key = (const uint8_t *)hit.sha256;
        n = PK_SHA256_HEX - 1;
    }
    if (!key) key = (const uint8_t *)"";
    uint64_t hash = hash_bytes(key, n);
    e = cache_find(cache, is_name, key, n, hash);
    if (e) {
        e->refs++;
        return e;
    }
    pk_doc *doc = model_doc(ctx, fname, v, blob_only, is_name ? &hit : NULL, is_null);
    if (!doc) return NULL;
    pk_buf ub;
    pk_buf_init(&ub, &pk_sql_alloc, 0);
    const char *unsafe = unsafe_reason(doc, &ub);
    if (unsafe) {
        pk_sql_errorf(ctx, fname, "%s", unsafe);
        pk_buf_free(&ub);
        pk_doc_free(doc);
        return NULL;
    }
    pk_buf_free(&ub);
    pk_err err;
    pk_err_clear(&err);
    pk_model *m = pk_model_compile_lim(&pk_sql_alloc, doc->root, &doc->limits, &err);
    pk_doc_free(doc);
    if (!m) {
        model_error(ctx, fname, &err);
        return NULL;
    }
    e = entry_new(ctx, m);
    if (!e) return NULL;
    e->key = sqlite3_malloc64(n ? n : 1);
    if (!e->key) {
        entry_unref(e);
        sqlite3_result_error_nomem(ctx);
        return NULL;
    }
    if (n) memcpy(e->key, key, n);
    e->key_len = n;
    e->hash = hash;
    e->is_name = is_name;
    e->bytes = n + e->model->arena->used;
    cache_insert(cache, e);
    return e;
}

/* How read_row left the row. */
enum { ROW_ERROR, ROW_X, ROW_X_FINITE, ROW_CELLS };

/* "expects 4 features (country, age, income, visits), got 3": the names, the first 8. */
static void count_error(sqlite3_context *ctx, const char *fname, const pk_model *m, size_t given) {
    char names[400];
    size_t len = 0;
    names[0] = 0;
    if (m->feature_names) {
        size_t shown = m->n_features < 8 ? m->n_features : 8;
        len += (size_t)snprintf(names, sizeof names, " (");
        for (size_t j = 0; j < shown && len < sizeof names; j++)
            len += (size_t)snprintf(names + len, sizeof names - len, "%s%s", j ? ", " : "",
                                    m->feature_names[j]);
        if (len < sizeof names)
            snprintf(names + len, sizeof names - len, "%s)", m->n_features > shown ? ", ..." : "");
    }
    pk_sql_errorf(ctx, fname, "%s expects %llu features%s, got %llu", m->cls,
                  (unsigned long long)m->n_features, names, (unsigned long long)given);
}

static void blob_error(sqlite3_context *ctx, const char *fname, const pk_model *m, size_t j) {
    const char *takes = !m->col_kind                                          ? "numbers"
                        : m->n_features == 1 && m->col_kind[0] == PK_COL_TEXT ? "TEXT"
                        : m->n_features == 1 && m->col_kind[0] == PK_COL_JSON ? "JSON text"
                                                                              : "numbers and text";
    if (m->feature_names && j < m->n_features)
        pk_sql_errorf(ctx, fname, "feature %llu ('%s') is a BLOB: %s takes %s",
                      (unsigned long long)(j + 1), m->feature_names[j], m->cls, takes);
    else
        pk_sql_errorf(ctx, fname, "feature %llu is a BLOB: %s takes %s",
                      (unsigned long long)(j + 1), m->cls, takes);
}

/* One JSON text of features into e->cells. */
static int read_json_row(sqlite3_context *ctx, const char *fname, mc_entry *e, const char *t,
                         size_t n) {
    pk_buf *sb = &e->strings;
    sb->len = 0;
    sb->failed = PK_OK;
    if (pk_buf_reserve(sb, n + 1) != PK_OK) {
        sqlite3_result_error_nomem(ctx);
        return ROW_ERROR;
    }
    pk_err err;
    pk_err_clear(&err);
    if (pk_features_from_json(e->model, t, n, e->cells, e->seen, (char *)sb->data, &err) != PK_OK) {
        pk_sql_error(ctx, fname, &err);
        return ROW_ERROR;
    }
    return ROW_CELLS;
}

/* One SQL value as a cell (TEXT points at SQLite's copy, valid for this call); 0 with the error
 * reported for a BLOB or out of memory. */
static int value_cell(sqlite3_context *ctx, const char *fname, const pk_model *m, size_t j,
                      sqlite3_value *v, pk_cell *c) {
    memset(c, 0, sizeof *c);
    switch (sqlite3_value_type(v)) {
    case SQLITE_FLOAT:
        c->type = PK_CELL_NUM;
        c->num = sqlite3_value_double(v);
        return 1;
    case SQLITE_INTEGER:
        c->type = PK_CELL_NUM;
        c->num = (double)sqlite3_value_int64(v);
        return 1;
    case SQLITE_NULL:
        c->type = PK_CELL_NULL;
        return 1;
    case SQLITE_TEXT:
        c->type = PK_CELL_TEXT;
        c->s = (const char *)sqlite3_value_text(v);
        c->len = (size_t)sqlite3_value_bytes(v);
        if (!c->s) {
            sqlite3_result_error_nomem(ctx);
            return 0;
        }
        return 1;
    default:
        blob_error(ctx, fname, m, j);
        return 0;
    }
}

/* Reads the features of argv[1..argc): positional values in training order, or one JSON array
 * or object. A numeric model's positional row goes straight into e->x (the fast path: REAL and
 * INTEGER copied, TEXT read as Python's float(), NULL as NaN); a typed model's row and any JSON
 * row become cells; ROW_X_FINITE says every value of e->x is a finite number, so the model may skip
 * its own scan for NULL and infinities. A single TEXT argument is JSON when it starts with '[' or
 * '{' — unless the model takes one category or text column, where only a JSON-subtyped value
 * (json_object(...)) is read as JSON, so that a document starting with '{' stays a document; a
 * model reading one JSON document (PK_COL_JSON: DictVectorizer, ...) takes any TEXT as it.
 * A model that never reads its row (m->any_width: the dummies) takes any number of values,
 * unread. (SQLite's printf has no %zu: sizes are cast to long long.) */
static int read_row(sqlite3_context *ctx, const char *fname, mc_entry *e, int argc,
                    sqlite3_value **argv) {
    const pk_model *m = e->model;
    size_t given = (size_t)(argc - 1);
    if (m->any_width && !m->col_kind) {
        /* the row is never read (DummyClassifier / DummyRegressor, whose predict takes any
         * number of columns of anything, positional or JSON): no value is converted or checked */
        memset(e->x, 0, m->n_features * sizeof(double));
        return ROW_X_FINITE;
    }
    if (given == 1 && sqlite3_value_type(argv[1]) == SQLITE_TEXT) {
        const char *t = (const char *)sqlite3_value_text(argv[1]);
        size_t n = (size_t)sqlite3_value_bytes(argv[1]);
        if (!t) {
            sqlite3_result_error_nomem(ctx);
            return ROW_ERROR;
        }
        int one_value = m->n_features == 1 && m->col_kind && m->col_kind[0] != PK_COL_NUM;
        int json = one_value ? sqlite3_value_subtype(argv[1]) == PK_JSON_SUBTYPE
                             : pk_features_is_json(t, n);
        if (one_value && m->col_kind[0] == PK_COL_JSON) json = 0; /* the JSON is the document */
        if (json) return read_json_row(ctx, fname, e, t, n);
    }
    if (given != m->n_features && !m->any_width) {
        count_error(ctx, fname, m, given);
        return ROW_ERROR;
    }
    /* a model that never reads the row (Dummy*) takes any count: the values beyond its
     * n_features are checked but not kept, the slots not given are 0 */
    size_t keep = given < m->n_features ? given : m->n_features;
    if (!m->col_kind) {
        int finite = 1;
        for (size_t j = keep; j < m->n_features; j++)
            e->x[j] = 0.0;
        for (size_t j = 0; j < given; j++) {
            sqlite3_value *v = argv[j + 1];
            double d;
            switch (sqlite3_value_type(v)) {
            case SQLITE_FLOAT:
                d = sqlite3_value_double(v);
                finite &= isfinite(d) != 0;
                break;
            case SQLITE_INTEGER:
                d = (double)sqlite3_value_int64(v);
                break;
            case SQLITE_NULL:
                d = NAN;
                finite = 0;
                break;
            default: { /* TEXT read as a number; BLOB refused */
                pk_cell c;
                if (!value_cell(ctx, fname, m, j, v, &c)) return ROW_ERROR;
                pk_err err;
                pk_err_clear(&err);
                if (pk_cell_number(j < keep ? m : NULL, j, &c, &d, &err) != PK_OK) {
                    pk_sql_error(ctx, fname, &err);
                    return ROW_ERROR;
                }
                finite &= isfinite(d) != 0;
            }
            }
            if (j < keep) e->x[j] = d;
        }
        return finite ? ROW_X_FINITE : ROW_X;
    }
    for (size_t j = keep; j < m->n_features; j++)
        e->cells[j] = (pk_cell){PK_CELL_NUM, 0.0, NULL, 0};
    for (size_t j = 0; j < given; j++) {
        pk_cell c;
        if (!value_cell(ctx, fname, m, j, argv[j + 1], &c)) return ROW_ERROR;
        if (j < keep) e->cells[j] = c;
    }
    return ROW_CELLS;
}

/* The JSON text built in b as the result (JSON subtype), or out of memory. */
static void result_json_buf(sqlite3_context *ctx, const pk_buf *b) {
    if (b->failed != PK_OK) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    sqlite3_result_text64(ctx, (const char *)b->data, b->len, SQLITE_TRANSIENT, SQLITE_UTF8);
    sqlite3_result_subtype(ctx, PK_JSON_SUBTYPE);
}

/* A cell map's output (SimpleImputer on strings alone) as a JSON array. */
static void result_cells(sqlite3_context *ctx, mc_entry *e, const pk_cell *v, size_t n) {
    pk_buf *b = &e->text;
    b->len = 0;
    b->failed = PK_OK;
    pk_buf_putc(b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i) pk_buf_putc(b, ',');
        if (v[i].type == PK_CELL_TEXT)
            pk_json_string(b, v[i].s, v[i].len);
        else if (v[i].type == PK_CELL_NUM)
            pk_json_double(b, v[i].num);
        else
            pk_buf_puts(b, "null");
    }
    pk_buf_putc(b, ']');
    result_json_buf(ctx, b);
}

static void result_label(sqlite3_context *ctx, const pk_model *m, size_t idx) {
    if (idx >= m->n_classes) {
        sqlite3_result_int64(ctx, (sqlite3_int64)idx);
        return;
    }
    switch (m->label_type) {
    case PK_LABELS_INT:
    case PK_LABELS_BOOL:
        sqlite3_result_int64(ctx, m->class_i[idx]);
        return;
    case PK_LABELS_FLOAT:
        if (isnan(m->class_f[idx]))
            sqlite3_result_null(ctx);
        else
            sqlite3_result_double(ctx, m->class_f[idx]);
        return;
    case PK_LABELS_STR:
        /* copied: a later call in the same row may evict and free this entry */
        sqlite3_result_text(ctx, m->class_s[idx], -1, SQLITE_TRANSIENT);
        return;
    case PK_LABELS_NONE:
        sqlite3_result_int64(ctx, (sqlite3_int64)idx);
        return;
    }
}

static void result_array(sqlite3_context *ctx, pk_buf *b, const double *v, size_t n) {
    b->len = 0;
    b->failed = PK_OK;
    /* the bound pk_json_double_array needs; reserved once, the first row (n is the model's) */
    if (pk_buf_reserve(b, 2 + n * (PK_JSON_DOUBLE_MAX + 1)) != PK_OK) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    size_t len = pk_json_double_array((char *)b->data, v, n);
    sqlite3_result_text64(ctx, (const char *)b->data, len, SQLITE_TRANSIENT, SQLITE_UTF8);
    sqlite3_result_subtype(ctx, PK_JSON_SUBTYPE);
}

/* A JSON array of arrays: groups[g] values each, from v (MultiOutputClassifier.predict_proba). */
static void result_groups(sqlite3_context *ctx, pk_buf *b, const double *v, size_t n,
                          const size_t *groups, size_t ngroups) {
    b->len = 0;
    b->failed = PK_OK;
    if (pk_buf_reserve(b, 2 + ngroups * 3 + n * (PK_JSON_DOUBLE_MAX + 1)) != PK_OK) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    char *d = (char *)b->data;
    size_t len = 0;
    d[len++] = '[';
    for (size_t g = 0; g < ngroups; g++) {
        if (g) d[len++] = ',';
        len += pk_json_double_array(d + len, v, groups[g]);
        v += groups[g];
    }
    d[len++] = ']';
    sqlite3_result_text64(ctx, d, len, SQLITE_TRANSIENT, SQLITE_UTF8);
    sqlite3_result_subtype(ctx, PK_JSON_SUBTYPE);
}

void pk_sql_result_out(sqlite3_context *ctx, const pk_model *m, pk_method meth, const double *out,
                       pk_buf *text) {
    if (meth == PK_PREDICT_PROBA && m->proba_groups && m->shape[meth] == PK_OUT_ARRAY) {
        result_groups(ctx, text, out, m->width[meth], m->proba_group, m->proba_groups);
        return;
    }
    switch (m->shape[meth]) {
    case PK_OUT_LABEL:
        result_label(ctx, m, (size_t)out[0]);
        break;
    case PK_OUT_CLUSTER:
        sqlite3_result_int64(ctx, (sqlite3_int64)out[0]);
        break;
    case PK_OUT_SCALAR:
        if (isnan(out[0]))
            sqlite3_result_null(ctx);
        else
            sqlite3_result_double(ctx, out[0]);
        break;
    case PK_OUT_ARRAY:
        result_array(ctx, text, out, m->width[meth]);
        break;
    case PK_OUT_NONE:
        sqlite3_result_null(ctx);
        break;
    }
}

/* Reads the row from argv[1..argc) and runs `meth` into e->out. Returns 1 when e->out holds the
 * result, 0 when the result is already set: an error, or a transform whose result is not a row
 * of numbers (a vectorizer's sparse row, a cell map's cells). */
static int score_row(sqlite3_context *ctx, const char *fname, mc_entry *e, int argc,
                     sqlite3_value **argv, pk_method meth) {
    const pk_model *m = e->model;
    int how = read_row(ctx, fname, e, argc, argv);
    if (how == ROW_ERROR) return 0;
    if (how == ROW_CELLS && m->text_ws && !pk_sql_text_ws(ctx, &e->tws, e->scratch)) return 0;
    if (how == ROW_CELLS && m->text_input && meth == PK_TRANSFORM && m->sparse_out) {
        /* a vectorizer's row stays sparse: a JSON object (sql_text.c) */
        pk_sql_text_sparse(ctx, fname, m, e->cells, e->scratch, e->out, &e->text);
        return 0;
    }
    pk_err err;
    pk_err_clear(&err);
    pk_code rc;
    int cells_out = how == ROW_CELLS && meth == PK_TRANSFORM && m->cmap &&
                    m->shape[PK_TRANSFORM] == PK_OUT_NONE;
    if (cells_out)
        rc = m->cmap(m, e->cells, e->cout, &err);
    else if (how == ROW_CELLS)
        rc = pk_model_run_cells(m, meth, e->cells, e->x, e->scratch, e->out, &err);
    else if (how == ROW_X_FINITE)
        rc = pk_model_run_finite(m, meth, e->x, e->scratch, e->out, &err);
    else
        rc = pk_model_run(m, meth, e->x, e->scratch, e->out, &err);
    if (rc != PK_OK) {
        pk_sql_error(ctx, fname, &err);
        return 0;
    }
    if (cells_out) {
        result_cells(ctx, e, e->cout, m->cmap_width);
        return 0;
    }
    return 1;
}

static void model_call(sqlite3_context *ctx, int argc, sqlite3_value **argv, pk_method meth,
                       const char *fname, int blob_only) {
    if (argc < 1) {
        pk_sql_errorf(ctx, fname, "expects a model and its features");
        return;
    }
    int is_null, from_aux;
    mc_entry *e = model_entry(ctx, fname, argv[0], blob_only, &is_null, &from_aux);
    if (!e) {
        if (is_null) sqlite3_result_null(ctx);
        return;
    }
    const pk_model *m = e->model;
    if (score_row(ctx, fname, e, argc, argv, meth))
        pk_sql_result_out(ctx, m, meth, e->out, &e->text);
    /* last: the destructor may run at once (non-constant argument) */
    if (!from_aux) sqlite3_set_auxdata(ctx, 0, e, entry_unref);
}

void pk_fn_model_predict(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    model_call(ctx, argc, argv, PK_PREDICT, "model_predict", 0);
}

void pk_fn_model_predict_proba(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    model_call(ctx, argc, argv, PK_PREDICT_PROBA, "model_predict_proba", 0);
}

void pk_fn_model_transform(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    model_call(ctx, argc, argv, PK_TRANSFORM, "model_transform", 0);
}

void pk_fn_model_decision_function(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    model_call(ctx, argc, argv, PK_DECISION, "model_decision_function", 0);
}

void pk_fn_model_predict_log_proba(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    model_call(ctx, argc, argv, PK_PREDICT_LOG_PROBA, "model_predict_log_proba", 0);
}

void pk_fn_model_score_samples(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    model_call(ctx, argc, argv, PK_SCORE_SAMPLES, "model_score_samples", 0);
}

void pk_fn_pickle_predict(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    model_call(ctx, argc, argv, PK_PREDICT, "pickle_predict", 1);
}

void pk_fn_pickle_predict_proba(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    model_call(ctx, argc, argv, PK_PREDICT_PROBA, "pickle_predict_proba", 1);
}

void pk_fn_pickle_transform(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    model_call(ctx, argc, argv, PK_TRANSFORM, "pickle_transform", 1);
}

void pk_fn_pickle_decision_function(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    model_call(ctx, argc, argv, PK_DECISION, "pickle_decision_function", 1);
}

void pk_fn_pickle_predict_log_proba(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    model_call(ctx, argc, argv, PK_PREDICT_LOG_PROBA, "pickle_predict_log_proba", 1);
}

void pk_fn_pickle_score_samples(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    model_call(ctx, argc, argv, PK_SCORE_SAMPLES, "pickle_score_samples", 1);
}

/* ---- model_inverse_transform ------------------------------------------------------------- */

static void json_label(pk_buf *b, const pk_model *m, size_t i);

/* A set inverse (MultiLabelBinarizer): the classes k with e->out[k] == 1, a JSON array. */
static void result_label_set(sqlite3_context *ctx, mc_entry *e, size_t n) {
    pk_buf *b = &e->text;
    b->len = 0;
    b->failed = PK_OK;
    pk_buf_putc(b, '[');
    int first = 1;
    for (size_t k = 0; k < n; k++) {
        if (e->out[k] != 1.0) continue;
        if (!first) pk_buf_putc(b, ',');
        first = 0;
        json_label(b, e->model, k);
    }
    pk_buf_putc(b, ']');
    result_json_buf(ctx, b);
}

/* Reads the encoded value of model_inverse_transform into e->out: a number, numeric TEXT, or a
 * JSON array of numbers (a LabelBinarizer row). */
static int read_encoded(sqlite3_context *ctx, const char *fname, mc_entry *e, sqlite3_value *v,
                        size_t *n) {
    const pk_model *m = e->model;
    pk_err err;
    pk_err_clear(&err);
    int t = sqlite3_value_type(v);
    if (t == SQLITE_INTEGER || t == SQLITE_FLOAT) {
        e->out[0] = sqlite3_value_double(v);
        *n = 1;
        return 1;
    }
    if (t != SQLITE_TEXT) {
        pk_sql_errorf(ctx, fname, "argument 2 is %s, not an encoded value",
                      t == SQLITE_NULL ? "NULL" : "a BLOB");
        return 0;
    }
    const char *s = (const char *)sqlite3_value_text(v);
    size_t len = (size_t)sqlite3_value_bytes(v);
    if (!s) {
        sqlite3_result_error_nomem(ctx);
        return 0;
    }
    pk_cell one = {PK_CELL_TEXT, 0, s, len};
    if (!pk_features_is_json(s, len)) {
        if (pk_cell_number(NULL, 1, &one, &e->out[0], &err) != PK_OK) {
            pk_sql_errorf(ctx, fname, "argument 2 is '%.40s', not a number", s);
            return 0;
        }
        *n = 1;
        return 1;
    }
    /* a JSON array of inverse_width numbers, read as the features of a model that wide */
    pk_model shape = *m;
    shape.n_features = m->inverse_width;
    shape.feature_names = NULL;
    pk_buf *sb = &e->strings;
    sb->len = 0;
    sb->failed = PK_OK;
    if (pk_buf_reserve(sb, len + 1) != PK_OK) {
        sqlite3_result_error_nomem(ctx);
        return 0;
    }
    if (pk_features_from_json(&shape, s, len, e->cout, e->seen, (char *)sb->data, &err) != PK_OK ||
        pk_model_cells_to_x(NULL, e->cout, m->inverse_width, NULL, e->out, &err) != PK_OK) {
        pk_sql_error(ctx, fname, &err);
        return 0;
    }
    *n = m->inverse_width;
    return 1;
}

static void inverse_call(sqlite3_context *ctx, sqlite3_value **argv, const char *fname,
                         int blob_only) {
    int is_null, from_aux;
    mc_entry *e = model_entry(ctx, fname, argv[0], blob_only, &is_null, &from_aux);
    if (!e) {
        if (is_null) sqlite3_result_null(ctx);
        return;
    }
    const pk_model *m = e->model;
    size_t n, cls;
    if (!m->inverse) {
        pk_sql_errorf(ctx, fname,
                      "%s has no inverse (LabelEncoder, LabelBinarizer and MultiLabelBinarizer "
                      "have one)",
                      m->cls);
    } else if (sqlite3_value_type(argv[1]) == SQLITE_NULL) {
        sqlite3_result_null(ctx);
    } else if (read_encoded(ctx, fname, e, argv[1], &n)) {
        pk_err err;
        pk_err_clear(&err);
        if (m->inverse(m, e->out, n, &cls, &err) != PK_OK)
            pk_sql_error(ctx, fname, &err);
        else if (m->inverse_set)
            result_label_set(ctx, e, n);
        else
            result_label(ctx, m, cls);
    }
    if (!from_aux) sqlite3_set_auxdata(ctx, 0, e, entry_unref);
}

void pk_fn_model_inverse_transform(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    inverse_call(ctx, argv, "model_inverse_transform", 0);
}

void pk_fn_pickle_inverse_transform(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    inverse_call(ctx, argv, "pickle_inverse_transform", 1);
}

/* ---- one class's probability (REAL), all of them as a float64 BLOB ------------------------- */

/* The column of `label` in m's probabilities (its position in classes_), or -1 when no class has
 * that label. Labels compare by value: numbers (INTEGER or REAL) with int, float and bool (0/1)
 * labels, TEXT with str labels. */
static long class_index(const pk_model *m, sqlite3_value *label) {
    int t = sqlite3_value_type(label);
    for (size_t i = 0; i < m->n_classes; i++) {
        switch (m->label_type) {
        case PK_LABELS_INT:
        case PK_LABELS_BOOL:
            if (t == SQLITE_INTEGER && sqlite3_value_int64(label) == m->class_i[i]) return (long)i;
            if (t == SQLITE_FLOAT && sqlite3_value_double(label) == (double)m->class_i[i])
                return (long)i;
            break;
        case PK_LABELS_FLOAT:
            if ((t == SQLITE_INTEGER || t == SQLITE_FLOAT) &&
                sqlite3_value_double(label) == m->class_f[i])
                return (long)i;
            break;
        case PK_LABELS_STR:
            if (t == SQLITE_TEXT) {
                const char *s = (const char *)sqlite3_value_text(label);
                if (s && strcmp(s, m->class_s[i]) == 0 &&
                    (size_t)sqlite3_value_bytes(label) == strlen(s))
                    return (long)i;
            }
            break;
        case PK_LABELS_NONE:
            break;
        }
    }
    return -1;
}

typedef enum proba_form { PROBA_OF_CLASS, PROBA_BLOB } proba_form;

/* model_proba(m, class, x...) -> REAL and model_predict_proba_blob(m, x...) -> BLOB: predict_proba
 * without JSON text. */
static void proba_call(sqlite3_context *ctx, int argc, sqlite3_value **argv, const char *fname,
                       int blob_only, proba_form form) {
    int skip = form == PROBA_OF_CLASS; /* arguments between the model and the features */
    if (argc < 1 + skip) {
        pk_sql_errorf(ctx, fname, "%s",
                      form == PROBA_OF_CLASS ? "expects a model, a class label and the features"
                                             : "expects a model and its features");
        return;
    }
    int is_null, from_aux;
    mc_entry *e = model_entry(ctx, fname, argv[0], blob_only, &is_null, &from_aux);
    if (!e) {
        if (is_null) sqlite3_result_null(ctx);
        return;
    }
    const pk_model *m = e->model;
    long col = 0;
    if (m->shape[PK_PREDICT_PROBA] != PK_OUT_ARRAY) {
        pk_err err;
        pk_err_clear(&err);
        pk_model_run(m, PK_PREDICT_PROBA, e->x, e->scratch, e->out, &err); /* words the reason */
        if (err.code == PK_OK)
            pk_sql_errorf(ctx, fname, "%s has no predict_proba", m->cls);
        else
            pk_sql_error(ctx, fname, &err);
    } else if (form == PROBA_OF_CLASS && m->width[PK_PREDICT_PROBA] != m->n_classes) {
        pk_sql_errorf(ctx, fname, "%s gives several outputs' probabilities: use %s", m->cls,
                      blob_only ? "pickle_predict_proba" : "model_predict_proba");
    } else if (form == PROBA_OF_CLASS && sqlite3_value_type(argv[1]) == SQLITE_NULL) {
        sqlite3_result_null(ctx);
    } else if (form == PROBA_OF_CLASS && (col = class_index(m, argv[1])) < 0) {
        const char *t = (const char *)sqlite3_value_text(argv[1]);
        pk_sql_errorf(ctx, fname, "%s has no class '%s' (see model_info(...) ->> '$.classes_')",
                      m->cls, t ? t : "");
    } else {
        if (score_row(ctx, fname, e, argc - skip, argv + skip, PK_PREDICT_PROBA)) {
            if (form == PROBA_BLOB)
                sqlite3_result_blob64(ctx, e->out, m->width[PK_PREDICT_PROBA] * sizeof(double),
                                      SQLITE_TRANSIENT);
            else if (isnan(e->out[col]))
                sqlite3_result_null(ctx);
            else
                sqlite3_result_double(ctx, e->out[col]);
        }
    }
    /* last: the destructor may run at once (non-constant argument) */
    if (!from_aux) sqlite3_set_auxdata(ctx, 0, e, entry_unref);
}

void pk_fn_model_proba(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    proba_call(ctx, argc, argv, "model_proba", 0, PROBA_OF_CLASS);
}

void pk_fn_model_predict_proba_blob(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    proba_call(ctx, argc, argv, "model_predict_proba_blob", 0, PROBA_BLOB);
}

void pk_fn_pickle_proba(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    proba_call(ctx, argc, argv, "pickle_proba", 1, PROBA_OF_CLASS);
}

void pk_fn_pickle_predict_proba_blob(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    proba_call(ctx, argc, argv, "pickle_predict_proba_blob", 1, PROBA_BLOB);
}

/* ---- model_score's block path (sql_score.c) ----------------------------------------------- */

/* The pointer type of model_score_handle's result (sqlite3_result_pointer: NULL to SQL). */
static const char entry_ptr_type[] = "pickle_ext.model_entry";

void pk_fn_model_score_handle(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    int is_null, from_aux;
    mc_entry *e = model_entry(ctx, "model_predict", argv[0], 0, &is_null, &from_aux);
    if (!e) {
        if (is_null) sqlite3_result_null(ctx);
        return;
    }
    /* no auxdata here: the reference model_entry took goes with the pointer */
    sqlite3_result_pointer(ctx, e, entry_ptr_type, entry_unref);
}

struct mc_entry *pk_sql_entry_hold(sqlite3_value *v) {
    mc_entry *e = sqlite3_value_pointer(v, entry_ptr_type);
    if (e) e->refs++;
    return e;
}

void pk_sql_entry_release(struct mc_entry *e) {
    entry_unref(e);
}

const pk_model *pk_sql_entry_model(const struct mc_entry *e) {
    return e->model;
}

/* ---- model_info ---------------------------------------------------------------------------- */

/* The catalogue's kind of an estimator the compiler did not compile; NULL when the class is not
 * a catalogued estimator. */
static const char *catalogue_kind(const pk_value *root) {
    if (!root || root->kind != PK_OBJECT || !root->u.o.cls || root->u.o.cls->kind != PK_GLOBAL)
        return NULL;
    const pk_cat_row *row = pk_catalogue_find(root->u.o.cls->u.g.module, root->u.o.cls->u.g.name);
    return row && row->kind != PK_CAT_HELPER ? pk_cat_kind_name(row->kind) : NULL;
}

static void json_label(pk_buf *b, const pk_model *m, size_t i) {
    switch (m->label_type) {
    case PK_LABELS_INT:
        pk_buf_printf(b, "%lld", (long long)m->class_i[i]);
        break;
    case PK_LABELS_BOOL:
        pk_buf_puts(b, m->class_i[i] ? "true" : "false");
        break;
    case PK_LABELS_FLOAT:
        pk_json_double(b, m->class_f[i]);
        break;
    case PK_LABELS_STR:
        pk_json_string(b, m->class_s[i], strlen(m->class_s[i]));
        break;
    case PK_LABELS_NONE:
        break;
    }
}

static void json_labels(pk_buf *b, const pk_model *m) {
    pk_buf_putc(b, '[');
    for (size_t i = 0; i < m->n_classes; i++) {
        if (i) pk_buf_putc(b, ',');
        json_label(b, m, i);
    }
    pk_buf_putc(b, ']');
}

/* Writes attribute `name` of root as JSON (null when absent). */
static void json_attr(pk_buf *b, const pk_value *root, const char *name, const pk_limits *lim) {
    const pk_value *v = root ? pk_attr(root, name) : NULL;
    if (!v) {
        pk_buf_puts(b, "null");
        return;
    }
    pk_err err;
    pk_err_clear(&err);
    size_t mark = b->len;
    if (pk_json_write(b, v, "$", lim, &err) != PK_OK && b->failed == PK_OK) {
        b->len = mark;
        pk_buf_puts(b, "null");
    }
}

static void model_info(sqlite3_context *ctx, sqlite3_value **argv, const char *fname,
                       int blob_only) {
    int is_null;
    pk_doc *doc = model_doc(ctx, fname, argv[0], blob_only, NULL, &is_null);
    if (!doc) {
        if (is_null) sqlite3_result_null(ctx);
        return;
    }
    pk_limits lim;
    pk_sql_limits(ctx, &lim);
    lim.max_expand = doc->limits.max_expand; /* the attributes' JSON: capped like pickle_json */
    const pk_value *root = doc->root;
    pk_err err;
    pk_err_clear(&err);
    pk_buf ub;
    pk_buf_init(&ub, &pk_sql_alloc, 0);
    const char *unsafe = unsafe_reason(doc, &ub);
    pk_model *m = NULL;
    if (unsafe)
        pk_err_set(&err, PK_EMODEL, -1, -1, "%.*s", PK_ERR_MSG_MAX - 1, unsafe);
    else
        m = pk_model_compile_lim(&pk_sql_alloc, root, &lim, &err);
    pk_buf_free(&ub);
    pk_buf b;
    pk_buf_init(&b, &pk_sql_alloc, lim.max_output);
    char tn[300];
    pk_buf_puts(&b, "{\"class\":");
    pk_type_name(root, tn, sizeof tn);
    pk_json_string(&b, tn, strlen(tn));
    pk_buf_puts(&b, ",\"kind\":");
    const char *kind = m ? pk_model_kind_name(m->kind) : catalogue_kind(root);
    if (kind)
        pk_json_string(&b, kind, strlen(kind));
    else
        pk_buf_puts(&b, "null");
    pk_buf_puts(&b, ",\"n_features_in_\":");
    if (m)
        pk_buf_printf(&b, "%zu", m->n_features);
    else
        json_attr(&b, root, "n_features_in_", &lim);
    pk_buf_puts(&b, ",\"feature_names_in_\":");
    if (m && m->feature_names) {
        pk_buf_putc(&b, '[');
        for (size_t i = 0; i < m->n_features; i++) {
            if (i) pk_buf_putc(&b, ',');
            pk_json_string(&b, m->feature_names[i], strlen(m->feature_names[i]));
        }
        pk_buf_putc(&b, ']');
    } else if (m) {
        pk_buf_puts(&b, "null");
    } else {
        json_attr(&b, root, "feature_names_in_", &lim);
    }
    pk_buf_puts(&b, ",\"classes_\":");
    if (m && m->n_classes)
        json_labels(&b, m);
    else if (m)
        pk_buf_puts(&b, "null");
    else
        json_attr(&b, root, "classes_", &lim);
    pk_buf_puts(&b, ",\"sklearn_version\":");
    const pk_value *ver = root->kind == PK_OBJECT ? pk_attr(root, "_sklearn_version") : NULL;
    if (ver && ver->kind == PK_STR)
        pk_json_string(&b, ver->u.s.ptr, ver->u.s.len);
    else
        pk_buf_puts(&b, "null");
    if (m) {
        if (m->n_features == 1 && m->col_kind && m->col_kind[0] == PK_COL_JSON)
            pk_buf_puts(&b, ",\"input\":\"json\"");
        else if (m->text_input)
            pk_buf_puts(&b, ",\"input\":\"text\"");
        pk_buf_puts(&b, ",\"methods\":[");
        int first = 1;
        for (int k = 0; k < PK_METHOD_COUNT; k++) {
            if (m->shape[k] == PK_OUT_NONE) continue;
            if (!first) pk_buf_putc(&b, ',');
            first = 0;
            pk_buf_printf(&b, "\"%s\"", pk_method_name((pk_method)k));
        }
        pk_buf_puts(&b, "],\"supported\":true}");
    } else {
        pk_model_describe(&b, root, &lim, &pk_sql_alloc); /* e.g. a LightGBM model's content */
        pk_buf_puts(&b, ",\"supported\":false,\"reason\":");
        pk_json_string(&b, err.msg, strlen(err.msg));
        pk_buf_putc(&b, '}');
    }
    pk_model_free(m);
    pk_doc_free(doc);
    size_t len;
    uint8_t *text = pk_buf_take(&b, &len);
    if (!text) {
        if (b.failed == PK_ELIMIT)
            sqlite3_result_error_toobig(ctx);
        else
            sqlite3_result_error_nomem(ctx);
        pk_buf_free(&b);
        return;
    }
    pk_sql_result_json(ctx, text, len);
}

void pk_fn_model_info(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    model_info(ctx, argv, "model_info", 0);
}

void pk_fn_pickle_model_info(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    model_info(ctx, argv, "pickle_model_info", 1);
}
