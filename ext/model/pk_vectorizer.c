/*
 * pk_vectorizer.c - scikit-learn's text vectorizers (CountVectorizer, TfidfVectorizer,
 * HashingVectorizer), TfidfTransformer, and pipelines that start with a vectorizer; the
 * document stays a sparse row (pk_sparse) up to the first step that needs it dense.
 *
 * A document's row, as scikit-learn 1.2 builds it (docs/text.md):
 *   Count/Tfidf  analyzer features (pk_text.h) looked up in vocabulary_ (a pk_strmap built at
 *                compile time); counts per column; columns ascending (_count_vocab's
 *                sort_indices); binary -> 1; values in `dtype` (float32 rounds).
 *   Hashing      MurmurHash3 (seed 0) of each feature's UTF-8 as a signed 32-bit h; column
 *                |h| mod n_features (|-2^31| taken as 2^31), value -1 when alternate_sign and h
 *                < 0, else 1; sum_duplicates (columns ascending; a zero sum stays an explicit
 *                entry); binary -> 1 (after the sums, so a cancelled entry becomes 1); norm.
 *   TfidfTransformer (alone, or TfidfVectorizer._tfidf): sublinear_tf -> log(v) + 1; use_idf ->
 *                v * idf: with _idf_diag (a pickled csr diagonal matrix, scikit-learn 1.2-1.4)
 *                that is scipy's csr_matmat, which writes the row's columns in reverse order and
 *                drops zero products; with an idf_ array (>= 1.5) in place. Then norm.
 *   norm         l2: s = sum of v*v in data order, in double (each square in the row's dtype),
 *                v / sqrt(s) unless s == 0; l1: the same with |v|. As sklearn's
 *                inplace_csr_row_normalize_l1/l2.
 * The data order matters: the next step sums in it (a linear model's sparse dot is scipy's
 * csr_matvec: from 0.0, the row's entries in data order), so the row keeps it.
 *
 * Text pipelines: vectorizer, then any sparse -> sparse steps (TfidfTransformer), then the next
 * step takes the sparse row when its family has a sparse kernel (m->sfn: linear classifiers,
 * naive Bayes, TruncatedSVD), or the row made dense when it has at most PK_TEXT_DENSE_MAX
 * columns and scikit-learn accepts sparse input for it; later steps run densely.
 *
 * Refused: input='filename'/'file' (would read files), callables (preprocessor, tokenizer,
 * analyzer, strip_accents: user code), token patterns outside pk_regex.h's subset, a vocabulary
 * with an index outside [0, len), dtype other than float64/float32/int types.
 */
#include "pk_docrow.h"

#include "pk_ndarray.h"
#include "pk_text.h"
#include "pk_wordgrams.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The widest row made dense for a step without a sparse kernel. */
#define PK_TEXT_DENSE_MAX 100000

enum { NORM_NONE, NORM_L1, NORM_L2 };

typedef struct pk_tfidf {
    int norm, use_idf, sublinear, f32_idf;
    int reverse;       /* _idf_diag: csr_matmat's reversed order  */
    const double *idf; /* n values                                 */
    size_t n;
} pk_tfidf;

typedef struct pk_vec {
    pk_analyzer an;
    pk_regex *re;
    pk_strmap stop, vocab; /* vocab: when the trie is not used       */
    pk_wordgrams grams;    /* the vocabulary as a trie (use_grams)   */
    int use_grams;
    int hashing, alternate_sign, binary, dtype, norm;
    size_t n_out;
    pk_tfidf *tfidf; /* TfidfVectorizer */
} pk_vec;

/* An allocator drawing from the model's arena (frees are no-ops: the arena goes at once). */
static void *arena_malloc(void *ctx, size_t n) {
    return pk_arena_alloc(ctx, n);
}
static void arena_free(void *ctx, void *p) {
    (void)ctx;
    (void)p;
}

const pk_alloc *pk_mc_arena_alloc(pk_mc *c) {
    pk_alloc *aa = pk_mc_alloc(c, 1, sizeof *aa);
    if (!aa) return NULL;
    aa->malloc = arena_malloc;
    aa->free = arena_free;
    aa->ctx = c->m->arena;
    return aa;
}

/* ---- the row's arithmetic ------------------------------------------------------------------ */

static double rnd(double v, int f32) {
    return f32 ? (double)(float)v : v;
}

/* Columns ascending (for showing a row; values unchanged). */
static void sort_sparse(pk_sparse *x) {
    for (size_t i = 1; i < x->nnz; i++) {
        uint32_t c = x->idx[i];
        double v = x->val[i];
        size_t j = i;
        while (j > 0 && x->idx[j - 1] > c) {
            x->idx[j] = x->idx[j - 1];
            x->val[j] = x->val[j - 1];
            j--;
        }
        x->idx[j] = c;
        x->val[j] = v;
    }
}

static int descending(const pk_sparse *x) {
    for (size_t i = 1; i < x->nnz; i++)
        if (x->idx[i] > x->idx[i - 1]) return 0;
    return 1;
}

static void show_order(pk_sparse *x) {
    if (descending(x)) {
        for (size_t i = 0; i < x->nnz / 2; i++) {
            uint32_t c = x->idx[i];
            double v = x->val[i];
            x->idx[i] = x->idx[x->nnz - 1 - i];
            x->val[i] = x->val[x->nnz - 1 - i];
            x->idx[x->nnz - 1 - i] = c;
            x->val[x->nnz - 1 - i] = v;
        }
    }
    sort_sparse(x);
}

/* The row's scaling by its l1 or l2 norm: s is the sum normalize computes (of |v|, or of v * v
 * in the row's dtype), in the row's order. */
static void divide_by_norm(pk_sparse *x, int norm, double s) {
    if (s == 0.0) return;
    if (norm == NORM_L2) s = sqrt(s);
    for (size_t i = 0; i < x->nnz; i++)
        x->val[i] = rnd(x->val[i] / s, x->f32);
}

static void normalize(pk_sparse *x, int norm) {
    if (norm == NORM_NONE) return;
    double s = 0.0;
    for (size_t i = 0; i < x->nnz; i++) {
        double v = x->val[i];
        if (norm == NORM_L1)
            s += fabs(v);
        else
            s += x->f32 ? (double)((float)v * (float)v) : v * v;
    }
    divide_by_norm(x, norm, s);
}

pk_code pk_sparse_normalize(pk_sparse *x, const char *norm) {
    if (strcmp(norm, "l1") == 0 || strcmp(norm, "l2") == 0) {
        normalize(x, norm[1] == '1' ? NORM_L1 : NORM_L2);
        return PK_OK;
    }
    /* max: min_max_axis sums duplicates first, which sorts the row's columns in place */
    show_order(x);
    double mx = 0.0;
    for (size_t i = 0; i < x->nnz; i++)
        if (fabs(x->val[i]) > mx) mx = fabs(x->val[i]);
    if (mx != 0.0)
        for (size_t i = 0; i < x->nnz; i++)
            x->val[i] = rnd(x->val[i] / mx, x->f32);
    return PK_OK;
}

/* v * idf for the row x, its columns ascending, or descending when `reversed` (a vectorizer's
 * row for an _idf_diag TfidfTransformer, which then needs no reversing here). */
static pk_code tfidf_apply(const pk_tfidf *T, pk_sparse *x, int reversed, pk_err *err) {
    size_t top = x->nnz ? (reversed ? x->idx[0] : x->idx[x->nnz - 1]) : 0;
    if (T->use_idf && x->nnz && top >= T->n)
        return pk_err_set(err, PK_EFEATURE, -1, -1,
                          "TfidfTransformer: column %zu is beyond its %zu features", top, T->n);
    if (T->sublinear)
        for (size_t i = 0; i < x->nnz; i++)
            x->val[i] = x->f32 ? (double)(logf((float)x->val[i]) + 1.0f) : log(x->val[i]) + 1.0;
    if (T->use_idf) {
        int f32 = x->f32 && T->f32_idf;
        if (!T->reverse) {
            for (size_t i = 0; i < x->nnz; i++)
                x->val[i] = rnd(x->val[i] * T->idf[x->idx[i]], x->f32);
        } else {
            /* csr_matmat: products in the result dtype, columns in reverse, zeros dropped */
            size_t k = 0, n = x->nnz;
            if (!reversed)
                for (size_t i = 0; i < n / 2; i++) {
                    uint32_t ti = x->idx[i];
                    double tv = x->val[i];
                    x->idx[i] = x->idx[n - 1 - i];
                    x->val[i] = x->val[n - 1 - i];
                    x->idx[n - 1 - i] = ti;
                    x->val[n - 1 - i] = tv;
                }
            if (!f32 && T->norm == NORM_L2) { /* the l2 sum in the same pass, in the same order */
                double s = 0.0;
                for (size_t i = 0; i < n; i++) {
                    double v = x->val[i] * T->idf[x->idx[i]];
                    x->idx[k] = x->idx[i];
                    x->val[k] = v;
                    k += v != 0.0;
                    s += v * v; /* a dropped zero adds 0.0 */
                }
                x->nnz = k;
                x->f32 = 0;
                divide_by_norm(x, NORM_L2, s);
                return PK_OK;
            }
            for (size_t i = 0; i < n; i++) {
                double v = f32 ? (double)((float)x->val[i] * (float)T->idf[x->idx[i]])
                               : x->val[i] * T->idf[x->idx[i]];
                if (v == 0.0) continue;
                x->idx[k] = x->idx[i];
                x->val[k++] = v;
            }
            x->nnz = k;
            x->f32 = f32;
        }
    }
    normalize(x, T->norm);
    return PK_OK;
}

/* ---- analysing a document ------------------------------------------------------------------ */

typedef struct feat_ctx {
    const pk_vec *V;
    pk_text_ws *ws;
    size_t n;
    pk_err *err;
} feat_ctx;

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* HashingVectorizer: a feature's column and sign as column << 1 | negative. */
static pk_code add_feature(void *p, const uint8_t *s, size_t n) {
    feat_ctx *f = p;
    const pk_vec *V = f->V;
    int32_t h = pk_murmur3_32(s, n, 0);
    uint32_t a = h == INT32_MIN ? 0x80000000u : (uint32_t)(h < 0 ? -h : h);
    uint32_t code = (uint32_t)(a % V->n_out) << 1 | (V->alternate_sign && h < 0);
    pk_text_ws *ws = f->ws;
    pk_code rc =
        pk_text_ws_need(ws, (void **)&ws->feat, &ws->feat_cap, f->n + 1, sizeof(uint32_t), f->err);
    if (rc) return rc;
    ws->feat[f->n++] = code;
    return PK_OK;
}

static unsigned bits_of(size_t v) {
    unsigned b = 0;
    while (v >> b)
        b++;
    return b;
}

static void insertion_sort(uint32_t *a, size_t n) {
    for (size_t i = 1; i < n; i++) {
        uint32_t v = a[i];
        size_t j = i;
        while (j > 0 && a[j - 1] > v) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = v;
    }
}

/* Sorts a[0..n) ascending, keys below 2^bits; tmp has room for n. Returns the array that holds
 * the result (a or tmp): a short list by insertion; a longer one is first spread by its top
 * bits (up to 8) into tmp (one counting pass), which leaves it nearly sorted for the insertion
 * pass. */
static uint32_t *sort_u32(uint32_t *a, uint32_t *tmp, size_t n, unsigned bits) {
    if (n <= 24) {
        insertion_sort(a, n);
        return a;
    }
    if (n > 4096) {
        qsort(a, n, sizeof *a, cmp_u32);
        return a;
    }
    unsigned dbits = bits_of(n) < 8 ? bits_of(n) : 8; /* about 1 .. 2 keys per bucket */
    unsigned shift = bits > dbits ? bits - dbits : 0;
    size_t nb = (size_t)1 << dbits;
    uint16_t count[256];
    for (size_t d = 0; d < nb; d++)
        count[d] = 0;
    for (size_t i = 0; i < n; i++)
        count[a[i] >> shift]++;
    uint16_t pos = 0;
    for (size_t d = 0; d < nb; d++) {
        uint16_t c = count[d];
        count[d] = pos;
        pos = (uint16_t)(pos + c);
    }
    for (size_t i = 0; i < n; i++)
        tmp[count[a[i] >> shift]++] = a[i];
    insertion_sort(tmp, n);
    return tmp;
}

/* Vocabularies up to this many columns count a document's columns in a bitmap (8 KB for
 * 65,536 columns); larger ones, and hashing, sort the features. */
#define BITMAP_MAX_COLS (1u << 20)

/* The column of bit `at` of a bitmap word whose first bit stands for column `base`: base + at,
 * or base - at when the bitmap runs from the last column down (desc). */
static PK_ALWAYS_INLINE uint32_t column_at(uint32_t base, int at, int desc) {
    return desc ? base - (uint32_t)at : base + (uint32_t)at;
}

/* The columns of one bitmap word (b: its bits, at least one set) into idx/val from k, in the
 * order of its bits; returns the new k. The first two without branching (terms sharing a first
 * word have neighbouring columns, so two are common; a second that is not there is written at
 * k and overwritten), then the rest. */
static PK_ALWAYS_INLINE size_t word_columns(uint64_t b, uint32_t base, int desc, uint32_t *idx,
                                            double *val, size_t k) {
    uint64_t b2 = b & (b - 1);
    idx[k] = column_at(base, __builtin_ctzll(b), desc);
    val[k++] = 1.0;
    idx[k] = column_at(base, __builtin_ctzll(b2 | 1ull << 63), desc);
    val[k] = 1.0;
    k += b2 != 0;
    for (b = b2 & (b2 - 1); b; b &= b - 1) {
        idx[k] = column_at(base, __builtin_ctzll(b), desc);
        val[k++] = 1.0;
    }
    return k;
}

/* The row of features feat[0..nf) (vocabulary columns): columns ascending (descending when desc),
 * each with its count. A bit per column and a bit per 64-column word of those, both kept all 0
 * between documents, give the distinct columns in order without sorting (column c at bit c, or
 * at bit top - c when desc); a column seen again is noted in feat (over the features already
 * read) and counted after. Always inlined: vectorize calls it with desc constant, so each
 * order has its own branch-free code. */
static PK_ALWAYS_INLINE void count_bitmap(const pk_vec *V, pk_text_ws *ws, uint32_t *feat,
                                          size_t nf, int desc, pk_sparse *x) {
    size_t words = (V->n_out + 63) / 64;
    uint32_t top = (uint32_t)(words * 64 - 1);
    uint64_t *bm = ws->bits, *sm = bm + words;
    const double *idf = V->tfidf && V->tfidf->use_idf ? V->tfidf->idf : NULL;
    size_t ndup = 0;
    for (size_t i = 0; i < nf; i++) { /* no branch on the data: repeats are rare and random */
        uint32_t f = feat[i], p = desc ? top - f : f;
        uint64_t bit = 1ull << (p & 63);
        size_t w = p >> 6;
        feat[ndup] = f;
        ndup += (bm[w] & bit) != 0;
        bm[w] |= bit;
        sm[w >> 6] |= 1ull << (w & 63);
        if (idf) __builtin_prefetch(idf + f); /* read once the row is built */
        if (ws->pf) __builtin_prefetch(ws->pf + (size_t)f * ws->pf_k);
    }
    uint32_t *idx = ws->idx;
    double *val = ws->val;
    size_t k = 0;
    for (size_t s = 0; s * 64 < words; s++) {
        for (uint64_t sb = sm[s]; sb; sb &= sb - 1) {
            size_t w = s * 64 + (size_t)__builtin_ctzll(sb);
            uint32_t base = desc ? top - (uint32_t)(w * 64) : (uint32_t)(w * 64);
            k = word_columns(bm[w], base, desc, idx, val, k);
            bm[w] = 0;
        }
        sm[s] = 0;
    }
    for (size_t d = 0; d < ndup; d++) { /* idx is monotonic: find the column's entry */
        size_t lo = 0, hi = k;
        while (hi - lo > 1) {
            size_t mid = (lo + hi) / 2;
            if (desc ? idx[mid] >= feat[d] : idx[mid] <= feat[d])
                lo = mid;
            else
                hi = mid;
        }
        val[lo] += 1.0;
    }
    int f32 = V->dtype == PK_DT_F32;
    if (V->binary)
        for (size_t i = 0; i < k; i++)
            val[i] = 1.0;
    else if (f32 && ndup)
        for (size_t i = 0; i < k; i++)
            val[i] = rnd(val[i], 1);
    x->nnz = k;
}

/* The same by sorting: runs of equal columns become (column, count); hashed features carry
 * their sign in bit 0 and sum to the column's value. */
static void count_sorted(const pk_vec *V, pk_text_ws *ws, size_t nf, pk_sparse *x) {
    if (V->tfidf && V->tfidf->use_idf) /* the idf values arrive while the columns are sorted */
        for (size_t i = 0; i < nf; i++)
            if (ws->feat[i] < V->tfidf->n) __builtin_prefetch(V->tfidf->idf + ws->feat[i]);
    const uint32_t *feat =
        sort_u32(ws->feat, ws->idx, nf, bits_of(V->hashing ? 2 * V->n_out : V->n_out));
    /* the result may be written over feat when the sort left it in ws->idx (k <= i) */
    size_t k = 0;
    int f32 = V->dtype == PK_DT_F32;
    for (size_t i = 0; i < nf;) {
        uint32_t col = V->hashing ? feat[i] >> 1 : feat[i];
        double sum = 0;
        if (!V->hashing) {
            size_t i0 = i;
            while (i < nf && feat[i] == col)
                i++;
            sum = (double)(i - i0);
        } else {
            while (i < nf && feat[i] >> 1 == col) {
                sum += feat[i] & 1 ? -1.0 : 1.0;
                i++;
            }
        }
        /* alternate signs may cancel: sum_duplicates keeps the explicit 0 (binary makes it 1) */
        ws->idx[k] = col;
        ws->val[k++] = V->binary ? 1.0 : rnd(sum, f32);
    }
    x->nnz = k;
}

/* The vectorizer's row for doc, in ws->idx / ws->val. */
static pk_code vectorize(const pk_model *m, const uint8_t *doc, size_t n, pk_text_ws *ws,
                         pk_sparse *x, pk_err *err) {
    const pk_vec *V = m->impl;
    size_t cap = m->arena->budget ? m->arena->budget : (size_t)PK_DEFAULT_MAX_MODEL_BYTES;
    size_t nf;
    pk_code rc;
    if (V->hashing) {
        feat_ctx f = {V, ws, 0, err};
        rc = pk_analyze(&V->an, doc, n, ws, cap, add_feature, &f, err);
        nf = f.n;
    } else if (V->use_grams) {
        rc = pk_analyze_wordgrams(&V->an, &V->grams, doc, n, ws, cap, &nf, err);
    } else {
        rc = pk_analyze_lookup(&V->an, doc, n, ws, cap, &V->vocab, &nf, err);
    }
    if (rc) return rc;
    rc = pk_text_ws_need(ws, (void **)&ws->idx, &ws->idx_cap, nf + 1, sizeof(uint32_t), err);
    if (!rc) rc = pk_text_ws_need(ws, (void **)&ws->val, &ws->val_cap, nf + 1, sizeof(double), err);
    int bitmap = !V->hashing && V->n_out <= BITMAP_MAX_COLS;
    if (!rc && bitmap) { /* bits_cap only grows, and each growth is zeroed */
        size_t words = (V->n_out + 63) / 64, had = ws->bits_cap;
        rc = pk_text_ws_need(ws, (void **)&ws->bits, &ws->bits_cap, words + words / 64 + 1,
                             sizeof(uint64_t), err);
        if (!rc && ws->bits_cap != had)
            memset(ws->bits + had, 0, (ws->bits_cap - had) * sizeof(uint64_t));
    }
    if (rc) return rc;
    /* an _idf_diag TfidfTransformer reverses the columns: the bitmap gives them that way */
    int desc = bitmap && V->tfidf && V->tfidf->use_idf && V->tfidf->reverse;
    if (bitmap && desc)
        count_bitmap(V, ws, ws->feat, nf, 1, x);
    else if (bitmap)
        count_bitmap(V, ws, ws->feat, nf, 0, x);
    else
        count_sorted(V, ws, nf, x);
    x->idx = ws->idx;
    x->val = ws->val;
    x->f32 = V->dtype == PK_DT_F32;
    if (V->tfidf) return tfidf_apply(V->tfidf, x, desc, err);
    if (V->hashing) normalize(x, V->norm);
    return PK_OK;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

void pk_sparse_merge(pk_sparse *x, int drop_zeros) {
    size_t k = 0;
    for (size_t i = 0; i < x->nnz;) {
        uint32_t col = x->idx[i];
        double sum = 0.0;
        for (; i < x->nnz && x->idx[i] == col; i++)
            sum = rnd(sum + x->val[i], x->f32);
        if (drop_zeros && sum == 0.0) continue;
        x->idx[k] = col;
        x->val[k++] = sum;
    }
    x->nnz = k;
}

void pk_sparse_add_dense(const pk_sparse *x, double *d) {
    for (size_t k = 0; k < x->nnz; k++)
        d[x->idx[k]] = rnd(d[x->idx[k]] + x->val[k], x->f32);
}

pk_code pk_sparse_sort_stable(pk_sparse *x, pk_text_ws *ws, pk_err *err) {
    size_t n = x->nnz;
    if (n <= 32) {
        sort_sparse(x);
        return PK_OK;
    }
    pk_code rc = pk_text_ws_need(ws, (void **)&ws->keys, &ws->keys_cap, n, sizeof(uint64_t), err);
    if (!rc) rc = pk_text_ws_need(ws, (void **)&ws->val2, &ws->val2_cap, n, sizeof(double), err);
    if (rc) return rc;
    for (size_t i = 0; i < n; i++) { /* the position breaks ties: stable */
        ws->keys[i] = (uint64_t)x->idx[i] << 32 | (uint64_t)i;
        ws->val2[i] = x->val[i];
    }
    qsort(ws->keys, n, sizeof(uint64_t), cmp_u64);
    for (size_t i = 0; i < n; i++) {
        x->idx[i] = (uint32_t)(ws->keys[i] >> 32);
        x->val[i] = ws->val2[ws->keys[i] & 0xFFFFFFFFu];
    }
    return PK_OK;
}

static pk_code vec_text(const pk_model *m, pk_method meth, const uint8_t *doc, size_t n,
                        struct pk_text_ws *ws, double *scratch, double *out, pk_sparse *sv,
                        pk_err *err) {
    (void)meth;
    (void)scratch;
    (void)out;
    pk_code rc = vectorize(m, doc, n, ws, sv, err);
    if (rc == PK_OK) show_order(sv);
    return rc;
}

/* The row in scikit-learn's data order (a text pipeline's first step: m->row_fn). */
static pk_code vec_row(const pk_model *m, pk_method meth, const uint8_t *doc, size_t n,
                       struct pk_text_ws *ws, double *scratch, double *out, pk_sparse *sv,
                       pk_err *err) {
    (void)meth;
    (void)scratch;
    (void)out;
    return vectorize(m, doc, n, ws, sv, err);
}

/* A text model's methods called with numbers. */
static pk_code takes_text(const pk_model *m, const double *x, double *scratch, double *out,
                          pk_err *err) {
    (void)x;
    (void)scratch;
    (void)out;
    return pk_err_set(err, PK_EMODEL, -1, -1, "%s takes a document (one TEXT value)", m->cls);
}

pk_code pk_model_run_text_cell(const pk_model *m, pk_method meth, const pk_cell *doc,
                               double *scratch, double *out, pk_sparse *sv, pk_err *err) {
    pk_text_ws *ws = pk_scratch_ws(scratch);
    if (!ws) return pk_err_set(err, PK_EMODEL, -1, -1, "%s: no text workspace given", m->cls);
    if (doc->type != PK_CELL_TEXT) {
        const char *what = doc->type == PK_CELL_NULL ? "NULL" : "a number";
        if (m->feature_names)
            return pk_err_set(err, PK_EFEATURE, -1, -1, "feature 1 ('%s') is %s: %s takes TEXT",
                              m->feature_names[0], what, m->cls);
        return pk_err_set(err, PK_EFEATURE, -1, -1, "the document is %s: %s takes TEXT", what,
                          m->cls);
    }
    return pk_model_run_text(m, meth, (const uint8_t *)doc->s, doc->len, ws, scratch, out, sv, err);
}

/* The typed entry (col_kind {PK_COL_TEXT}): the document is the row's one cell. A sparse
 * transform is written dense into out (a ColumnTransformer's block). */
static pk_code text_cell(const pk_model *m, pk_method meth, const pk_cell *row, double *scratch,
                         double *out, pk_err *err) {
    pk_sparse sv;
    memset(&sv, 0, sizeof sv);
    pk_code rc = pk_model_run_text_cell(m, meth, &row[0], scratch, out, &sv, err);
    if (rc || !(meth == PK_TRANSFORM && m->sparse_out)) return rc;
    memset(out, 0, m->width[PK_TRANSFORM] * sizeof(double));
    for (size_t k = 0; k < sv.nnz; k++)
        out[sv.idx[k]] = sv.val[k];
    return PK_OK;
}

static pk_code text_cpredict(const pk_model *m, const pk_cell *row, double *scratch, double *out,
                             pk_err *err) {
    return text_cell(m, PK_PREDICT, row, scratch, out, err);
}
static pk_code text_cproba(const pk_model *m, const pk_cell *row, double *scratch, double *out,
                           pk_err *err) {
    return text_cell(m, PK_PREDICT_PROBA, row, scratch, out, err);
}
static pk_code text_ctransform(const pk_model *m, const pk_cell *row, double *scratch, double *out,
                               pk_err *err) {
    return text_cell(m, PK_TRANSFORM, row, scratch, out, err);
}
static pk_code text_cdecision(const pk_model *m, const pk_cell *row, double *scratch, double *out,
                              pk_err *err) {
    return text_cell(m, PK_DECISION, row, scratch, out, err);
}

/* A text model's methods: a typed kernel for the row of one document, and a numeric one that
 * refuses numbers. */
static void text_method(pk_mc *c, pk_method k, pk_out_shape shape, size_t width) {
    static const pk_model_cell_fn cfns[PK_METHOD_COUNT] = {text_cpredict, text_cproba,
                                                           text_ctransform, text_cdecision};
    pk_mc_method(c, k, shape, width, takes_text);
    c->m->cfn[k] = cfns[k];
}

/* One document column (PK_COL_TEXT, or PK_COL_JSON), the workspace slot in front of the
 * scratch. */
static pk_code declare_text_input(pk_mc *c, pk_text_fn fn, pk_col_kind kind) {
    pk_model *m = c->m;
    m->text_input = 1;
    m->text_ws = 1;
    m->text_fn = fn;
    m->n_features = 1;
    m->scratch += PK_WS_DOUBLES;
    return pk_mc_col_kinds(c, kind);
}

/* ---- compiling --------------------------------------------------------------------------- */

static int is_str(const pk_value *v, const char *s) {
    return v && v->kind == PK_STR && strcmp(v->u.s.ptr, s) == 0;
}

static int is_none(const pk_value *v) {
    return !v || v->kind == PK_NONE;
}

static pk_code read_norm(pk_mc *c, const char *cls, int *norm) {
    const pk_value *v = pk_attr(c->obj, "norm");
    if (is_none(v))
        *norm = NORM_NONE;
    else if (is_str(v, "l2"))
        *norm = NORM_L2;
    else if (is_str(v, "l1"))
        *norm = NORM_L1;
    else
        return pk_mc_fail(c, "%s.norm is not 'l1', 'l2' or None", cls);
    return PK_OK;
}

pk_code pk_mc_vec_dtype(pk_mc *c, const char *cls, int *dt) {
    const pk_value *v = pk_attr(c->obj, "dtype");
    const char *name = NULL;
    char kind = 0;
    size_t size = 0;
    if (is_none(v)) {
        *dt = PK_DT_F64;
        return PK_OK;
    }
    if (v->kind == PK_GLOBAL)
        name = v->u.g.name;
    else if (v->kind == PK_STR)
        name = v->u.s.ptr;
    else if (v->kind == PK_DTYPE) {
        kind = v->u.dt->kind;
        size = v->u.dt->itemsize;
    }
    if (name) {
        if (strcmp(name, "float64") == 0 || strcmp(name, "float") == 0 ||
            strcmp(name, "double") == 0) {
            kind = 'f';
            size = 8;
        } else if (strcmp(name, "float32") == 0 || strcmp(name, "single") == 0) {
            kind = 'f';
            size = 4;
        } else if (strncmp(name, "int", 3) == 0 || strncmp(name, "uint", 4) == 0 ||
                   strcmp(name, "intc") == 0) {
            kind = 'i';
            size = 8;
        }
    }
    if (kind == 'f' && size == 8)
        *dt = PK_DT_F64;
    else if (kind == 'f' && size == 4)
        *dt = PK_DT_F32;
    else if (kind == 'i' || kind == 'u')
        *dt = PK_DT_INT;
    else
        return pk_mc_fail(c, "%s.dtype is not float64, float32 or an integer type", cls);
    return PK_OK;
}

/* The idf vector of a TfidfTransformer object: idf_ (an array) or _idf_diag's diagonal. */
static pk_code read_idf(pk_mc *c, const pk_value *obj, pk_tfidf *T) {
    const pk_value *saved = c->obj;
    c->obj = obj;
    pk_mc_arr a;
    pk_code rc;
    const pk_value *diag = pk_attr(obj, "_idf_diag");
    if (!is_none(diag)) {
        double *d;
        rc = pk_mc_sparse_diag(c, diag, "_idf_diag", &d, &T->n, &T->f32_idf);
        if (rc) goto out;
        T->idf = d;
        T->reverse = 1;
    } else {
        rc = pk_mc_array(c, "idf_", 1, &a);
        if (rc) goto out;
        T->idf = a.v;
        T->n = a.n;
        const pk_value *iv = pk_attr(obj, "idf_");
        T->f32_idf = iv && iv->kind == PK_NDARRAY && iv->u.arr->dtype &&
                     iv->u.arr->dtype->u.dt->kind == 'f' && iv->u.arr->dtype->u.dt->itemsize == 4;
    }
    rc = PK_OK;
out:
    c->obj = saved;
    return rc;
}

static pk_code read_tfidf(pk_mc *c, const pk_value *obj, const char *cls, pk_tfidf **out) {
    const pk_value *saved = c->obj;
    c->obj = obj;
    pk_tfidf *T = pk_mc_alloc(c, 1, sizeof *T);
    if (!T) {
        c->obj = saved;
        return c->err->code;
    }
    pk_code rc = read_norm(c, cls, &T->norm);
    T->use_idf = pk_mc_bool(c, "use_idf", 1);
    T->sublinear = pk_mc_bool(c, "sublinear_tf", 0);
    c->obj = saved;
    if (rc) return rc;
    if (T->use_idf) {
        rc = read_idf(c, obj, T);
        if (rc) return rc;
    }
    *out = T;
    return PK_OK;
}

static pk_code read_analyzer(pk_mc *c, pk_vec *V, const pk_alloc *aa) {
    const char *cls = c->m->cls;
    const pk_value *in = pk_attr(c->obj, "input");
    if (!is_none(in) && !is_str(in, "content"))
        return pk_mc_fail(c, "%s.input is not 'content' (it would read files)", cls);
    static const char *const callables[] = {"preprocessor", "tokenizer"};
    for (size_t i = 0; i < 2; i++)
        if (!is_none(pk_attr(c->obj, callables[i])))
            return pk_mc_fail(c, "%s.%s is a callable (user code): it cannot be scored", cls,
                              callables[i]);
    const pk_value *an = pk_attr(c->obj, "analyzer");
    if (is_none(an) || is_str(an, "word"))
        V->an.kind = PK_AN_WORD;
    else if (is_str(an, "char"))
        V->an.kind = PK_AN_CHAR;
    else if (is_str(an, "char_wb"))
        V->an.kind = PK_AN_CHAR_WB;
    else
        return pk_mc_fail(c,
                          "%s.analyzer is not 'word', 'char' or 'char_wb' (a callable is user "
                          "code)",
                          cls);
    V->an.lowercase = pk_mc_bool(c, "lowercase", 1);
    const pk_value *sa = pk_attr(c->obj, "strip_accents");
    if (is_none(sa) || (sa->kind == PK_BOOL && !sa->u.b))
        V->an.strip = PK_STRIP_NONE;
    else if (is_str(sa, "unicode"))
        V->an.strip = PK_STRIP_UNICODE;
    else if (is_str(sa, "ascii"))
        V->an.strip = PK_STRIP_ASCII;
    else
        return pk_mc_fail(c, "%s.strip_accents is not 'ascii', 'unicode' or None", cls);
    const pk_value *ng = pk_attr(c->obj, "ngram_range");
    int64_t lo = 1, hi = 1;
    if (!is_none(ng)) {
        if ((ng->kind != PK_TUPLE && ng->kind != PK_LIST) || ng->u.seq.len != 2 ||
            pk_as_i64(ng->u.seq.items[0], &lo) || pk_as_i64(ng->u.seq.items[1], &hi))
            return pk_mc_fail(c, "%s.ngram_range is not a pair of integers", cls);
    }
    if (lo < 1 || hi < lo || hi > 1000)
        return pk_mc_fail(c, "%s.ngram_range (%lld, %lld) is not 1 <= min_n <= max_n <= 1000", cls,
                          (long long)lo, (long long)hi);
    V->an.min_n = (size_t)lo;
    V->an.max_n = (size_t)hi;
    if (V->an.kind != PK_AN_WORD) return PK_OK;
    const pk_value *tp = pk_attr(c->obj, "token_pattern");
    if (!tp || tp->kind != PK_STR) return pk_mc_fail(c, "%s.token_pattern is not a str", cls);
    V->re = pk_regex_compile(aa, tp->u.s.ptr, tp->u.s.len, c->err);
    if (!V->re) return c->err->code;
    V->an.re = V->re;
    pk_analyzer_prepare(&V->an, tp->u.s.ptr, tp->u.s.len);
    const pk_value *sw = pk_attr(c->obj, "stop_words");
    if (is_none(sw)) return PK_OK;
    if (is_str(sw, "english")) {
        if (!pk_strmap_init(&V->stop, aa, pk_english_stop_words_count))
            return pk_err_nomem(c->err, -1);
        for (size_t i = 0; i < pk_english_stop_words_count; i++)
            if (!pk_strmap_put(&V->stop, pk_english_stop_words[i], strlen(pk_english_stop_words[i]),
                               1))
                return pk_err_nomem(c->err, -1);
    } else if (sw->kind == PK_LIST || sw->kind == PK_TUPLE || sw->kind == PK_SET ||
               sw->kind == PK_FROZENSET) {
        if (!pk_strmap_init(&V->stop, aa, sw->u.seq.len)) return pk_err_nomem(c->err, -1);
        for (size_t i = 0; i < sw->u.seq.len; i++) {
            const pk_value *w = sw->u.seq.items[i];
            if (w->kind != PK_STR) continue; /* never equal to a token */
            if (!pk_strmap_put(&V->stop, w->u.s.ptr, w->u.s.len, 1))
                return pk_err_nomem(c->err, -1);
        }
    } else if (sw->kind == PK_STR) {
        return pk_mc_fail(c, "%s.stop_words '%s' is not a built-in stop list", cls, sw->u.s.ptr);
    } else {
        return pk_mc_fail(c, "%s.stop_words is not 'english', None or a collection of str", cls);
    }
    V->an.stop = &V->stop;
    return PK_OK;
}

/* The vocabulary as a word n-gram trie when the analyzer's tokens are word runs (they hold no
 * space, so a term splits back into its tokens); else, or when two terms share a column, as a
 * string map. */
static pk_code read_vocabulary(pk_mc *c, pk_vec *V, const pk_alloc *aa) {
    const char *cls = c->m->cls;
    const pk_value *voc = pk_attr(c->obj, "vocabulary_");
    if (is_none(voc)) return pk_mc_not_fitted(c, "vocabulary_");
    if (voc->kind != PK_DICT) return pk_mc_fail(c, "%s.vocabulary_ is not a dict", cls);
    size_t n = voc->u.d.len;
    if (n == 0 || n > UINT32_MAX / 2) return pk_mc_fail(c, "%s.vocabulary_ has %zu terms", cls, n);
    const pk_alloc *tmp = c->m->arena->alloc;
    pk_wg_term *terms = pk_malloc(tmp, n * sizeof *terms);
    if (!terms) return pk_err_nomem(c->err, -1);
    pk_code rc = PK_OK;
    for (size_t i = 0; i < n && rc == PK_OK; i++) {
        const pk_value *k = voc->u.d.keys[i];
        int64_t idx;
        if (k->kind != PK_STR || pk_as_i64(voc->u.d.vals[i], &idx) != PK_OK)
            rc = pk_mc_fail(c, "%s.vocabulary_ is not a dict of str to int", cls);
        else if (idx < 0 || (uint64_t)idx >= n)
            rc = pk_mc_fail(c, "%s.vocabulary_ maps '%.40s' to %lld, outside 0 .. %zu", cls,
                            k->u.s.ptr, (long long)idx, n - 1);
        else
            terms[i] = (pk_wg_term){(const uint8_t *)k->u.s.ptr, k->u.s.len, (uint32_t)idx};
    }
    int built = 0;
    if (rc == PK_OK && V->an.kind == PK_AN_WORD && V->an.runs) {
        built = pk_wordgrams_build(&V->grams, aa, tmp, terms, n, n, V->an.min_n, V->an.max_n);
        if (built == 0) rc = pk_err_nomem(c->err, -1);
    }
    V->use_grams = built == 1;
    if (rc == PK_OK && !V->use_grams) {
        if (!pk_strmap_init(&V->vocab, aa, n)) rc = pk_err_nomem(c->err, -1);
        for (size_t i = 0; i < n && rc == PK_OK; i++)
            if (!pk_strmap_put(&V->vocab, (const char *)terms[i].s, terms[i].n, terms[i].col))
                rc = pk_err_nomem(c->err, -1);
    }
    pk_free(tmp, terms);
    V->n_out = n;
    return rc;
}

pk_code pk_mc_doc_transformer(pk_mc *c, size_t width, pk_text_fn fn, pk_text_fn row_fn,
                              pk_col_kind kind) {
    pk_model *m = c->m;
    m->kind = PK_MODEL_TRANSFORMER;
    m->row_fn = row_fn;
    text_method(c, PK_TRANSFORM, PK_OUT_ARRAY, width);
    return declare_text_input(c, fn, kind);
}

pk_code pk_compile_vectorizer(pk_mc *c) {
    pk_model *m = c->m;
    const char *cls = m->cls;
    pk_vec *V = pk_mc_alloc(c, 1, sizeof *V);
    const pk_alloc *aa = pk_mc_arena_alloc(c);
    if (!V || !aa) return c->err->code;
    pk_code rc = read_analyzer(c, V, aa);
    if (rc) return rc;
    V->binary = pk_mc_bool(c, "binary", 0);
    rc = pk_mc_vec_dtype(c, cls, &V->dtype);
    if (rc) return rc;
    if (strcmp(cls, "HashingVectorizer") == 0) {
        V->hashing = 1;
        double nf;
        rc = pk_mc_num(c, "n_features", 1048576, &nf);
        if (rc) return rc;
        if (!(nf >= 1 && nf <= 2147483647.0) || nf != floor(nf))
            return pk_mc_fail(c, "HashingVectorizer.n_features is not in 1 .. 2**31 - 1");
        V->n_out = (size_t)nf;
        V->alternate_sign = pk_mc_bool(c, "alternate_sign", 1);
        rc = read_norm(c, cls, &V->norm);
        if (rc) return rc;
    } else {
        rc = read_vocabulary(c, V, aa);
        if (rc) return rc;
        if (strcmp(cls, "TfidfVectorizer") == 0) {
            const pk_value *t = pk_attr(c->obj, "_tfidf");
            if (is_none(t) || t->kind != PK_OBJECT) return pk_mc_not_fitted(c, "_tfidf");
            rc = read_tfidf(c, t, cls, &V->tfidf);
            if (rc) return rc;
            if (V->dtype == PK_DT_INT)
                V->dtype = PK_DT_F64; /* scikit-learn warns and uses float64 */
            if (V->tfidf->use_idf && V->tfidf->n != V->n_out)
                return pk_mc_fail(c, "TfidfVectorizer: idf has %zu values for %zu terms",
                                  V->tfidf->n, V->n_out);
        }
    }
    m->impl = V;
    m->sparse_out = 1;
    return pk_mc_doc_transformer(c, V->n_out, vec_text, vec_row, PK_COL_TEXT);
}

/* ---- TfidfTransformer --------------------------------------------------------------------- */

static pk_code tfidf_stf(const pk_model *m, pk_sparse *x, pk_err *err) {
    return tfidf_apply(m->impl, x, 0, err);
}

/* On a dense row (TfidfTransformer alone, fed numbers): its non-zeros as a row, then dense. */
static pk_code tfidf_dense(const pk_model *m, const double *x, double *scratch, double *out,
                           pk_err *err) {
    const pk_tfidf *T = m->impl;
    size_t n = m->n_features, k = 0;
    uint32_t *idx = (uint32_t *)(void *)(scratch + n);
    for (size_t j = 0; j < n; j++) {
        out[j] = 0.0;
        if (x[j] != 0.0) {
            idx[k] = (uint32_t)j;
            scratch[k++] = x[j];
        }
    }
    pk_sparse sv = {k, idx, scratch, 0};
    pk_code rc = tfidf_apply(T, &sv, 0, err);
    if (rc) return rc;
    for (size_t i = 0; i < sv.nnz; i++)
        out[sv.idx[i]] = sv.val[i];
    return PK_OK;
}

pk_code pk_compile_tfidf(pk_mc *c) {
    pk_model *m = c->m;
    pk_tfidf *T;
    pk_code rc = read_tfidf(c, c->obj, m->cls, &T);
    if (rc) return rc;
    if (!T->use_idf) {
        if (!m->n_features) return pk_mc_not_fitted(c, "n_features_in_");
        T->n = m->n_features;
    }
    rc = pk_mc_features(c, T->n);
    if (rc) return rc;
    m->impl = T;
    m->kind = PK_MODEL_TRANSFORMER;
    m->stf = tfidf_stf;
    /* dense use: n values + n indices (as uint32 in doubles' room) */
    m->scratch = T->n + T->n / 2 + 1;
    pk_mc_method(c, PK_TRANSFORM, PK_OUT_ARRAY, T->n, tfidf_dense);
    return PK_OK;
}

/* ---- text pipelines ----------------------------------------------------------------------- */

typedef struct pk_tpipe {
    const pk_model *vec;
    const pk_model **stf; /* sparse -> sparse steps */
    size_t nstf;
    const pk_model **rest; /* then these, the first fed sparse or densified */
    size_t nrest;
    int final_is_est;
    int absent_nan;     /* the dense row's absent entries are NaN (xgboost), not 0.0 */
    size_t maxw, width; /* widest dense row; the sparse row's width */
} pk_tpipe;

/* Classes scikit-learn refuses sparse input for (no dense fallback for them). */
static int refuses_sparse(const pk_model *s) {
    static const char *const no[] = {"GaussianNB",
                                     "CategoricalNB",
                                     "HistGradientBoostingClassifier",
                                     "HistGradientBoostingRegressor",
                                     "LinearDiscriminantAnalysis",
                                     "QuadraticDiscriminantAnalysis",
                                     "GaussianMixture",
                                     "PCA",
                                     "StandardScaler",
                                     "RobustScaler",
                                     "MinMaxScaler",
                                     "SimpleImputer",
                                     NULL};
    for (size_t i = 0; no[i]; i++)
        if (strcmp(s->cls, no[i]) == 0) return 1;
    return 0;
}

/* A value scikit-learn's check_array refuses in the row reaching step s (only JSON rows hold
 * them: DictVectorizer's None is NaN, FeatureHasher passes NaN and infinities on): NaN passes
 * only to a step that takes missing values and gets the row dense. */
static pk_code check_row(const pk_sparse *sv, const pk_model *s, int dense, pk_err *err) {
    int bad = 0;
    for (size_t k = 0; k < sv->nnz; k++) /* no branch per value: most rows are all finite */
        bad |= !isfinite(sv->val[k]);
    if (!bad) return PK_OK;
    for (size_t k = 0; k < sv->nnz; k++) {
        double v = sv->val[k];
        if (isfinite(v) || (isnan(v) && dense && s->nan_ok)) continue;
        return pk_err_set(err, PK_EFEATURE, -1, -1, "%s cannot take %s: column %u of the row is %s",
                          s->cls, isnan(v) ? "missing values" : "infinities", (unsigned)sv->idx[k],
                          isnan(v) ? "NaN" : "infinite");
    }
    return PK_OK;
}

/* Columns ascending, repeated columns summed in data order, zeros dropped: what
 * scipy.sparse.csr_matrix makes of the dense row (a TfidfTransformer after
 * DictVectorizer(sparse=False)). */
static pk_code canonical_row(pk_sparse *sv, pk_text_ws *ws, pk_err *err) {
    pk_code rc = pk_sparse_sort_stable(sv, ws, err);
    if (rc == PK_OK) pk_sparse_merge(sv, 1);
    return rc;
}

static pk_code tpipe_text(const pk_model *m, pk_method meth, const uint8_t *doc, size_t n,
                          struct pk_text_ws *ws, double *scratch, double *out, pk_sparse *sv,
                          pk_err *err) {
    const pk_tpipe *P = m->impl;
    /* the weights of a first step reading the row sparse arrive while the row is built */
    const pk_model *first = P->nrest && !P->nstf && !P->vec->dense_row ? P->rest[0] : NULL;
    pk_method m0 = P->nrest == 1 && P->final_is_est ? meth : PK_TRANSFORM;
    ws->pf = first && first->sfn[m0] ? first->sparse_w : NULL;
    ws->pf_k = ws->pf ? first->sparse_k : 0;
    pk_code rc = P->vec->row_fn(P->vec, PK_TRANSFORM, doc, n, ws, NULL, NULL, sv, err);
    ws->pf = NULL;
    if (rc == PK_OK && P->nstf) {
        rc = check_row(sv, P->stf[0], 0, err);
        if (rc == PK_OK && P->vec->dense_row) rc = canonical_row(sv, ws, err);
    }
    for (size_t i = 0; rc == PK_OK && i < P->nstf; i++)
        rc = P->stf[i]->stf(P->stf[i], sv, err);
    if (rc) return rc;
    /* the first step reads the row sparse when it has a sparse kernel and the row is sparse
     * (scikit-learn's container), else dense */
    int dense = P->vec->dense_row && P->nstf == 0;
    if (P->nrest == 0 && dense) {
        memset(out, 0, P->width * sizeof(double));
        pk_sparse_add_dense(sv, out);
        return PK_OK;
    }
    if (P->nrest == 0) {
        show_order(sv);
        return PK_OK;
    }
    double *buf[2] = {scratch, scratch + P->maxw};
    double *sub = scratch + 2 * P->maxw;
    const double *in = NULL;
    for (size_t i = 0; i < P->nrest; i++) {
        const pk_model *s = P->rest[i];
        int last = i + 1 == P->nrest;
        pk_method mi = last && P->final_is_est ? meth : PK_TRANSFORM;
        double *dst = last ? out : buf[i % 2];
        if (i == 0 && P->nstf == 0) {
            rc = check_row(sv, s, dense || !s->sfn[mi], err);
            if (rc) return rc;
        }
        if (i == 0 && s->sfn[mi] && !dense) {
            rc = s->sfn[mi](s, sv, sub, dst, err);
        } else if (i == 0) {
            /* ws->dense is kept all 0.0 between documents, ws->dnan all NaN: xgboost reads a
             * sparse row's absent entries as missing (DMatrix from CSR); a dense row's
             * repeated columns add up in data order from 0.0, as scipy's toarray */
            int nan_fill = P->absent_nan && !dense;
            double **row = nan_fill ? &ws->dnan : &ws->dense;
            size_t *cap = nan_fill ? &ws->dnan_cap : &ws->dense_cap, had = *cap;
            double fill = nan_fill ? NAN : 0.0;
            rc = pk_text_ws_need(ws, (void **)row, cap, P->width + 1, sizeof(double), err);
            if (rc) return rc;
            double *d = *row;
            if (*cap != had)
                for (size_t k = 0; k < *cap; k++)
                    d[k] = fill;
            if (nan_fill)
                for (size_t k = 0; k < sv->nnz; k++)
                    d[sv->idx[k]] = sv->val[k];
            else
                pk_sparse_add_dense(sv, d);
            rc = s->fn[mi](s, d, sub, dst, err);
            for (size_t k = 0; k < sv->nnz; k++)
                d[sv->idx[k]] = fill;
        } else {
            rc = pk_model_check_input(s, in, NULL, err);
            if (!rc) rc = s->fn[mi](s, in, sub, dst, err);
        }
        if (rc) return rc;
        in = dst;
    }
    return PK_OK;
}

pk_code pk_text_pipeline(pk_mc *c, pk_model **steps, size_t n, int final_is_est) {
    pk_model *m = c->m;
    if (steps[0]->text_fn == tpipe_text) {
        /* a text pipeline as the first step (nested pipelines): its steps in line, so that
         * steps[0] is the vectorizer itself */
        const pk_tpipe *I = steps[0]->impl;
        size_t k = 1 + I->nstf + I->nrest + (n - 1), j = 0;
        pk_model **flat = pk_mc_alloc(c, k, sizeof *flat);
        if (!flat) return c->err->code;
        flat[j++] = (pk_model *)I->vec;
        for (size_t i = 0; i < I->nstf; i++)
            flat[j++] = (pk_model *)I->stf[i];
        for (size_t i = 0; i < I->nrest; i++)
            flat[j++] = (pk_model *)I->rest[i];
        for (size_t i = 1; i < n; i++)
            flat[j++] = steps[i];
        steps = flat;
        n = k;
    }
    pk_tpipe *P = pk_mc_alloc(c, 1, sizeof *P);
    if (!P) return c->err->code;
    P->vec = steps[0];
    P->stf = (const pk_model **)(void *)(steps + 1);
    size_t i = 1;
    /* sparse -> sparse steps; a last step that predicts (RFE) is the estimator */
    while (i < n && steps[i]->stf &&
           !(i == n - 1 && final_is_est && steps[i]->kind != PK_MODEL_TRANSFORMER))
        i++;
    P->nstf = i - 1;
    P->rest = (const pk_model **)(void *)(steps + i);
    P->nrest = n - i;
    P->final_is_est = final_is_est && P->nrest > 0;
    P->width = P->nstf ? P->stf[P->nstf - 1]->width[PK_TRANSFORM] : P->vec->width[PK_TRANSFORM];
    size_t maxw = 1, sub = 0;
    for (size_t k = 0; k < P->nrest; k++) {
        const pk_model *s = P->rest[k];
        if (s->text_input) return pk_mc_fail(c, "Pipeline: %s takes text but is not first", s->cls);
        if (k > 0 && s->width[PK_TRANSFORM] > maxw) maxw = s->width[PK_TRANSFORM];
        if (k + 1 < P->nrest && s->width[PK_TRANSFORM] > maxw) maxw = s->width[PK_TRANSFORM];
        if (s->scratch > sub) sub = s->scratch;
    }
    if (P->nrest && !(P->vec->dense_row && P->nstf == 0)) {
        const pk_model *s = P->rest[0];
        int has_sparse = 0;
        for (int k = 0; k < PK_METHOD_COUNT; k++)
            if (s->sfn[k]) has_sparse = 1;
        if (!has_sparse && refuses_sparse(s))
            return pk_mc_fail(c, "Pipeline: %s after %s: scikit-learn refuses sparse input for it",
                              s->cls, P->vec->cls);
        if (s->sparse_missing && strncmp(s->module, "xgboost", 7) != 0)
            return pk_mc_fail(c,
                              "Pipeline: %s after %s holds an XGBoost model, which reads the "
                              "sparse row's absent entries as missing where the other members "
                              "read 0: not supported",
                              s->cls, P->vec->cls);
        P->absent_nan = s->sparse_missing;
        if (!has_sparse && P->width > PK_TEXT_DENSE_MAX)
            return pk_mc_fail(c,
                              "Pipeline: %s has no sparse kernel and %s gives %zu columns (at "
                              "most %d are made dense)",
                              s->cls, P->vec->cls, P->width, PK_TEXT_DENSE_MAX);
    }
    P->maxw = maxw;
    m->impl = P;
    m->scratch = 2 * maxw + sub;
    m->feature_names = NULL;
    pk_code rc = declare_text_input(c, tpipe_text, (pk_col_kind)P->vec->col_kind[0]);
    if (rc) return rc;
    const pk_model *fin = P->nrest ? P->rest[P->nrest - 1] : NULL;
    if (P->final_is_est) {
        m->kind = fin->kind;
        m->label_type = fin->label_type;
        m->n_classes = fin->n_classes;
        m->class_i = fin->class_i;
        m->class_f = fin->class_f;
        m->class_s = fin->class_s;
        m->proba_groups = fin->proba_groups;
        m->proba_group = fin->proba_group;
        for (int k = 0; k < PK_METHOD_COUNT; k++) {
            m->why_not[k] = fin->why_not[k];
            if (fin->shape[k] != PK_OUT_NONE)
                text_method(c, (pk_method)k, fin->shape[k], fin->width[k]);
        }
    } else {
        m->kind = PK_MODEL_TRANSFORMER;
        m->sparse_out = fin == NULL && !(P->vec->dense_row && P->nstf == 0);
        text_method(c, PK_TRANSFORM, PK_OUT_ARRAY, fin ? fin->width[PK_TRANSFORM] : P->width);
    }
    return PK_OK;
}
