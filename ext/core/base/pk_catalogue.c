/*
 * pk_catalogue.c - lookups in the catalogue (pk_catalogue.h); the rows are generated into
 * pk_catalogue_data.c.
 */
#include "pk_catalogue.h"

#include <string.h>

/* 1 when `module` is one of the space-separated words of `list`. */
static int in_list(const char *list, const char *module) {
    size_t n = strlen(module);
    for (const char *p = list; *p;) {
        const char *end = strchr(p, ' ');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && memcmp(p, module, n) == 0) return 1;
        if (!end) break;
        p = end + 1;
    }
    return 0;
}

const pk_cat_row *pk_catalogue_find(const char *module, const char *name) {
    if (!module || !name) return NULL;
    /* binary search for the first row with this name */
    size_t lo = 0, hi = pk_catalogue_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(pk_catalogue_rows[mid].name, name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < pk_catalogue_count && strcmp(pk_catalogue_rows[i].name, name) == 0;
         i++) {
        const pk_cat_row *r = &pk_catalogue_rows[i];
        if (strcmp(r->module, module) == 0 || in_list(r->spellings, module)) return r;
    }
    return NULL;
}

pk_tier pk_catalogue_tier(const char *module, const char *name) {
    const pk_cat_row *r = pk_catalogue_find(module, name);
    return r ? r->tier : PK_TIER_UNKNOWN;
}

const char *pk_tier_name(pk_tier tier) {
    switch (tier) {
    case PK_TIER_SCORABLE:
        return "scorable";
    case PK_TIER_SAFE:
        return "safe";
    case PK_TIER_UNKNOWN:
        break;
    }
    return "unknown";
}

const char *pk_cat_kind_name(pk_cat_kind kind) {
    switch (kind) {
    case PK_CAT_CLASSIFIER:
        return "classifier";
    case PK_CAT_REGRESSOR:
        return "regressor";
    case PK_CAT_CLUSTERER:
        return "clusterer";
    case PK_CAT_TRANSFORMER:
        return "transformer";
    case PK_CAT_OUTLIER:
        return "outlier detector";
    case PK_CAT_ESTIMATOR:
        return "estimator";
    case PK_CAT_HELPER:
        break;
    }
    return "helper";
}
