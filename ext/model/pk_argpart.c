/*
 * pk_argpart.c - np.argpartition(v, kth) for one float64 row, in numpy 1.24's order.
 *
 * Which indices land in the first kth + 1 places, and in what order, decides which neighbours
 * an estimator takes among equal distances and the order it sums them in; to give the same
 * answer this follows numpy's introselect step by step: NaN sorts last; kth within 3 of the
 * start uses the O(n * kth) selection (repeatedly swap the first strictly smallest into place);
 * kth == n - 1 swaps the last maximum (a later equal value wins) into place; otherwise
 * median-of-3 quickselect (median to low, smallest to low + 1, an unguarded Hoare partition
 * around the median), falling back to a median-of-medians-of-5 pivot after 2 * floor(log2(n))
 * rounds, and a final compare-swap of the last two elements.
 * Indices are kept as doubles (exact below 2^53) so callers can use their double scratch.
 */
#include "pk_preproc.h"

#include <stddef.h>

/* numpy's npy_intp: positions may step one below 0 while partitioning. */
typedef ptrdiff_t ix;

/* numpy's float ordering: NaN is larger than everything else. */
static int lt(double a, double b) {
    return a < b || (b != b && a == a);
}

#define V(i) v[(size_t)t[(i)]]

static void swap(double *t, ix a, ix b) {
    double s = t[a];
    t[a] = t[b];
    t[b] = s;
}

static void dumb_select(const double *v, double *t, ix num, ix kth) {
    for (ix i = 0; i <= kth; i++) {
        ix minidx = i;
        double minval = V(i);
        for (ix k = i + 1; k < num; k++)
            if (lt(V(k), minval)) {
                minidx = k;
                minval = V(k);
            }
        swap(t, i, minidx);
    }
}

static void median3_swap(const double *v, double *t, ix low, ix mid, ix high) {
    if (lt(V(high), V(mid))) swap(t, high, mid);
    if (lt(V(high), V(low))) swap(t, high, low);
    if (lt(V(low), V(mid))) swap(t, low, mid);
    swap(t, mid, low + 1);
}

static ix median5(const double *v, double *t) {
    if (lt(V(1), V(0))) swap(t, 1, 0);
    if (lt(V(4), V(3))) swap(t, 4, 3);
    if (lt(V(3), V(0))) swap(t, 3, 0);
    if (lt(V(4), V(1))) swap(t, 4, 1);
    if (lt(V(2), V(1))) swap(t, 2, 1);
    if (lt(V(3), V(2))) return lt(V(3), V(1)) ? 1 : 3;
    return 2;
}

static void introselect(const double *v, double *t, ix num, ix kth);

static ix median_of_median5(const double *v, double *t, ix num) {
    ix nmed = num / 5;
    for (ix i = 0, sub = 0; i < nmed; i++, sub += 5)
        swap(t, sub + median5(v, t + sub), i);
    if (nmed > 2) introselect(v, t, nmed, nmed / 2);
    return nmed / 2;
}

static void unguarded_partition(const double *v, double *t, double pivot, ix *ll, ix *hh) {
    for (;;) {
        do
            (*ll)++;
        while (lt(V(*ll), pivot));
        do
            (*hh)--;
        while (lt(pivot, V(*hh)));
        if (*hh < *ll) break;
        swap(t, *ll, *hh);
    }
}

static void introselect(const double *v, double *t, ix num, ix kth) {
    ix low = 0, high = num - 1;
    if (kth - low < 3) {
        dumb_select(v, t + low, high - low + 1, kth - low);
        return;
    }
    if (kth == num - 1) {
        ix maxidx = low;
        double maxval = V(low);
        for (ix k = low + 1; k < num; k++)
            if (!lt(V(k), maxval)) {
                maxidx = k;
                maxval = V(k);
            }
        swap(t, kth, maxidx);
        return;
    }
    int depth = 0;
    for (ix u = num; u >>= 1;)
        depth++;
    depth *= 2;
    while (low + 1 < high) {
        ix ll = low + 1, hh = high;
        if (depth > 0 || hh - ll < 5) {
            median3_swap(v, t, low, low + (high - low) / 2, high);
        } else {
            ix mid = ll + median_of_median5(v, t + ll, hh - ll);
            swap(t, mid, low);
            ll--;
            hh++;
        }
        depth--;
        unguarded_partition(v, t, V(low), &ll, &hh);
        swap(t, low, hh);
        if (hh >= kth) high = hh - 1;
        if (hh <= kth) low = ll;
    }
    if (high == low + 1 && lt(V(high), V(low))) swap(t, high, low);
}

void pk_argpartition(const double *v, double *idx, size_t n, size_t kth) {
    for (size_t i = 0; i < n; i++)
        idx[i] = (double)i;
    if (n > 1 && kth < n) introselect(v, idx, (ix)n, (ix)kth);
}
