/*
 * pk_expand.h - how big a value becomes when its shared nodes are written out in full.
 *
 * The graph keeps memo-shared nodes shared, so decoding a "memo bomb" (a list holding the same
 * list twice, 100 levels deep) is linear. Writers that expand sharing - the JSON text of
 * pickle_json/pickle_get and the rows of pickle_tree - would do exponential work. Before they
 * start, they ask here for the expanded size, computed in time linear in the graph (each node is
 * measured once and its measure reused wherever it is shared), saturating at a cap, and refuse
 * inputs over their limit at once instead of producing gigabytes first.
 *
 * A node reached again while it is being measured (a cycle) counts as one node and 12 bytes (the
 * writers print a {"py/ref": ...} there). Depth is capped by max_depth like the writers'.
 */
#ifndef PK_EXPAND_H
#define PK_EXPAND_H

#include "pk_value.h"

typedef struct pk_expand {
    uint64_t nodes; /* values a full walk visits (pickle_tree rows), saturated at the cap     */
    uint64_t bytes; /* a lower bound on the JSON text's length, saturated at the cap         */
} pk_expand;

/* Measures v. `cap` saturates both counts (the caller compares with its limit, so anything
 * above the limit may stop the walk early). Returns PK_OK, PK_ENOMEM, or PK_ELIMIT when nesting
 * exceeds max_depth (the writers report that limit themselves: callers may ignore this code). */
pk_code pk_expand_measure(const pk_alloc *alloc, const pk_value *v, uint64_t cap,
                          uint32_t max_depth, pk_expand *out);

#endif /* PK_EXPAND_H */
