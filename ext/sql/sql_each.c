/*
 * sql_each.c - the table-valued functions pickle_each(p [, path]) and pickle_tree(p [, path]).
 *
 * Eponymous virtual tables shaped like SQLite's json_each / json_tree:
 *
 *   key      TEXT for a str dict key or an attribute / "py/..." member name, INTEGER for an index
 *            (and for int or bool dict keys), else the key's JSON text (as pickle_json writes it)
 *   value    the SQL form of the value (pickle_get's rules: numbers, text, blobs, NULL; containers
 *            and objects as JSON text with the JSON subtype)
 *   type     Python's type name (pickle_type)
 *   atom     value when its SQL form is not JSON text, else NULL
 *   id       row number in walk order (pickle_tree: pre-order, the first row is 0)
 *   parent   pickle_tree: id of the enclosing row (NULL for the first row); pickle_each: NULL
 *   fullkey  path of this value (a path pickle_get accepts, except for keys of other kinds)
 *   path     path of the container holding it
 *   pickle, root   HIDDEN: the arguments
 *
 * What the children of a value are is what pickle_json writes for it: list/tuple/set/frozenset
 * items (index keys), dict entries, the members of an object's JSON object (its state entries,
 * then "py/args", "py/kwargs", "py/state", "py/items", "py/dictitems" where present), the first
 * axis of an ndarray (views or scalars). pickle_each lists the children of the value at `path`
 * (or the value itself when it is no container, with key NULL, as json_each does); pickle_tree
 * lists the value and all its descendants depth-first. A container already being walked (a
 * cycle) is listed but not entered again; nesting deeper than max_depth is an error.
 *
 * Memory: the decoded doc belongs to the cursor and borrows the cursor's copy of the pickle. Array
 * elements and views made while walking are allocated in a scratch arena that is emptied whenever
 * no open frame depends on it, so walking a big array costs memory for one row (or one sub-array),
 * not for every element.
 */
#include "sql_funcs.h"

SQLITE_EXTENSION_INIT3

#include "pk_buf.h"
#include "pk_json.h"
#include "pk_ndarray.h"
#include "pk_expand.h"
#include "pk_path.h"

#include <string.h>

enum {
    COL_KEY,
    COL_VALUE,
    COL_TYPE,
    COL_ATOM,
    COL_ID,
    COL_PARENT,
    COL_FULLKEY,
    COL_PATH,
    COL_PICKLE,
    COL_ROOT
};

typedef struct each_vtab {
    sqlite3_vtab base;
    sqlite3 *db;
    int tree;
    const pk_conn_state *st; /* the connection's limits */
} each_vtab;

typedef struct each_frame {
    const pk_value *node;
    size_t next;     /* next child position                  */
    int64_t id;      /* row id of the node                   */
    size_t path_len; /* length of the node's fullkey in fk   */
    int scratch;     /* node lives in the scratch arena      */
} each_frame;

typedef enum { KEY_NULL, KEY_INT, KEY_TEXT } key_kind;

typedef struct each_cursor {
    sqlite3_vtab_cursor base;
    int tree;
    const char *fname;
    pk_doc *doc;
    pk_arena scratch;
    pk_limits lim;
    int eof;
    int64_t counter; /* ids handed out */

    each_frame *frames;
    size_t nframes, frames_cap, nscratch;

    /* the current row */
    const pk_value *cur;
    int cur_scratch;
    int pending_push; /* tree: enter cur on the next step */
    int64_t id, parent;
    key_kind kkind;
    int64_t kint;
    pk_buf ktext;
    pk_buf fk;       /* fullkey of the current row */
    size_t path_len; /* the path column is fk[0..path_len) */

    sqlite3_value *arg_pickle, *arg_root; /* copies, echoed by the hidden columns */
} each_cursor;

/* ---- value classification -------------------------------------------------------------------- */

/* Values whose children are walked: containers, but arrays only when complete and not 0-d, and
 * not a numpy scalar (an object-dtype one is one row). */
static int walkable(const pk_value *v) {
    if (v->kind == PK_NPSCALAR) return 0;
    if (v->kind == PK_NDARRAY) return v->u.arr->ndim > 0 && v->u.arr->complete;
    return pk_is_container(v);
}

/* 1 when pk_sql_result_value gives JSON text for v (atom is NULL then). */
static int sql_form_is_json(const pk_value *v) {
    switch (v->kind) {
    case PK_NONE:
    case PK_BOOL:
    case PK_INT:
    case PK_BIGINT:
    case PK_FLOAT:
    case PK_STR:
    case PK_BYTES:
    case PK_BYTEARRAY:
        return 0;
    case PK_NPSCALAR: {
        if (v->u.sc.object) return sql_form_is_json(v->u.sc.object);
        const pk_dtype *dt = v->u.sc.dtype ? v->u.sc.dtype->u.dt : NULL;
        if (!dt) return 1;
        if (dt->kind == 'u' && dt->itemsize == 8) {
            double d;
            return pk_npscalar_f64(v, &d) == PK_OK && d >= 9223372036854775808.0;
        }
        return !(dt->kind == 'b' || dt->kind == 'i' || dt->kind == 'u' || dt->kind == 'M' ||
                 dt->kind == 'm' || dt->kind == 'f');
    }
    default:
        return 1;
    }
}

/* ---- children -------------------------------------------------------------------------------- */

typedef struct child {
    const pk_value *v;
    const pk_value *key; /* dict key, or NULL */
    const char *name;    /* member name ("py/args"), or NULL */
    int64_t index;       /* when key and name are NULL */
    int scratch;
} child;

static int state_pair(const pk_value *st) {
    return st && st->kind == PK_TUPLE && st->u.seq.len == 2 &&
           (st->u.seq.items[0]->kind == PK_DICT || st->u.seq.items[0]->kind == PK_NONE) &&
           (st->u.seq.items[1]->kind == PK_DICT || st->u.seq.items[1]->kind == PK_NONE);
}

static int dict_child(const pk_value *d, size_t *i, child *c) {
    if (!d || d->kind != PK_DICT) return 0;
    if (*i < d->u.d.len) {
        c->key = d->u.d.keys[*i];
        c->v = d->u.d.vals[*i];
        return 1;
    }
    *i -= d->u.d.len;
    return 0;
}

/* Member i of an object's JSON object (after "py/object"), as pk_json.c writes them. */
static int object_child(const pk_value *obj, size_t i, child *c) {
    const pk_object *o = &obj->u.o;
    const pk_value *st = o->state;
    if (st && st->kind == PK_DICT) {
        if (dict_child(st, &i, c)) return 1;
    } else if (state_pair(st)) {
        if (dict_child(st->u.seq.items[0], &i, c)) return 1;
        if (dict_child(st->u.seq.items[1], &i, c)) return 1;
    }
    struct {
        const char *name;
        const pk_value *v;
        int present;
    } m[5] = {
        {"py/args", o->args, o->args && o->args->kind == PK_TUPLE && o->args->u.seq.len > 0},
        {"py/kwargs", o->kwargs, o->kwargs && o->kwargs->kind == PK_DICT && o->kwargs->u.d.len > 0},
        {"py/state", st, st && st->kind != PK_DICT && !state_pair(st)},
        {"py/items", o->items, o->items && o->items->kind == PK_LIST && o->items->u.seq.len > 0},
        {"py/dictitems", o->dictitems,
         o->dictitems && o->dictitems->kind == PK_DICT && o->dictitems->u.d.len > 0},
    };
    for (int k = 0; k < 5; k++) {
        if (!m[k].present) continue;
        if (i == 0) {
            c->name = m[k].name;
            c->v = m[k].v;
            return 1;
        }
        i--;
    }
    return 0;
}

/* Child i of v: 1 and *c, 0 when there is none, -1 on error (reported in err). */
static int get_child(each_cursor *cur, const pk_value *v, size_t i, child *c, pk_err *err) {
    memset(c, 0, sizeof *c);
    switch (v->kind) {
    case PK_LIST:
    case PK_TUPLE:
    case PK_SET:
    case PK_FROZENSET:
        if (i >= v->u.seq.len) return 0;
        c->v = v->u.seq.items[i];
        c->index = (int64_t)i;
        return 1;
    case PK_DICT:
        return dict_child(v, &i, c);
    case PK_OBJECT:
        return object_child(v, i, c);
    case PK_NDARRAY: {
        if (v->u.arr->ndim == 0 || i >= (size_t)v->u.arr->shape[0]) return 0;
        pk_value *e = NULL;
        if (pk_ndarray_index(&cur->scratch, v, (int64_t)i, &e, err) != PK_OK || !e) {
            if (err->code == PK_OK) pk_err_nomem(err, -1);
            return -1;
        }
        c->v = e;
        c->index = (int64_t)i;
        c->scratch = 1;
        return 1;
    }
    default:
        return 0;
    }
}

/* ---- cursor mechanics ------------------------------------------------------------------------ */

static void cursor_reset(each_cursor *c) {
    pk_doc_free(c->doc);
    c->doc = NULL;
    pk_arena_free(&c->scratch);
    c->nframes = c->nscratch = 0;
    c->cur = NULL;
    c->eof = 1;
    c->counter = 0;
    c->pending_push = 0;
    c->fk.len = 0;
    c->ktext.len = 0;
    sqlite3_value_free(c->arg_pickle);
    sqlite3_value_free(c->arg_root);
    c->arg_pickle = c->arg_root = NULL;
}

static int cursor_error(each_cursor *c, const pk_err *err) {
    sqlite3_vtab *vt = c->base.pVtab;
    sqlite3_free(vt->zErrMsg);
    vt->zErrMsg =
        sqlite3_mprintf("%s: %s", c->fname, err->msg[0] ? err->msg : pk_code_label(err->code));
    /* a real allocation failure is SQLITE_NOMEM; an exceeded budget keeps its message */
    return err->code == PK_ENOMEM && strstr(err->msg, "limit") == NULL ? SQLITE_NOMEM
                                                                       : SQLITE_ERROR;
}

/* Sets the key columns and appends the step to fk (which holds the parent's fullkey). */
static int set_key(each_cursor *c, const child *ch) {
    c->ktext.len = 0;
    if (ch->name) {
        c->kkind = KEY_TEXT;
        pk_buf_puts(&c->ktext, ch->name);
        pk_path_append_key(&c->fk, ch->name, strlen(ch->name));
    } else if (!ch->key) {
        c->kkind = KEY_INT;
        c->kint = ch->index;
        pk_path_append_index(&c->fk, ch->index);
    } else if (ch->key->kind == PK_STR) {
        c->kkind = KEY_TEXT;
        pk_buf_append(&c->ktext, ch->key->u.s.ptr, ch->key->u.s.len);
        pk_path_append_key(&c->fk, ch->key->u.s.ptr, ch->key->u.s.len);
    } else if (ch->key->kind == PK_INT || ch->key->kind == PK_BOOL) {
        c->kkind = KEY_INT;
        c->kint = ch->key->kind == PK_INT ? ch->key->u.i : ch->key->u.b;
        pk_path_append_index(&c->fk, c->kint);
    } else {
        /* other keys: their JSON text (a float's repr, a tuple's array, ...) */
        pk_err err;
        pk_err_clear(&err);
        c->kkind = KEY_TEXT;
        if (pk_json_write(&c->ktext, ch->key, "$", &c->lim, &err) != PK_OK)
            return cursor_error(c, &err);
        pk_path_append_key(&c->fk, (const char *)c->ktext.data, c->ktext.len);
    }
    if (c->ktext.failed || c->fk.failed) return SQLITE_NOMEM;
    return SQLITE_OK;
}

static int push_frame(each_cursor *c, const pk_value *v, int64_t id, int scratch) {
    for (size_t i = 0; i < c->nframes; i++)
        if (c->frames[i].node == v) return SQLITE_OK; /* a cycle: listed, not entered */
    if (c->nframes >= c->lim.max_depth) {
        pk_err err;
        pk_err_clear(&err);
        pk_err_set(&err, PK_ELIMIT, -1, -1,
                   "limit exceeded: nesting deeper than max_depth (%u) at '%.100s%s'",
                   (unsigned)c->lim.max_depth, (const char *)c->fk.data,
                   c->fk.len > 100 ? "..." : "");
        return cursor_error(c, &err);
    }
    if (c->nframes == c->frames_cap) {
        size_t ncap = c->frames_cap ? c->frames_cap * 2 : 16;
        each_frame *n = sqlite3_realloc64(c->frames, ncap * sizeof *n);
        if (!n) return SQLITE_NOMEM;
        c->frames = n;
        c->frames_cap = ncap;
    }
    each_frame *f = &c->frames[c->nframes++];
    f->node = v;
    f->next = 0;
    f->id = id;
    f->path_len = c->fk.len;
    f->scratch = scratch;
    if (scratch) c->nscratch++;
    return SQLITE_OK;
}

/* Moves to the next row (or eof). */
static int advance(each_cursor *c) {
    if (c->pending_push) {
        c->pending_push = 0;
        if (walkable(c->cur)) {
            int rc = push_frame(c, c->cur, c->id, c->cur_scratch);
            if (rc) return rc;
        }
    }
    if (c->nscratch == 0) pk_arena_free(&c->scratch); /* the previous row's element is done */
    c->cur = NULL;
    while (c->nframes > 0) {
        each_frame *f = &c->frames[c->nframes - 1];
        child ch;
        pk_err err;
        pk_err_clear(&err);
        int got = get_child(c, f->node, f->next, &ch, &err);
        if (got < 0) return cursor_error(c, &err);
        if (got == 0) {
            if (f->scratch) c->nscratch--;
            c->nframes--;
            if (c->nscratch == 0) pk_arena_free(&c->scratch);
            continue;
        }
        f->next++;
        c->fk.len = f->path_len;
        c->fk.data[c->fk.len] = 0;
        c->path_len = f->path_len;
        int rc = set_key(c, &ch);
        if (rc) return rc;
        c->cur = ch.v;
        c->cur_scratch = ch.scratch;
        c->id = ++c->counter;
        c->parent = c->tree ? f->id : -1;
        c->pending_push = c->tree;
        return SQLITE_OK;
    }
    c->eof = 1;
    return SQLITE_OK;
}

/* ---- the module ------------------------------------------------------------------------------ */

static int each_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
                        sqlite3_vtab **out, char **err) {
    (void)argc;
    (void)argv;
    (void)err;
    int rc = sqlite3_declare_vtab(db, "CREATE TABLE x(key,value,type,atom,id,parent,fullkey,path,"
                                      "pickle HIDDEN,root HIDDEN)");
    if (rc != SQLITE_OK) return rc;
    each_vtab *vt = sqlite3_malloc(sizeof *vt);
    if (!vt) return SQLITE_NOMEM;
    memset(vt, 0, sizeof *vt);
    vt->db = db;
    const pk_each_aux *ea = aux;
    vt->tree = ea->tree;
    vt->st = ea->st;
    sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS);
    *out = &vt->base;
    return SQLITE_OK;
}

static int each_disconnect(sqlite3_vtab *vt) {
    sqlite3_free(vt);
    return SQLITE_OK;
}

/* The pickle argument is required; the path is optional. idxNum: bit 1 = pickle, bit 2 = root. */
static int each_best_index(sqlite3_vtab *vt, sqlite3_index_info *info) {
    int pickle = -1, root = -1, pickle_unusable = 0;
    for (int i = 0; i < info->nConstraint; i++) {
        const struct sqlite3_index_constraint *k = &info->aConstraint[i];
        if (k->iColumn != COL_PICKLE && k->iColumn != COL_ROOT) continue;
        if (k->op != SQLITE_INDEX_CONSTRAINT_EQ) continue;
        if (!k->usable) {
            if (k->iColumn == COL_PICKLE) pickle_unusable = 1;
            continue;
        }
        if (k->iColumn == COL_PICKLE)
            pickle = i;
        else
            root = i;
    }
    if (pickle < 0) {
        if (pickle_unusable) return SQLITE_CONSTRAINT; /* try another join order */
        each_vtab *v = (each_vtab *)vt;
        sqlite3_free(vt->zErrMsg);
        vt->zErrMsg = sqlite3_mprintf("%s: the pickle argument is required",
                                      v->tree ? "pickle_tree" : "pickle_each");
        return SQLITE_ERROR;
    }
    info->aConstraintUsage[pickle].argvIndex = 1;
    info->aConstraintUsage[pickle].omit = 1;
    info->idxNum = 1;
    if (root >= 0) {
        info->aConstraintUsage[root].argvIndex = 2;
        info->aConstraintUsage[root].omit = 1;
        info->idxNum |= 2;
    }
    info->estimatedCost = root >= 0 ? 10.0 : 100.0;
    info->estimatedRows = 100;
    return SQLITE_OK;
}

static int each_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **out) {
    each_vtab *v = (each_vtab *)vt;
    each_cursor *c = sqlite3_malloc(sizeof *c);
    if (!c) return SQLITE_NOMEM;
    memset(c, 0, sizeof *c);
    c->tree = v->tree;
    c->fname = v->tree ? "pickle_tree" : "pickle_each";
    c->eof = 1;
    pk_arena_init(&c->scratch, &pk_sql_alloc, 0);
    pk_buf_init(&c->ktext, &pk_sql_alloc, 0);
    pk_buf_init(&c->fk, &pk_sql_alloc, 0);
    *out = &c->base;
    return SQLITE_OK;
}

static int each_close(sqlite3_vtab_cursor *cur) {
    each_cursor *c = (each_cursor *)cur;
    cursor_reset(c);
    sqlite3_free(c->frames);
    pk_buf_free(&c->ktext);
    pk_buf_free(&c->fk);
    sqlite3_free(c);
    return SQLITE_OK;
}

static int each_filter(sqlite3_vtab_cursor *cur, int idxNum, const char *idxStr, int argc,
                       sqlite3_value **argv) {
    (void)idxStr;
    each_cursor *c = (each_cursor *)cur;
    each_vtab *vt = (each_vtab *)cur->pVtab;
    cursor_reset(c);
    if (!(idxNum & 1) || argc < 1) return SQLITE_OK;
    /* the cursor's own copy of the pickle: echoed by the hidden column, and the bytes the doc
     * borrows (freed after the doc in cursor_reset) */
    sqlite3_value *pv = c->arg_pickle = sqlite3_value_dup(argv[0]);
    if (!pv) return SQLITE_NOMEM;
    if ((idxNum & 2) && argc >= 2) c->arg_root = sqlite3_value_dup(argv[1]);
    int t = sqlite3_value_type(pv);
    if (t == SQLITE_NULL) return SQLITE_OK;
    const char *path = "$";
    size_t plen = 1;
    if ((idxNum & 2) && argc >= 2) {
        if (sqlite3_value_type(argv[1]) == SQLITE_NULL) return SQLITE_OK;
        path = (const char *)sqlite3_value_text(argv[1]);
        if (!path) return SQLITE_NOMEM;
        plen = (size_t)sqlite3_value_bytes(argv[1]);
    }
    if (t != SQLITE_BLOB && t != SQLITE_TEXT) {
        sqlite3_free(cur->pVtab->zErrMsg);
        cur->pVtab->zErrMsg = sqlite3_mprintf("%s: argument 1 is %s, not a pickle BLOB", c->fname,
                                              t == SQLITE_INTEGER ? "an INTEGER" : "a REAL");
        return SQLITE_ERROR;
    }
    const uint8_t *buf = t == SQLITE_BLOB ? sqlite3_value_blob(pv) : sqlite3_value_text(pv);
    int n = sqlite3_value_bytes(pv);
    if (!buf && n == 0) buf = (const uint8_t *)"";
    if (!buf) return SQLITE_NOMEM;
    pk_sql_limits_db(vt->db, vt->st, &c->lim);
    pk_err err;
    pk_err_clear(&err);
    c->doc = pk_doc_decode(&pk_sql_alloc, &c->lim, buf, (size_t)n, PK_DOC_BORROW, &err);
    if (!c->doc) return cursor_error(c, &err);
    pk_value *root = NULL;
    if (pk_path_eval(&c->doc->arena, c->doc->root, path, plen, &root, &err) != PK_OK)
        return cursor_error(c, &err);
    /* Shared nodes are listed (and their values written) at every place they occur: refuse an
     * exponential walk before it starts. pickle_tree's rows are bounded by max_rows; the values
     * of either function by the expansion cap of this pickle (their JSON text: pickle_tree's
     * rows hold at least as much). */
    c->lim.max_expand = c->doc->limits.max_expand;
    uint64_t cap = pk_json_cap(&c->lim), rows = c->tree ? c->lim.max_rows : 0;
    if (cap || rows) {
        pk_expand ex;
        uint64_t scale = (cap > rows ? cap : rows) + 1;
        if (pk_expand_measure(&pk_sql_alloc, root, scale, c->lim.max_depth, &ex) == PK_OK) {
            if (rows && ex.nodes > rows) {
                pk_err_set(&err, PK_ELIMIT, -1, -1,
                           "limit exceeded: the walk would produce more than max_rows (%llu) "
                           "rows: shared objects are listed at every place they occur",
                           (unsigned long long)rows);
                return cursor_error(c, &err);
            }
            if (cap && ex.bytes > cap) {
                pk_err_set(&err, PK_ELIMIT, -1, -1,
                           "limit exceeded: the walk's values would exceed %s (%llu bytes of "
                           "JSON%s): shared objects are listed at every place they occur",
                           cap == c->lim.max_expand ? "the expansion limit" : "max_output",
                           (unsigned long long)cap,
                           cap == c->lim.max_expand
                               ? " = expand_slack + expand_factor x the pickle's size"
                               : "");
                return cursor_error(c, &err);
            }
        }
    }
    /* the root's own key (json_tree reports it) and the path of its container */
    size_t parent_len;
    int is_index;
    int64_t index;
    if (pk_path_last_step(path, plen, &parent_len, &is_index, &index, &c->ktext, &err) != PK_OK)
        return cursor_error(c, &err);
    pk_buf_append(&c->fk, path, plen);
    if (c->fk.failed || c->ktext.failed) return SQLITE_NOMEM;
    c->eof = 0;
    c->counter = 0;
    c->cur = root;
    c->cur_scratch = 0;
    c->id = 0;
    c->parent = -1;
    if (c->tree) {
        c->kkind = parent_len == 0 ? KEY_NULL : is_index ? KEY_INT : KEY_TEXT;
        c->kint = index;
        c->path_len = parent_len ? parent_len : 1; /* "$" for the root itself */
        c->pending_push = 1;
        return SQLITE_OK;
    }
    c->kkind = KEY_NULL;
    c->path_len = plen;
    if (!walkable(root)) return SQLITE_OK; /* a scalar: one row, itself */
    int rc = push_frame(c, root, 0, 0);
    if (rc) return rc;
    return advance(c);
}

static int each_next(sqlite3_vtab_cursor *cur) {
    return advance((each_cursor *)cur);
}

static int each_eof(sqlite3_vtab_cursor *cur) {
    return ((each_cursor *)cur)->eof;
}

static int each_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col) {
    each_cursor *c = (each_cursor *)cur;
    if (!c->cur) return SQLITE_OK;
    switch (col) {
    case COL_KEY:
        if (c->kkind == KEY_INT)
            sqlite3_result_int64(ctx, c->kint);
        else if (c->kkind == KEY_TEXT)
            sqlite3_result_text64(ctx, c->ktext.len ? (const char *)c->ktext.data : "",
                                  c->ktext.len, SQLITE_TRANSIENT, SQLITE_UTF8);
        break;
    case COL_VALUE:
        pk_sql_result_value(ctx, c->fname, c->cur, (const char *)c->fk.data, &c->lim);
        break;
    case COL_TYPE: {
        char tn[256];
        sqlite3_result_text(ctx, pk_type_name(c->cur, tn, sizeof tn), -1, SQLITE_TRANSIENT);
        break;
    }
    case COL_ATOM:
        if (!sql_form_is_json(c->cur))
            pk_sql_result_value(ctx, c->fname, c->cur, (const char *)c->fk.data, &c->lim);
        break;
    case COL_ID:
        sqlite3_result_int64(ctx, c->id);
        break;
    case COL_PARENT:
        if (c->parent >= 0) sqlite3_result_int64(ctx, c->parent);
        break;
    case COL_FULLKEY:
        sqlite3_result_text64(ctx, (const char *)c->fk.data, c->fk.len, SQLITE_TRANSIENT,
                              SQLITE_UTF8);
        break;
    case COL_PATH:
        sqlite3_result_text64(ctx, (const char *)c->fk.data, c->path_len, SQLITE_TRANSIENT,
                              SQLITE_UTF8);
        break;
    case COL_PICKLE:
        if (c->arg_pickle) sqlite3_result_value(ctx, c->arg_pickle);
        break;
    case COL_ROOT:
        if (c->arg_root) sqlite3_result_value(ctx, c->arg_root);
        break;
    default:
        break;
    }
    return SQLITE_OK;
}

static int each_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid) {
    *rowid = ((each_cursor *)cur)->id;
    return SQLITE_OK;
}

/* Eponymous-only (no xCreate), read-only. */
static const sqlite3_module each_module = {
    .iVersion = 0,
    .xConnect = each_connect,
    .xBestIndex = each_best_index,
    .xDisconnect = each_disconnect,
    .xOpen = each_open,
    .xClose = each_close,
    .xFilter = each_filter,
    .xNext = each_next,
    .xEof = each_eof,
    .xColumn = each_column,
    .xRowid = each_rowid,
};

int pk_register_each(sqlite3 *db, pk_conn_state *st) {
    st->each_aux[0].st = st->each_aux[1].st = st;
    st->each_aux[0].tree = 0;
    st->each_aux[1].tree = 1;
    int rc = sqlite3_create_module(db, "pickle_each", &each_module, &st->each_aux[0]);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_module(db, "pickle_tree", &each_module, &st->each_aux[1]);
    return rc;
}
