/*
 * pk_dl_static.c - ext/core/container/pk_dl.h for builds without dlopen (the WebAssembly
 * module): bz2, xz/lzma and lz4 are linked into the module, so each getter returns a table of the
 * linked functions and the library is always present.
 */
#include "pk_dl.h"

static const pk_dl_bz2 bz2 = {BZ2_bzDecompressInit, BZ2_bzDecompress, BZ2_bzDecompressEnd};

static const pk_dl_lzma lzma = {lzma_stream_decoder, lzma_alone_decoder, lzma_code, lzma_end};

static const pk_dl_lz4 lz4 = {LZ4F_createDecompressionContext, LZ4F_freeDecompressionContext,
                              LZ4F_decompress, LZ4F_isError, LZ4F_getErrorName};

const pk_dl_bz2 *pk_dl_get_bz2(const char **lib) {
    *lib = "libbz2 (linked)";
    return &bz2;
}

const pk_dl_lzma *pk_dl_get_lzma(const char **lib) {
    *lib = "liblzma (linked)";
    return &lzma;
}

const pk_dl_lz4 *pk_dl_get_lz4(const char **lib) {
    *lib = "liblz4 (linked)";
    return &lz4;
}
