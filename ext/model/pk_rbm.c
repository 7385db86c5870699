/*
 * pk_rbm.c - BernoulliRBM.transform: the hidden units' activation probabilities
 * expit(x @ components_.T + intercept_hidden_), each dot summed left to right (scipy's expit:
 * 1 / (1 + exp(-v))). score_samples is random in scikit-learn (it flips one random visible
 * unit per call) and is not offered.
 */
#include "pk_more_families.h"

typedef struct pk_rbm {
    size_t nf, k;
    const double *w; /* k x nf components_ */
    const double *h; /* k intercept_hidden_ */
} pk_rbm;

static pk_code rbm_transform(const pk_model *m, const double *x, double *scratch, double *out,
                             pk_err *err) {
    (void)scratch;
    (void)err;
    const pk_rbm *R = m->impl;
    for (size_t c = 0; c < R->k; c++) {
        double p = pk_dot(x, R->w + c * R->nf, R->nf);
        p += R->h[c];
        out[c] = pk_expit(p);
    }
    return PK_OK;
}

pk_code pk_compile_rbm(pk_mc *c) {
    pk_model *m = c->m;
    pk_mc_arr w, h;
    pk_code rc;
    if ((rc = pk_mc_array(c, "components_", 1, &w)) ||
        (rc = pk_mc_array(c, "intercept_hidden_", 1, &h)))
        return rc;
    if (w.ndim != 2 || w.rows == 0 || h.n != w.rows)
        return pk_mc_fail(c, "%s: components_ and intercept_hidden_ do not match", m->cls);
    if ((rc = pk_mc_features(c, w.cols))) return rc;
    pk_rbm *R = pk_mc_alloc(c, 1, sizeof *R);
    if (!R) return c->err->code;
    R->nf = w.cols;
    R->k = w.rows;
    R->w = w.v;
    R->h = h.v;
    m->kind = PK_MODEL_TRANSFORMER;
    m->impl = R;
    m->why_not[PK_SCORE_SAMPLES] = "BernoulliRBM.score_samples corrupts one random feature per "
                                   "call (numpy's random_state): it is not deterministic";
    pk_mc_method(c, PK_TRANSFORM, PK_OUT_ARRAY, R->k, rbm_transform);
    return PK_OK;
}
