/*
 * pk.h - common types of the pickle_ext core: limits, the allocator, the arena.
 *
 * The core (everything under ext/core and ext/model) is plain C99 and never includes a SQLite
 * header. It allocates through a pk_alloc supplied by the caller (the SQLite glue passes
 * sqlite3_malloc64-based functions, unit tests pass counting ones) and reports errors as pk_err
 * values (pk_err.h).
 *
 * Memory of one decoded document lives in one pk_arena: many small bump allocations, freed all at
 * once by pk_arena_free. The arena enforces a byte budget so that no input can make the decoder
 * allocate more than a small multiple of its own size.
 */
#ifndef PK_H
#define PK_H

#include <stddef.h>
#include <stdint.h>

#define PK_VERSION "0.1.0"

/* ---- limits (all overridable through pk_limits) ------------------------------------------- */

/* Default limits. Every one is a hard cap checked before the corresponding allocation. */
#define PK_DEFAULT_MAX_DEPTH       1000       /* nesting depth of containers when traversed      */
#define PK_DEFAULT_MAX_STACK       1000000    /* values on the unpickler stack                   */
#define PK_DEFAULT_MAX_MARKS       100000     /* open MARKs                                      */
#define PK_DEFAULT_MAX_MEMO        1000000    /* distinct memo entries                           */
#define PK_DEFAULT_ALLOC_FACTOR    48         /* arena budget = factor * input size + slack      */
#define PK_DEFAULT_ALLOC_SLACK     (1u << 20) /* 1 MiB of budget for tiny inputs                 */
#define PK_DEFAULT_MAX_INFLATE     (256u << 20) /* 256 MiB: largest decompressed stream           */
#define PK_DEFAULT_MAX_ALLOC       (512u << 20) /* 512 MiB: largest decoded graph (arrays borrowed) */
#define PK_DEFAULT_MAX_ROWS        100000000u /* rows pickle_tree may produce (shared expanded)   */
#define PK_DEFAULT_MAX_OUTPUT      (1u << 30) /* 1 GiB: largest text or blob an encoder produces */
#define PK_DEFAULT_EXPAND_FACTOR   1000       /* expanded output <= factor * pickle size + slack  */
#define PK_DEFAULT_EXPAND_SLACK    (64u << 20)  /* 64 MiB                                        */
#define PK_DEFAULT_MAX_MODEL_BYTES (256u << 20) /* 256 MiB: largest compiled model        */
#define PK_MAX_DIMS                32   /* numpy's NPY_MAXDIMS                             */
#define PK_MAX_BIGINT_BYTES        8192 /* ints wider than this are refused (~19,700 digits) */

typedef struct pk_limits {
    uint32_t max_depth;
    uint32_t max_stack;
    uint32_t max_marks;
    uint32_t max_memo;
    uint32_t alloc_factor;
    uint64_t alloc_slack;
    uint64_t max_inflate; /* also capped by the caller (SQLite's SQLITE_LIMIT_LENGTH)      */
    uint64_t max_output;
    uint64_t max_alloc;     /* absolute cap of the arena budget (compressed inputs inflate first) */
    uint64_t max_rows;      /* pickle_tree rows, counting shared nodes at every place they occur */
    uint32_t expand_factor; /* JSON text / tree walks of a pickle (shared nodes written out at */
    uint64_t expand_slack;  /* every place): at most expand_factor * stream size + slack      */
    uint64_t max_model_bytes; /* memory of one compiled model, shared trees counted each time  */
    /* Derived, not a setting: the expansion cap of one decoded pickle (pk_doc_decode sets it
     * from expand_factor, expand_slack and the stream size; 0 = no expansion cap). */
    uint64_t max_expand;
} pk_limits;

/* expand_slack + expand_factor * stream_len, saturated. */
uint64_t pk_limits_expand_cap(const pk_limits *l, size_t stream_len);

/* Fills *l with the defaults above. */
void pk_limits_default(pk_limits *l);

/* ---- allocator ------------------------------------------------------------------------------ */

/* A caller-supplied allocator. free(ctx, NULL) must be a no-op. realloc may be NULL, in which case
 * the core uses malloc + copy + free. */
typedef struct pk_alloc {
    void *(*malloc)(void *ctx, size_t n);
    void *(*realloc)(void *ctx, void *p, size_t n);
    void (*free)(void *ctx, void *p);
    void *ctx;
} pk_alloc;

/* The process allocator (malloc/realloc/free). */
extern const pk_alloc pk_alloc_std;

void *pk_malloc(const pk_alloc *a, size_t n);
void *pk_realloc(const pk_alloc *a, void *p, size_t old_n, size_t n);
void pk_free(const pk_alloc *a, void *p);

/* ---- arena ---------------------------------------------------------------------------------- */

typedef struct pk_arena_chunk pk_arena_chunk;

/* A bump allocator: allocations are 8-byte aligned, never freed one by one. `used` counts every
 * byte requested from the underlying allocator (chunk headers included); an allocation that would
 * push it past `budget` fails. The arena owns its chunks; pk_arena_free releases them all. */
typedef struct pk_arena {
    const pk_alloc *alloc;
    pk_arena_chunk *head;
    char *cur;    /* the head chunk's free bytes: avail of them from cur              */
    size_t avail; /* (0 and NULL when there is no chunk)                             */
    size_t used;
    size_t budget;
    int over_budget; /* set when an allocation was refused because of the budget */
} pk_arena;

/* inline, and inlined even where the compiler would not: kernels whose constant arguments (a
 * flag, an order, a level count) select their code, so that each caller gets its own copy. */
#if defined(__GNUC__)
#define PK_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define PK_ALWAYS_INLINE inline
#endif

/* Initialises an empty arena. budget 0 means unlimited. Allocates nothing. */
void pk_arena_init(pk_arena *ar, const pk_alloc *alloc, size_t budget);

/* pk_arena_alloc when the head chunk has no room (or n is 0): a new chunk. */
void *pk_arena_alloc_slow(pk_arena *ar, size_t n);

/* Returns n bytes (uninitialised, 8-aligned) or NULL when out of memory or over budget. n == 0
 * returns a valid non-NULL pointer. Inline when the head chunk has room: the decoder allocates
 * every value from its arena. (n rounded up wraps to 0 only when it overflows: need - 1 is then
 * SIZE_MAX, and pk_arena_alloc_slow refuses it.) */
static inline void *pk_arena_alloc(pk_arena *ar, size_t n) {
    size_t need = (n + 7u) & ~(size_t)7u;
    if (need - 1 < ar->avail) {
        void *p = ar->cur;
        ar->cur += need;
        ar->avail -= need;
        return p;
    }
    return pk_arena_alloc_slow(ar, n);
}

/* Like pk_arena_alloc, zero-filled. */
void *pk_arena_calloc(pk_arena *ar, size_t count, size_t size);

/* Grows an arena block: returns a new block of new_n bytes holding the first old_n bytes of p (p
 * may be NULL). The old block is not reused. Callers grow geometrically so the waste is bounded. */
void *pk_arena_grow(pk_arena *ar, void *p, size_t old_n, size_t new_n);

/* Copies n bytes into the arena and appends a NUL (not counted in n). */
char *pk_arena_strndup(pk_arena *ar, const char *s, size_t n);

/* Releases every chunk. Accepts an arena that was never used; safe to call twice. */
void pk_arena_free(pk_arena *ar);

/* Overflow-checked size arithmetic: return 0 and store the result, or return 1 on overflow. */
int pk_mul_overflow(size_t a, size_t b, size_t *out);
int pk_add_overflow(size_t a, size_t b, size_t *out);

#endif /* PK_H */
