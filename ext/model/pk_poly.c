/*
 * pk_poly.c - PolynomialFeatures (dense), scikit-learn 1.2's algorithm and column order.
 *
 * transform builds XP column by column: [1 if include_bias], the features, then for each degree
 * d = 2.._max_degree and each feature f, the block of degree d-1 terms starting at index[f]
 * (skipping feature f's own block when interaction_only) multiplied by x[f]. Each product is
 * therefore (previous term) * x[f], exactly as numpy computes it. With _min_degree > 1 only the
 * last n_output_features_ columns are kept (after the bias column). The compile step turns this
 * into a plan of (destination, source, length, feature) blocks executed per row.
 * Limits: at most 1e6 output columns.
 */
#include "pk_model_impl.h"

#include <string.h>

#define POLY_MAX_OUT 1000000

typedef struct poly_block {
    size_t dst, src, len, feat;
} poly_block;

typedef struct pk_poly {
    size_t nf, n_full, n_out;
    int bias, max_degree;
    size_t nblocks;
    poly_block *blocks;
} pk_poly;

static pk_code poly_transform(const pk_model *m, const double *x, double *scratch, double *out,
                              pk_err *err) {
    (void)err;
    const pk_poly *P = m->impl;
    int direct = P->n_out == P->n_full;
    double *xp = direct ? out : scratch;
    size_t cur = 0;
    if (P->bias) xp[cur++] = 1.0;
    if (P->max_degree > 0) {
        memcpy(xp + cur, x, P->nf * sizeof(double));
        for (size_t b = 0; b < P->nblocks; b++) {
            const poly_block *B = &P->blocks[b];
            double v = x[B->feat];
            for (size_t t = 0; t < B->len; t++)
                xp[B->dst + t] = xp[B->src + t] * v;
        }
    }
    if (!direct) {
        if (P->bias) {
            out[0] = 1.0;
            memcpy(out + 1, xp + (P->n_full - P->n_out + 1), (P->n_out - 1) * sizeof(double));
        } else {
            memcpy(out, xp + (P->n_full - P->n_out), P->n_out * sizeof(double));
        }
    }
    return PK_OK;
}

pk_code pk_compile_poly(pk_mc *c) {
    pk_model *m = c->m;
    if (!m->n_features) return pk_mc_not_fitted(c, "n_features_in_");
    double maxd, mind;
    pk_code rc = pk_mc_num(c, "_max_degree", -1, &maxd);
    if (!rc && maxd < 0) rc = pk_mc_num(c, "degree", 2, &maxd);
    if (!rc) rc = pk_mc_num(c, "_min_degree", 0, &mind);
    if (rc) return rc;
    if (!(maxd >= 0 && maxd <= 64) || !(mind >= 0 && mind <= maxd))
        return pk_mc_fail(c, "PolynomialFeatures has an unsupported degree");
    pk_poly *P = pk_mc_alloc(c, 1, sizeof *P);
    if (!P) return c->err->code;
    size_t n = m->n_features;
    P->nf = n;
    P->bias = pk_mc_bool(c, "include_bias", 1);
    P->max_degree = (int)maxd;
    int inter = pk_mc_bool(c, "interaction_only", 0);
    size_t *index = pk_mc_alloc(c, n + 1, sizeof(size_t));
    size_t *nindex = pk_mc_alloc(c, n + 1, sizeof(size_t));
    if (!index || !nindex) return c->err->code;
    size_t cap = 16, nb = 0;
    poly_block *blocks = pk_mc_alloc(c, cap, sizeof *blocks);
    if (!blocks) return c->err->code;
    size_t cur = P->bias ? 1 : 0;
    if (P->max_degree > 0) {
        for (size_t f = 0; f < n; f++)
            index[f] = cur + f;
        cur += n;
        index[n] = cur;
        size_t ilen = n + 1;
        for (int d = 2; d <= P->max_degree; d++) {
            size_t nlen = 0;
            size_t end = index[ilen - 1];
            for (size_t f = 0; f < n; f++) {
                if (f >= ilen) break; /* cannot happen: the break below comes first */
                size_t start = index[f];
                nindex[nlen++] = cur;
                if (inter) {
                    if (f + 1 >= ilen) break;
                    start += index[f + 1] - index[f];
                }
                if (end <= start) break; /* next_col <= current_col */
                size_t len = end - start;
                if (cur + len > POLY_MAX_OUT)
                    return pk_mc_fail(c, "PolynomialFeatures has more than %d output columns",
                                      POLY_MAX_OUT);
                if (nb == cap) {
                    poly_block *nbk = pk_mc_alloc(c, cap * 2, sizeof *nbk);
                    if (!nbk) return c->err->code;
                    memcpy(nbk, blocks, nb * sizeof *nbk);
                    blocks = nbk;
                    cap *= 2;
                }
                blocks[nb++] = (poly_block){cur, start, len, f};
                cur += len;
            }
            nindex[nlen++] = cur;
            memcpy(index, nindex, nlen * sizeof(size_t));
            ilen = nlen;
        }
    }
    P->n_full = cur;
    P->nblocks = nb;
    P->blocks = blocks;
    double nout;
    rc = pk_mc_num(c, "n_output_features_", (double)cur, &nout);
    if (rc) return rc;
    if (!(nout >= 1 && nout <= (double)cur) || (mind <= 1 && nout != (double)cur))
        return pk_mc_fail(c, "PolynomialFeatures.n_output_features_ is %g, expected at most %zu",
                          nout, cur);
    P->n_out = (size_t)nout;
    if (P->bias && P->n_out < 1) return pk_mc_fail(c, "PolynomialFeatures has no output");
    m->kind = PK_MODEL_TRANSFORMER;
    m->impl = P;
    m->scratch = P->n_full;
    pk_mc_method(c, PK_TRANSFORM, PK_OUT_ARRAY, P->n_out, poly_transform);
    return PK_OK;
}
