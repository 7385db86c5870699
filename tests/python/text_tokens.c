/*
 * text_tokens.c - prints what pk_analyze makes of documents, for test_text_tokenize.py (which
 * compiles it against build/release/libpkcore.a and compares with scikit-learn's analyzer).
 *
 * argv: analyzer (word|char|char_wb) lowercase (0|1) strip (none|unicode|ascii) min_n max_n
 *       token_pattern stop (none|english)
 * stdin: documents, each a 4-byte little-endian length and its bytes.
 * stdout: per document, each feature as a 4-byte length and its bytes, then 0xFFFFFFFF; an
 *         error is 0xFFFFFFFE, a length and the message. A bad pattern prints the message to
 *         stderr and exits 2.
 */
#include "pk_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put32(uint32_t v) {
    unsigned char b[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    fwrite(b, 1, 4, stdout);
}

static pk_code emit(void *ctx, const uint8_t *p, size_t n) {
    (void)ctx;
    put32((uint32_t)n);
    fwrite(p, 1, n, stdout);
    return PK_OK;
}

int main(int argc, char **argv) {
    if (argc != 8) {
        fprintf(stderr, "usage: text_tokens analyzer lowercase strip min_n max_n pattern stop\n");
        return 2;
    }
    pk_analyzer an;
    memset(&an, 0, sizeof an);
    an.kind = strcmp(argv[1], "char") == 0 ? PK_AN_CHAR
              : strcmp(argv[1], "char_wb") == 0 ? PK_AN_CHAR_WB
                                                : PK_AN_WORD;
    an.lowercase = atoi(argv[2]);
    an.strip = strcmp(argv[3], "unicode") == 0 ? PK_STRIP_UNICODE
               : strcmp(argv[3], "ascii") == 0 ? PK_STRIP_ASCII
                                               : PK_STRIP_NONE;
    an.min_n = (size_t)atoi(argv[4]);
    an.max_n = (size_t)atoi(argv[5]);
    pk_err err;
    pk_err_clear(&err);
    pk_regex *re = pk_regex_compile(&pk_alloc_std, argv[6], strlen(argv[6]), &err);
    if (!re) {
        fprintf(stderr, "%s\n", err.msg);
        return 2;
    }
    an.re = re;
    pk_strmap stop;
    memset(&stop, 0, sizeof stop);
    if (strcmp(argv[7], "english") == 0) {
        if (!pk_strmap_init(&stop, &pk_alloc_std, pk_english_stop_words_count)) return 3;
        for (size_t i = 0; i < pk_english_stop_words_count; i++)
            pk_strmap_put(&stop, pk_english_stop_words[i], strlen(pk_english_stop_words[i]), 1);
        an.stop = &stop;
    }
    pk_text_ws ws;
    pk_text_ws_init(&ws, &pk_alloc_std);
    unsigned char hdr[4];
    uint8_t *doc = NULL;
    while (fread(hdr, 1, 4, stdin) == 4) {
        size_t n = hdr[0] | (size_t)hdr[1] << 8 | (size_t)hdr[2] << 16 | (size_t)hdr[3] << 24;
        doc = realloc(doc, n ? n : 1);
        if (!doc || fread(doc, 1, n, stdin) != n) return 3;
        pk_err_clear(&err);
        if (pk_analyze(&an, doc, n, &ws, (size_t)1 << 30, emit, NULL, &err) != PK_OK) {
            put32(0xFFFFFFFEu);
            put32((uint32_t)strlen(err.msg));
            fwrite(err.msg, 1, strlen(err.msg), stdout);
        } else {
            put32(0xFFFFFFFFu);
        }
    }
    free(doc);
    pk_text_ws_free(&ws);
    pk_strmap_free(&stop);
    pk_regex_free(re);
    return 0;
}
