/*
 * pk_gp.c - Gaussian processes: GaussianProcessRegressor.predict (the posterior mean) and
 * GaussianProcessClassifier (binary Laplace predict / predict_proba; multi-class through its
 * fitted OneVsRest/OneVsOne base_estimator_, compiled by pk_multiclass.c).
 *
 * The fitted kernel_ object is compiled into a small tree evaluated for one row x against the n
 * training rows, as scikit-learn 1.2's kernels compute k(X, Y) with Y not X:
 *   RBF                exp(-0.5 * sqeuclidean(x / l, t / l))          (l scalar or per feature)
 *   Matern nu 0.5      exp(-d)        d = euclidean(x / l, t / l)
 *          nu 1.5      (1 + d sqrt 3) * exp(-d sqrt 3)
 *          nu 2.5      (1 + d sqrt 5 + (d sqrt 5)^2 / 3) * exp(-d sqrt 5)
 *          nu inf      exp(-(d^2) / 2)
 *          other nu    refused: scikit-learn calls scipy's Bessel kv, not reproduced here
 *   RationalQuadratic  (1 + sqeuclidean / (2 alpha l^2)) ** -alpha
 *   ExpSineSquared     exp(-2 (sin(pi / p * euclidean) / l)^2)
 *   DotProduct         x . t + sigma_0^2
 *   WhiteKernel        0 (k(X, Y) with Y not X is zero: the noise never reaches a prediction)
 *   ConstantKernel     constant_value
 *   Sum / Product      k1 + k2, k1 * k2;  Exponentiation  k ** exponent
 * and diag(x) (k(x, x) as kernel.diag: 1 for the stationary kernels, x . x + sigma_0^2,
 * noise_level for WhiteKernel) for the classifier's variance.
 *
 *   GaussianProcessRegressor  predict = _y_train_std * (k . alpha_) + _y_train_mean (one value
 *                             per target; a single target is a REAL)
 *   _BinaryGaussianProcessClassifierLaplace
 *     f = k . (y_train_ - pi_); predict = classes_[1] where f > 0
 *     v = L_^-1 (W_sr_ * k) (forward substitution), var = diag(x) - v . v
 *     predict_proba: scikit-learn's erf approximation of the logistic-Gaussian integral with its
 *     five LAMBDAS / COEFS: pi = sum_i COEFS_i * sqrt(pi / a) erf(g_i sqrt(a / (a + L_i^2))) /
 *     (2 sqrt(2 pi var)) + 0.5 sum COEFS, a = 1 / (2 var), g_i = L_i f; [1 - pi, pi].
 * Every dot is summed left to right. Bounds: the kernel rows and the regressor's mean agree
 * within 1e-12 relative to the magnitude of the terms (scipy's cdist may sum the squared
 * differences in another order); scikit-learn solves L_ v = b with a general LU solver where
 * this file substitutes forward on the triangle, and the five-term sum cancels terms of size
 * ~3500: the classifier's probabilities agree within 1e-9 relative or 1e-12 absolute
 * (tests/python/test_models_gp.py checks both bounds).
 */
#include "pk_more_families.h"

#include <math.h>
#include <string.h>

enum { GK_RBF, GK_MATERN, GK_RQ, GK_ESS, GK_DOT, GK_WHITE, GK_CONST, GK_SUM, GK_PROD, GK_EXP };

#define GK_MAX_NODES 64
#define GK_MAX_DEPTH 12

typedef struct gk_node {
    int type;
    double p0, p1;    /* RBF/Matern: nu in p0; RQ: den, alpha; ESS: pi/p, l; DOT: sigma_0^2;
                         WHITE: noise_level; CONST: value; EXP: exponent                 */
    const double *ls; /* RBF/Matern: length scales (nf values or one)                      */
    int aniso;        /* ls has nf values                                                  */
    double *t;        /* RBF/Matern: training rows divided by ls (n x nf)                  */
    const struct gk_node *a, *b;
} gk_node;

typedef struct pk_gp {
    const gk_node *root;
    size_t n, nf, nt, depth;
    const double *xt; /* n x nf training rows                                          */
    double *alpha;    /* GPR: nt x n (alpha_ transposed); GPC: n (y_train_ - pi_)      */
    const double *ymean, *ystd;
    const double *wsr; /* GPC: W_sr_                                                     */
    const double *L;   /* GPC: n x n lower triangle                                      */
} pk_gp;

/* ---- kernels -------------------------------------------------------------------------------- */

/* cdist's sqeuclidean: sum (a_j - b_j)^2 left to right. */
static double gk_sqdist(const double *a, const double *b, size_t nf) {
    double s = 0;
    for (size_t j = 0; j < nf; j++) {
        double d = a[j] - b[j];
        s += d * d;
    }
    return s;
}

/* out[0..n) = k(x, t_i); tmp holds (depth + 1) * n + nf doubles. */
static void gk_row(const gk_node *k, const pk_gp *G, const double *x, double *out, double *tmp) {
    size_t n = G->n, nf = G->nf;
    switch (k->type) {
    case GK_RBF:
    case GK_MATERN: {
        double *xs = tmp;
        for (size_t j = 0; j < nf; j++)
            xs[j] = x[j] / k->ls[k->aniso ? j : 0];
        for (size_t i = 0; i < n; i++) {
            double s = gk_sqdist(xs, k->t + i * nf, nf);
            if (k->type == GK_RBF) {
                out[i] = exp(-0.5 * s);
                continue;
            }
            double d = sqrt(s);
            if (k->p0 == 0.5) {
                out[i] = exp(-d);
            } else if (k->p0 == 1.5) {
                double v = d * sqrt(3.0);
                out[i] = (1.0 + v) * exp(-v);
            } else if (k->p0 == 2.5) {
                double v = d * sqrt(5.0);
                out[i] = (1.0 + v + v * v / 3.0) * exp(-v);
            } else {
                out[i] = exp(-(d * d) / 2.0);
            }
        }
        break;
    }
    case GK_RQ:
    case GK_ESS:
        for (size_t i = 0; i < n; i++) {
            double s = gk_sqdist(x, G->xt + i * nf, nf);
            if (k->type == GK_RQ) {
                out[i] = pow(1 + s / k->p0, -k->p1);
            } else {
                double v = sin(k->p0 * sqrt(s)) / k->p1;
                out[i] = exp(-2 * (v * v));
            }
        }
        break;
    case GK_DOT:
        for (size_t i = 0; i < n; i++)
            out[i] = pk_dot(x, G->xt + i * nf, nf) + k->p0;
        break;
    case GK_WHITE:
    case GK_CONST:
        for (size_t i = 0; i < n; i++)
            out[i] = k->type == GK_WHITE ? 0.0 : k->p0;
        break;
    case GK_SUM:
    case GK_PROD:
        gk_row(k->a, G, x, out, tmp);
        gk_row(k->b, G, x, tmp, tmp + n);
        for (size_t i = 0; i < n; i++)
            out[i] = k->type == GK_SUM ? out[i] + tmp[i] : out[i] * tmp[i];
        break;
    default: /* GK_EXP */
        gk_row(k->a, G, x, out, tmp);
        for (size_t i = 0; i < n; i++)
            out[i] = pow(out[i], k->p0);
        break;
    }
}

/* kernel.diag(x). */
static double gk_diag(const gk_node *k, const pk_gp *G, const double *x) {
    switch (k->type) {
    case GK_DOT:
        return pk_dot(x, x, G->nf) + k->p0;
    case GK_WHITE:
    case GK_CONST:
        return k->p0;
    case GK_SUM:
        return gk_diag(k->a, G, x) + gk_diag(k->b, G, x);
    case GK_PROD:
        return gk_diag(k->a, G, x) * gk_diag(k->b, G, x);
    case GK_EXP:
        return pow(gk_diag(k->a, G, x), k->p0);
    default:
        return 1.0;
    }
}

/* ---- compiling a kernel object --------------------------------------------------------------- */

typedef struct gk_build {
    pk_mc *c;
    size_t nodes, depth;
    const double *xt;
    size_t n, nf;
} gk_build;

static pk_code gk_num(gk_build *B, const pk_value *k, const char *attr, double *out) {
    const pk_value *v = pk_attr(k, attr);
    if (!v || pk_as_f64(v, out) != PK_OK || !isfinite(*out))
        return pk_mc_fail(B->c, "%s: kernel_ has no numeric %s", B->c->m->cls, attr);
    return PK_OK;
}

static pk_code gk_compile(gk_build *B, const pk_value *k, size_t depth, const gk_node **out) {
    pk_mc *c = B->c;
    const char *cls = c->m->cls;
    if (++B->nodes > GK_MAX_NODES || depth > GK_MAX_DEPTH)
        return pk_mc_fail(c, "%s: kernel_ has more than %d parts or is nested deeper than %d", cls,
                          GK_MAX_NODES, GK_MAX_DEPTH);
    if (depth > B->depth) B->depth = depth;
    if (!k || k->kind != PK_OBJECT || !k->u.o.cls || k->u.o.cls->kind != PK_GLOBAL ||
        strncmp(k->u.o.cls->u.g.module, "sklearn.gaussian_process", 24) != 0)
        return pk_mc_fail(c, "%s: kernel_ is not a scikit-learn Gaussian process kernel", cls);
    const char *name = k->u.o.cls->u.g.name;
    gk_node *g = pk_mc_alloc(c, 1, sizeof *g);
    if (!g) return c->err->code;
    pk_code rc = PK_OK;
    if (strcmp(name, "RBF") == 0 || strcmp(name, "Matern") == 0) {
        g->type = name[0] == 'R' ? GK_RBF : GK_MATERN;
        if (g->type == GK_MATERN) {
            const pk_value *nu = pk_attr(k, "nu");
            if (!nu || pk_as_f64(nu, &g->p0) != PK_OK || isnan(g->p0))
                return pk_mc_fail(c, "%s: kernel_ has no numeric nu", cls);
            if (g->p0 != 0.5 && g->p0 != 1.5 && g->p0 != 2.5 && g->p0 != INFINITY)
                return pk_mc_fail(c,
                                  "%s: Matern with nu=%g needs the modified Bessel function kv; "
                                  "only nu 0.5, 1.5, 2.5 and inf are scored",
                                  cls, g->p0);
        }
        pk_mc_arr ls;
        const pk_value *lv = pk_attr(k, "length_scale");
        if (!lv) return pk_mc_fail(c, "%s: kernel_ %s has no length_scale", cls, name);
        if ((rc = pk_mc_array_of(c, lv, "kernel_.length_scale", &ls))) return rc;
        if (ls.ndim > 1 || (ls.n != 1 && ls.n != B->nf))
            return pk_mc_fail(c, "%s: kernel_.length_scale has %zu values for %zu features", cls,
                              ls.n, B->nf);
        g->ls = ls.v;
        g->aniso = ls.n != 1;
        g->t = pk_mc_alloc(c, B->n * B->nf, sizeof(double));
        if (!g->t) return c->err->code;
        for (size_t i = 0; i < B->n; i++)
            for (size_t j = 0; j < B->nf; j++)
                g->t[i * B->nf + j] = B->xt[i * B->nf + j] / ls.v[ls.n == 1 ? 0 : j];
    } else if (strcmp(name, "RationalQuadratic") == 0) {
        double l, a;
        if ((rc = gk_num(B, k, "length_scale", &l)) || (rc = gk_num(B, k, "alpha", &a))) return rc;
        g->type = GK_RQ;
        g->p0 = 2 * a * pow(l, 2);
        g->p1 = a;
    } else if (strcmp(name, "ExpSineSquared") == 0) {
        double l, p;
        if ((rc = gk_num(B, k, "length_scale", &l)) || (rc = gk_num(B, k, "periodicity", &p)))
            return rc;
        g->type = GK_ESS;
        g->p0 = M_PI / p;
        g->p1 = l;
    } else if (strcmp(name, "DotProduct") == 0) {
        double s;
        if ((rc = gk_num(B, k, "sigma_0", &s))) return rc;
        g->type = GK_DOT;
        g->p0 = pow(s, 2);
    } else if (strcmp(name, "WhiteKernel") == 0) {
        g->type = GK_WHITE;
        if ((rc = gk_num(B, k, "noise_level", &g->p0))) return rc;
    } else if (strcmp(name, "ConstantKernel") == 0) {
        g->type = GK_CONST;
        if ((rc = gk_num(B, k, "constant_value", &g->p0))) return rc;
    } else if (strcmp(name, "Sum") == 0 || strcmp(name, "Product") == 0) {
        g->type = name[0] == 'S' ? GK_SUM : GK_PROD;
        if ((rc = gk_compile(B, pk_attr(k, "k1"), depth + 1, &g->a)) ||
            (rc = gk_compile(B, pk_attr(k, "k2"), depth + 1, &g->b)))
            return rc;
    } else if (strcmp(name, "Exponentiation") == 0) {
        g->type = GK_EXP;
        if ((rc = gk_num(B, k, "exponent", &g->p0))) return rc;
        if ((rc = gk_compile(B, pk_attr(k, "kernel"), depth + 1, &g->a))) return rc;
    } else {
        return pk_mc_fail(c, "%s: kernel %.60s is not supported", cls, name);
    }
    *out = g;
    return PK_OK;
}

/* Reads X_train_ and compiles kernel_ for it. */
static pk_code gp_common(pk_mc *c, pk_gp *G) {
    pk_mc_arr xt;
    pk_code rc = pk_mc_array(c, "X_train_", 1, &xt);
    if (rc) return rc;
    if (xt.ndim != 2 || xt.rows == 0)
        return pk_mc_fail(c, "%s.X_train_ is not a 2-D array of numbers", c->m->cls);
    if ((rc = pk_mc_features(c, xt.cols))) return rc;
    G->xt = xt.v;
    G->n = xt.rows;
    G->nf = xt.cols;
    gk_build B = {c, 0, 0, xt.v, xt.rows, xt.cols};
    if ((rc = gk_compile(&B, pk_attr(c->obj, "kernel_"), 0, &G->root))) return rc;
    G->depth = B.depth;
    c->m->scratch = (G->depth + 3) * G->n + G->nf;
    return PK_OK;
}

/* ---- GaussianProcessRegressor ---------------------------------------------------------------- */

static pk_code gpr_predict(const pk_model *m, const double *x, double *scratch, double *out,
                           pk_err *err) {
    (void)err;
    const pk_gp *G = m->impl;
    double *kr = scratch;
    gk_row(G->root, G, x, kr, scratch + G->n);
    for (size_t t = 0; t < G->nt; t++) {
        double y = pk_dot(kr, G->alpha + t * G->n, G->n);
        out[t] = G->ystd[t] * y + G->ymean[t];
    }
    return PK_OK;
}

/* _y_train_mean / _y_train_std: nt values (one repeated). */
static pk_code gpr_stat(pk_mc *c, const char *attr, size_t nt, const double **out) {
    pk_mc_arr a;
    pk_code rc = pk_mc_array(c, attr, 1, &a);
    if (rc) return rc;
    if (a.n == nt) {
        *out = a.v;
        return PK_OK;
    }
    if (a.n != 1)
        return pk_mc_fail(c, "%s.%s has %zu values for %zu targets", c->m->cls, attr, a.n, nt);
    double *v = pk_mc_alloc(c, nt, sizeof(double));
    if (!v) return c->err->code;
    for (size_t t = 0; t < nt; t++)
        v[t] = a.v[0];
    *out = v;
    return PK_OK;
}

pk_code pk_compile_gpr(pk_mc *c) {
    pk_model *m = c->m;
    pk_gp *G = pk_mc_alloc(c, 1, sizeof *G);
    if (!G) return c->err->code;
    pk_code rc = gp_common(c, G);
    if (rc) return rc;
    pk_mc_arr al;
    if ((rc = pk_mc_array(c, "alpha_", 1, &al))) return rc;
    if (al.ndim == 0 || (al.ndim == 1 ? al.n : al.rows) != G->n)
        return pk_mc_fail(c, "%s.alpha_ does not have %zu rows", m->cls, G->n);
    G->nt = al.ndim == 1 ? 1 : al.cols;
    G->alpha = pk_mc_alloc(c, G->n * G->nt, sizeof(double));
    if (!G->alpha) return c->err->code;
    for (size_t i = 0; i < G->n; i++)
        for (size_t t = 0; t < G->nt; t++)
            G->alpha[t * G->n + i] = al.v[i * G->nt + t];
    if ((rc = gpr_stat(c, "_y_train_mean", G->nt, &G->ymean)) ||
        (rc = gpr_stat(c, "_y_train_std", G->nt, &G->ystd)))
        return rc;
    m->kind = PK_MODEL_REGRESSOR;
    m->impl = G;
    pk_mc_method(c, PK_PREDICT, G->nt == 1 ? PK_OUT_SCALAR : PK_OUT_ARRAY, G->nt, gpr_predict);
    return PK_OK;
}

/* ---- binary Laplace classifier --------------------------------------------------------------- */

/* scikit-learn's constants of the erf approximation (sklearn/gaussian_process/_gpc.py). */
static const double gpc_lambdas[5] = {0.41, 0.4, 0.37, 0.44, 0.39};
static const double gpc_coefs[5] = {-1854.8214151, 3516.89893646, 221.29346712, 128.12323805,
                                    -2010.49422654};

static pk_code gpc_predict(const pk_model *m, const double *x, double *scratch, double *out,
                           pk_err *err) {
    (void)err;
    const pk_gp *G = m->impl;
    gk_row(G->root, G, x, scratch, scratch + G->n);
    out[0] = pk_dot(scratch, G->alpha, G->n) > 0 ? 1.0 : 0.0;
    return PK_OK;
}

static pk_code gpc_proba(const pk_model *m, const double *x, double *scratch, double *out,
                         pk_err *err) {
    (void)err;
    const pk_gp *G = m->impl;
    size_t n = G->n;
    double *kr = scratch, *v = scratch + n;
    gk_row(G->root, G, x, kr, v);
    double f = pk_dot(kr, G->alpha, n);
    for (size_t i = 0; i < n; i++) {
        double b = G->wsr[i] * kr[i];
        const double *Li = G->L + i * n;
        b -= pk_dot(Li, v, i);
        v[i] = b / Li[i];
    }
    double var = gk_diag(G->root, G, x) - pk_dot(v, v, n);
    double a = 1 / (2 * var);
    double pi = 0, cs = 0;
    for (int i = 0; i < 5; i++) {
        double l = gpc_lambdas[i], g = l * f;
        double in = sqrt(M_PI / a) * erf(g * sqrt(a / (a + l * l)));
        in /= 2 * sqrt(var * 2 * M_PI);
        pi += gpc_coefs[i] * in;
        cs += gpc_coefs[i];
    }
    pi += 0.5 * cs;
    out[0] = 1 - pi;
    out[1] = pi;
    return PK_OK;
}

static pk_code gpc_binary(pk_mc *c) {
    pk_model *m = c->m;
    pk_gp *G = pk_mc_alloc(c, 1, sizeof *G);
    if (!G) return c->err->code;
    pk_code rc = gp_common(c, G);
    if (rc) return rc;
    pk_mc_arr y, pi, w, L;
    if ((rc = pk_mc_array(c, "y_train_", 1, &y)) || (rc = pk_mc_array(c, "pi_", 1, &pi)) ||
        (rc = pk_mc_array(c, "W_sr_", 1, &w)) || (rc = pk_mc_array(c, "L_", 1, &L)))
        return rc;
    size_t n = G->n;
    if (y.n != n || pi.n != n || w.n != n || L.ndim != 2 || L.rows != n || L.cols != n)
        return pk_mc_fail(c, "%s: y_train_, pi_, W_sr_ and L_ do not match %zu training rows",
                          m->cls, n);
    for (size_t i = 0; i < n; i++)
        if (L.v[i * n + i] == 0) return pk_mc_fail(c, "%s.L_ is singular", m->cls);
    G->alpha = y.v;
    for (size_t i = 0; i < n; i++)
        G->alpha[i] = y.v[i] - pi.v[i];
    G->wsr = w.v;
    G->L = L.v;
    if ((rc = pk_mc_classes(c, pk_attr(c->obj, "classes_")))) return rc;
    if (m->n_classes != 2) return pk_mc_fail(c, "%s has %zu classes, not 2", m->cls, m->n_classes);
    m->kind = PK_MODEL_CLASSIFIER;
    m->impl = G;
    pk_mc_method(c, PK_PREDICT, PK_OUT_LABEL, 1, gpc_predict);
    pk_mc_method(c, PK_PREDICT_PROBA, PK_OUT_ARRAY, 2, gpc_proba);
    return PK_OK;
}

/* GaussianProcessClassifier: its base_estimator_'s methods (the binary classifier above, or a
 * OneVsRest/OneVsOne of them), its own class name, features and classes. */
pk_code pk_compile_gpc(pk_mc *c) {
    pk_model *m = c->m;
    if (strcmp(m->cls, "GaussianProcessClassifier") != 0) return gpc_binary(c);
    pk_code rc = pk_mc_take_inner(c, "base_estimator_");
    if (rc) return rc;
    if (m->shape[PK_DECISION] != PK_OUT_NONE) {
        m->shape[PK_DECISION] = PK_OUT_NONE;
        m->fn[PK_DECISION] = NULL;
    }
    if (m->shape[PK_PREDICT_PROBA] == PK_OUT_NONE)
        m->why_not[PK_PREDICT_PROBA] = "multi_class='one_vs_one' does not support predicting "
                                       "probability estimates (scikit-learn refuses it too)";
    return PK_OK;
}
