/*
 * pk_isotonic.c - IsotonicRegression (predict and transform of its one feature), also the
 * isotonic calibrator of CalibratedClassifierCV (pk_calibration.c).
 *
 * scikit-learn 1.2.1 rebuilds f_ from X_thresholds_ / y_thresholds_ when unpickled: a constant
 * when there is one threshold, else scipy's interp1d(kind='linear'). scipy >= 1.10 (Debian 12's
 * 1.10.1) hands float64 (or int64) thresholds to numpy.interp, which takes the j with
 * x[j] <= t < x[j+1] and gives y[j] when t == x[j] (y[n-1] at x[n-1]), else
 *     (y[j+1] - y[j]) / (x[j+1] - x[j]) * (t - x[j]) + y[j]
 * (retried from the right end when that is NaN); other dtypes (float32 thresholds) take
 * interp1d's own _call_linear: i = searchsorted(x, t) (side 'left') clipped to [1, n-1] and
 *     (y[i] - y[i-1]) / (x[i] - x[i-1]) * (t - x[i-1]) + y[i-1]
 * which differs at the thresholds themselves (a calibrated tie of 0.5 and 0.5 became an ulp
 * apart with it).
 * out_of_bounds: 'clip' first clips t to [X_min_, X_max_]; 'nan' gives NaN below x[0] and above
 * x[n-1]; 'raise' makes such a row an error. NaN stays NaN (searchsorted puts it last).
 * Thresholds fitted on float32 data (scikit-learn casts the input to float32 then) are
 * computed in double.
 */
#include "pk_meta.h"

#include "pk_ndarray.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* 1 when v is a numpy array of float64 or int64 (interp1d's np_types: np.float_, np.int_). */
static int np_type(const pk_value *v) {
    const pk_dtype *dt =
        v && v->kind == PK_NDARRAY && v->u.arr->dtype ? v->u.arr->dtype->u.dt : NULL;
    return dt && (dt->kind == 'f' || dt->kind == 'i') && dt->itemsize == 8;
}

pk_code pk_iso_read(pk_mc *c, const pk_value *obj, const char *what, pk_iso *iso) {
    memset(iso, 0, sizeof *iso);
    pk_mc_arr x, y;
    char w[300];
    snprintf(w, sizeof w, "%.127s.%.100sX_thresholds_", c->m->cls, what);
    const pk_value *xv = pk_attr(obj, "X_thresholds_");
    if (!xv || xv->kind == PK_NONE)
        return pk_mc_fail(c, "%s.%s is not fitted (no X_thresholds_)", c->m->cls, what);
    pk_code rc = pk_mc_array_of(c, xv, w, &x);
    if (rc) return rc;
    snprintf(w, sizeof w, "%.127s.%.100sy_thresholds_", c->m->cls, what);
    if ((rc = pk_mc_array_of(c, pk_attr(obj, "y_thresholds_"), w, &y)) != PK_OK) return rc;
    if (!y.v || x.ndim != 1 || y.ndim != 1 || x.n != y.n || x.n == 0)
        return pk_mc_fail(c,
                          "%s.%sX_thresholds_ and y_thresholds_ are not two arrays of the "
                          "same length",
                          c->m->cls, what);
    for (size_t i = 1; i < x.n; i++)
        if (!(x.v[i] > x.v[i - 1]))
            return pk_mc_fail(c, "%s.%sX_thresholds_ is not strictly increasing", c->m->cls, what);
    iso->n = x.n;
    iso->x = x.v;
    iso->y = y.v;
    iso->np_interp = np_type(xv) && np_type(pk_attr(obj, "y_thresholds_"));
    const pk_value *ov = pk_attr(obj, "out_of_bounds");
    const char *oob = ov && ov->kind == PK_STR ? ov->u.s.ptr : "nan";
    if (strcmp(oob, "nan") == 0)
        iso->oob = PK_ISO_NAN;
    else if (strcmp(oob, "clip") == 0)
        iso->oob = PK_ISO_CLIP;
    else if (strcmp(oob, "raise") == 0)
        iso->oob = PK_ISO_RAISE;
    else
        return pk_mc_fail(c, "%s.%sout_of_bounds '%.20s' is not nan, clip or raise", c->m->cls,
                          what, oob);
    iso->xmin = x.v[0];
    iso->xmax = x.v[x.n - 1];
    const pk_value *lo = pk_attr(obj, "X_min_"), *hi = pk_attr(obj, "X_max_");
    if (lo && lo->kind != PK_NONE && pk_as_f64(lo, &iso->xmin) != PK_OK)
        return pk_mc_fail(c, "%s.%sX_min_ is not a number", c->m->cls, what);
    if (hi && hi->kind != PK_NONE && pk_as_f64(hi, &iso->xmax) != PK_OK)
        return pk_mc_fail(c, "%s.%sX_max_ is not a number", c->m->cls, what);
    return PK_OK;
}

pk_code pk_iso_eval(const pk_iso *iso, const char *cls, double t, double *out, pk_err *err) {
    if (iso->oob == PK_ISO_CLIP) { /* np.clip: NaN stays NaN */
        if (t < iso->xmin) t = iso->xmin;
        if (t > iso->xmax) t = iso->xmax;
    }
    const double *x = iso->x, *y = iso->y;
    size_t n = iso->n;
    if (n == 1) {
        *out = y[0];
        return PK_OK;
    }
    if (t < x[0] || t > x[n - 1]) {
        if (iso->oob == PK_ISO_RAISE)
            return pk_err_set(err, PK_EFEATURE, -1, -1,
                              "%s(out_of_bounds='raise'): %.17g is outside the fitted range "
                              "[%.17g, %.17g]",
                              cls, t, x[0], x[n - 1]);
        *out = NAN;
        return PK_OK;
    }
    if (iso->np_interp) { /* numpy.interp (x is strictly increasing: pk_iso_read) */
        if (isnan(t)) {
            *out = t;
            return PK_OK;
        }
        if (t >= x[n - 1]) {
            *out = y[n - 1];
            return PK_OK;
        }
        size_t j = 0, top = n - 1; /* the last j with x[j] <= t */
        while (top - j > 1) {
            size_t mid = j + (top - j) / 2;
            if (x[mid] <= t)
                j = mid;
            else
                top = mid;
        }
        if (t == x[j]) {
            *out = y[j];
            return PK_OK;
        }
        double slope = (y[j + 1] - y[j]) / (x[j + 1] - x[j]);
        double r = slope * (t - x[j]) + y[j];
        if (isnan(r)) {
            r = slope * (t - x[j + 1]) + y[j + 1];
            if (isnan(r) && y[j] == y[j + 1]) r = y[j];
        }
        *out = r;
        return PK_OK;
    }
    size_t lo = 0, hi = n; /* searchsorted(x, t, side='left'); NaN sorts last */
    if (isnan(t)) {
        lo = n;
    } else {
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (x[mid] < t)
                lo = mid + 1;
            else
                hi = mid;
        }
    }
    size_t i = lo < 1 ? 1 : lo > n - 1 ? n - 1 : lo;
    double slope = (y[i] - y[i - 1]) / (x[i] - x[i - 1]);
    *out = slope * (t - x[i - 1]) + y[i - 1];
    return PK_OK;
}

static pk_code iso_predict(const pk_model *m, const double *x, double *scratch, double *out,
                           pk_err *err) {
    (void)scratch;
    return pk_iso_eval(m->impl, m->cls, x[0], out, err);
}

pk_code pk_compile_isotonic(pk_mc *c) {
    pk_model *m = c->m;
    pk_iso *iso = pk_mc_alloc(c, 1, sizeof *iso);
    if (!iso) return c->err->code;
    pk_code rc = pk_iso_read(c, c->obj, "", iso);
    if (rc) return rc;
    if ((rc = pk_mc_features(c, 1)) != PK_OK) return rc;
    m->kind = PK_MODEL_REGRESSOR;
    m->impl = iso;
    m->scratch = 1;
    pk_mc_method(c, PK_PREDICT, PK_OUT_SCALAR, 1, iso_predict);
    pk_mc_method(c, PK_TRANSFORM, PK_OUT_SCALAR, 1, iso_predict);
    return PK_OK;
}
