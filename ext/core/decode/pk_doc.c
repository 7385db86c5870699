/*
 * pk_doc.c - the decoded document (see pk_doc.h): freeing it, the globals it references and the
 * verdict on them. Decoding one (pk_doc_decode) is pk_decode.c.
 */
#include "pk_doc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void pk_doc_free(pk_doc *doc) {
    if (!doc) return;
    const pk_alloc *a = doc->alloc;
    pk_arena_free(&doc->arena);
    pk_free(a, doc->owned);
    pk_free(a, doc->owned2);
    pk_free(a, doc);
}

int pk_doc_safe(const pk_doc *doc) {
    if (doc->ambiguous) return 0;
    for (size_t i = 0; i < doc->nglobals; i++)
        if (!doc->globals[i].allowed) return 0;
    return 1;
}

pk_code pk_doc_note_global(pk_doc *doc, const char *module, const char *name, int allowed,
                           pk_global_ref **out) {
    for (size_t i = 0; i < doc->nglobals; i++)
        if (strcmp(doc->globals[i].module, module) == 0 &&
            strcmp(doc->globals[i].name, name) == 0) {
            if (out) *out = &doc->globals[i];
            return PK_OK;
        }
    if (doc->nglobals >= doc->globals_cap) {
        size_t cap = doc->globals_cap ? doc->globals_cap * 2 : 16;
        pk_global_ref *n =
            pk_arena_grow(&doc->arena, doc->globals, doc->nglobals * sizeof *n, cap * sizeof *n);
        if (!n) return PK_ENOMEM;
        doc->globals = n;
        doc->globals_cap = cap;
    }
    pk_global_ref *g = &doc->globals[doc->nglobals++];
    g->module = module;
    g->name = name;
    g->allowed = allowed;
    g->reason = NULL;
    if (out) *out = g;
    return PK_OK;
}

pk_code pk_doc_mark_unsafe(pk_doc *doc, const char *module, const char *name, const char *fmt,
                           ...) {
    pk_global_ref *g;
    PK_TRY(pk_doc_note_global(doc, module, name, 0, &g));
    g->allowed = 0;
    if (g->reason) return PK_OK;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    g->reason = pk_arena_strndup(&doc->arena, msg, strlen(msg));
    return g->reason ? PK_OK : PK_ENOMEM;
}
