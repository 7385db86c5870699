# The WebAssembly build (included by the Makefile): SQLite's amalgamation, all of ext/ and the
# compressors compiled with emscripten into one module, our JS API and the page (web/).
#
#   make wasm               dist/wasm/: pickle_ext_wasm.{js,wasm}, pickle_ext.js (the API), the page
#   make wasm-test          native build vs wasm build (Node) on a generated query corpus
#   make wasm-browser-test  the page in headless Chromium (screenshots in build/wasm-browser/)
#
# The C sources of SQLite and the compressors come from npm packages pinned with their sha512 in
# wasm/sources.lock (scripts/wasm_sources.sh); emscripten's own ports are not used. Debian's
# emscripten needs NODE_PATH=/usr/share/nodejs to run its JS tools.

EMCC_BIN  ?= emcc
EMCC       = NODE_PATH=$(if $(NODE_PATH),$(NODE_PATH):,)/usr/share/nodejs $(EMCC_BIN)

WB   = build/wasm
WSRC = $(WB)/src
WOUT = dist/wasm
WOPT ?= -O2

SQLITE_DIR = $(WSRC)/better-sqlite3/deps/sqlite3
ZSTD_DIR   = $(WSRC)/zstd-napi/deps/zstd/lib
ZLIB_DIR   = $(WSRC)/zlib-sync/deps/zlib
BZ2_DIR    = $(WSRC)/node-bzip2/lib/bzip2
LZ4_DIR    = $(WSRC)/lz4/deps/lz4/lib
XZ_DIR     = $(WSRC)/xz/src/liblzma

# SQLite: in-memory databases only, one thread; pickle_ext is registered on every connection by
# SQLITE_EXTRA_INIT (wasm/pk_wasm.c). Math functions as in Debian's sqlite3.
SQLITE_DEFS = -DSQLITE_THREADSAFE=0 -DSQLITE_TEMP_STORE=3 -DSQLITE_OMIT_LOAD_EXTENSION \
  -DSQLITE_OMIT_DEPRECATED -DSQLITE_DEFAULT_MEMSTATUS=0 -DSQLITE_ENABLE_MATH_FUNCTIONS \
  -DSQLITE_OMIT_SHARED_CACHE -DSQLITE_EXTRA_INIT=pk_wasm_extra_init

# Third-party code is compiled as shipped, without our warning flags.
WLIB_CFLAGS = $(WOPT) -w -DNDEBUG
WEXT_CFLAGS = $(CSTD) $(WOPT) $(WARN) -DSQLITE_CORE $(INCS) \
  -I$(SQLITE_DIR) -I$(ZSTD_DIR) -I$(ZLIB_DIR) -I$(BZ2_DIR) -I$(LZ4_DIR) -I$(XZ_DIR)/api

XZ_SRC = $(addprefix $(XZ_DIR)/,common/common.c common/block_util.c common/filter_common.c \
  common/filter_decoder.c common/filter_flags_decoder.c common/index.c common/index_hash.c \
  common/stream_decoder.c common/stream_flags_common.c common/stream_flags_decoder.c \
  common/block_decoder.c common/block_header_decoder.c common/alone_decoder.c \
  common/vli_decoder.c common/vli_size.c common/easy_preset.c \
  check/check.c check/crc32_fast.c check/crc32_table.c check/crc64_fast.c check/crc64_table.c \
  check/sha256.c lz/lz_decoder.c lzma/lzma_decoder.c lzma/lzma2_decoder.c \
  lzma/lzma_encoder_presets.c delta/delta_common.c delta/delta_decoder.c simple/simple_coder.c \
  simple/simple_decoder.c simple/x86.c simple/arm.c simple/armthumb.c simple/ia64.c \
  simple/powerpc.c simple/sparc.c)
XZ_INC = -DHAVE_CONFIG_H -I$(WB)/xzconf -I$(XZ_DIR)/api -I$(XZ_DIR)/common -I$(XZ_DIR)/check \
  -I$(XZ_DIR)/lz -I$(XZ_DIR)/rangecoder -I$(XZ_DIR)/lzma -I$(XZ_DIR)/delta -I$(XZ_DIR)/simple \
  -I$(XZ_DIR)/../common

ZSTD_SRC = $(addprefix $(ZSTD_DIR)/,common/debug.c common/entropy_common.c common/error_private.c \
  common/fse_decompress.c common/xxhash.c common/zstd_common.c \
  compress/fse_compress.c compress/hist.c compress/huf_compress.c compress/zstd_compress.c \
  compress/zstd_compress_literals.c compress/zstd_compress_sequences.c \
  compress/zstd_compress_superblock.c compress/zstd_double_fast.c compress/zstd_fast.c \
  compress/zstd_lazy.c compress/zstd_ldm.c compress/zstd_opt.c compress/zstd_preSplit.c \
  decompress/huf_decompress.c decompress/zstd_ddict.c decompress/zstd_decompress.c \
  decompress/zstd_decompress_block.c)
ZLIB_SRC = $(addprefix $(ZLIB_DIR)/,adler32.c compress.c crc32.c deflate.c infback.c inffast.c \
  inflate.c inftrees.c trees.c uncompr.c zutil.c)
BZ2_SRC  = $(addprefix $(BZ2_DIR)/,blocksort.c bzlib.c compress.c crctable.c decompress.c \
  huffman.c randtable.c)
LZ4_SRC  = $(addprefix $(LZ4_DIR)/,lz4.c lz4frame.c lz4hc.c xxhash.c)

WEXT_SRC = $(filter-out ext/core/container/pk_dl.c,$(CORE_SRC)) $(GLUE_SRC) wasm/pk_wasm.c wasm/pk_dl_static.c
WEXT_OBJ = $(WEXT_SRC:%.c=$(WB)/obj/%.o)

# The C functions the JS API calls (wasm/pickle_ext.js).
WASM_EXPORTS = _malloc,_free,_sqlite3_open_v2,_sqlite3_close_v2,_sqlite3_prepare_v2, \
  _sqlite3_step,_sqlite3_finalize,_sqlite3_reset,_sqlite3_bind_parameter_count, \
  _sqlite3_bind_null,_sqlite3_bind_int64,_sqlite3_bind_double,_sqlite3_bind_text, \
  _sqlite3_bind_blob,_sqlite3_column_count,_sqlite3_column_name,_sqlite3_column_type, \
  _sqlite3_column_int64,_sqlite3_column_double,_sqlite3_column_text,_sqlite3_column_blob, \
  _sqlite3_column_bytes,_sqlite3_errmsg,_sqlite3_libversion,_sqlite3_changes
WASM_LDFLAGS = $(WOPT) -sMODULARIZE=1 -sEXPORT_NAME=PickleExtWasm \
  -sENVIRONMENT=web,worker,node -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=2147483648 \
  -sWASM_BIGINT=1 -sEXPORTED_FUNCTIONS=$(subst $(wasm_space),,$(strip $(WASM_EXPORTS))) \
  -sEXPORTED_RUNTIME_METHODS=cwrap,UTF8ToString,stringToUTF8,lengthBytesUTF8 \
  -sINCOMING_MODULE_JS_API=wasmBinary,print,printErr -sFILESYSTEM=1

wasm_empty :=
wasm_space := $(wasm_empty) $(wasm_empty)
WEB_FILES = $(wildcard web/*)

.PHONY: wasm wasm-build wasm-sources wasm-test wasm-browser-test wasm-bench

# The sources are fetched first, in their own make run, so the pattern rules below see them.
wasm: wasm-sources
	$(MAKE) wasm-build

wasm-build: $(WOUT)/pickle_ext_wasm.js $(WOUT)/pickle_ext.js $(WEB_FILES:web/%=$(WOUT)/%)

wasm-sources: $(WSRC)/.done

$(WSRC)/.done: wasm/sources.lock scripts/wasm_sources.sh
	sh scripts/wasm_sources.sh $(WSRC)
	@touch $@

$(WB)/xzconf/config.h: wasm/xz_config.h
	@mkdir -p $(dir $@)
	cp $< $@

$(WB)/bz2conf/bz_version.h:
	@mkdir -p $(dir $@)
	echo '#define BZ_VERSION "1.1.0-dev (npm node-bzip2 1.0.2)"' > $@

# Third-party objects: build/wasm/o/<source path>.o, flags per library.
w3p = $(patsubst %.c,$(WB)/o/%.o,$(1))
SQLITE_OBJ = $(call w3p,$(SQLITE_DIR)/sqlite3.c)
ZSTD_OBJ   = $(call w3p,$(ZSTD_SRC))
ZLIB_OBJ   = $(call w3p,$(ZLIB_SRC))
BZ2_OBJ    = $(call w3p,$(BZ2_SRC))
LZ4_OBJ    = $(call w3p,$(LZ4_SRC))
XZ_OBJ     = $(call w3p,$(XZ_SRC))
$(SQLITE_OBJ): LIBFLAGS = $(SQLITE_DEFS)
$(ZSTD_OBJ): LIBFLAGS = -DZSTD_DISABLE_ASM -DZSTD_LEGACY_SUPPORT=0
$(BZ2_OBJ): LIBFLAGS = -I$(WB)/bz2conf
$(BZ2_OBJ): $(WB)/bz2conf/bz_version.h
$(LZ4_OBJ): LIBFLAGS = -DXXH_NAMESPACE=LZ4_
$(XZ_OBJ): LIBFLAGS = $(XZ_INC)
$(XZ_OBJ): $(WB)/xzconf/config.h
WLIB_OBJ = $(SQLITE_OBJ) $(ZSTD_OBJ) $(ZLIB_OBJ) $(BZ2_OBJ) $(LZ4_OBJ) $(XZ_OBJ)

$(WB)/o/%.o: %.c | $(WSRC)/.done
	@mkdir -p $(dir $@)
	$(EMCC) $(WLIB_CFLAGS) $(LIBFLAGS) -c $< -o $@

$(WB)/obj/%.o: %.c $(HDRS) dist/gen/registry_sql.h | $(WSRC)/.done
	@mkdir -p $(dir $@)
	$(EMCC) $(WEXT_CFLAGS) -c $< -o $@

$(WOUT)/pickle_ext_wasm.js: $(WEXT_OBJ) $(WLIB_OBJ)
	@mkdir -p $(WOUT)
	$(EMCC) $(WASM_LDFLAGS) -o $@ $(WEXT_OBJ) $(WLIB_OBJ)

$(WOUT)/pickle_ext.js: wasm/pickle_ext.js
	@mkdir -p $(WOUT)
	cp $< $@

$(WOUT)/%: web/%
	@mkdir -p $(WOUT)
	cp $< $@

# ---- tests ----------------------------------------------------------------------------------------

wasm-test: wasm $(SO)
	PICKLE_EXT_SO=$(abspath $(SO)) WASM_DIR=$(WOUT) $(PYTHON) tests/wasm/compare.py build/wasm-test

wasm-browser-test: wasm
	$(PYTHON) tests/wasm/browser_test.py $(WOUT) build/wasm-browser

# Size and speed next to the native build: the "WebAssembly" section of BENCHMARKS.md.
wasm-bench: wasm $(SO)
	PICKLE_EXT_SO=$(abspath $(SO)) WASM_DIR=$(WOUT) $(PYTHON) tests/wasm/bench.py BENCHMARKS.md
