# pickle_ext - SQLite extension that reads, writes and scores pickled models.
#
#   make            build dist/pickle_ext.so
#   make test       unit (cmocka) + SQL golden + documentation + Python (pytest, scikit-learn
#                   oracle) tests, the Python package in a fresh virtualenv and the registry
#                   report in Chromium
#   make doctest    the SQL examples of README.md and docs/*.md, run and compared
#   make test-packaging  the two packaging tests of make test plus the npm package (needs node,
#                   npm and the npm registry; the first run compiles better-sqlite3, minutes)
#   make test-cluster  a 3-node dqlite cluster on 127.0.0.1 hosting the registry (pkdq): failover,
#                   no lost or duplicated registration, syncing a scoring host (not in make test)
#   make pkdq       build/pkdq, the cluster's host program (Go; docs/cluster.md)
#   make asan       the same tests against an ASan+UBSan build
#   make memcheck   SQL tests under valgrind
#   make fuzz       libFuzzer targets (FUZZ_TIME seconds each)
#   make bench      benchmarks -> BENCHMARKS.md (BASELINE=other.so: that build beside this one)
#   make demo       the seed scenario
#   make deps       install the Debian packages the build and tests need (DEPS=demo|test|cluster|all;
#                   DEPS=bench adds the optional onnx section's python3-onnx and onnxruntime-node)
#   make install    install the extension, the registry schema and the docs under
#                   $(DESTDIR)$(PREFIX) (PREFIX=/usr/local); make uninstall removes them
#   make dist       dist/pickle_ext-<version>.tar.gz: the committed sources (git archive HEAD)
#   make format-check  fail when a C file does not follow .clang-format (make format applies it)
#   make lint       cppcheck
#   make check-layers  ext/core's includes follow its layer folders' order (docs/architecture.md; in make test)
#   make check-m32  every C file of ext/ compiles warning-free for 32-bit x86 (gcc -m32)
#   make wasm       dist/wasm/: the WebAssembly module, its JS API and the page (docs/wasm.md);
#                   make wasm-test compares it with the native build, make wasm-browser-test
#                   runs the page in headless Chromium, make wasm-bench times it
#   make help       this list
#
# Sources are found by wildcard: ext/core and ext/model never include SQLite (checked by
# `make check-core`); ext/sql and ext/pickle_ext.c are the glue. ext/core has one folder per layer
# of docs/architecture.md, and its files keep that order (checked by `make check-layers`).

CC       ?= cc
PYTHON   ?= /usr/bin/python3
SQLITE3  ?= sqlite3
FUZZ_TIME ?= 60

WARN     = -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla \
           -Wformat=2 -Werror
CSTD     = -std=c11 -D_GNU_SOURCE
OPT      ?= -O2 -g
# ext/core has one folder per layer (docs/architecture.md); its files include each other by file
# name, so every folder is on the include path.
CORE_DIRS = $(patsubst %/,%,$(sort $(wildcard ext/core/*/)))
INCS     = $(CORE_DIRS:%=-I%) -Iext/model -Iext/sql -Idist/gen
CFLAGS_ALL = $(CSTD) $(OPT) $(WARN) -fPIC -fvisibility=hidden $(INCS) $(CFLAGS)
LIBS     = -lzstd -lz -lm
# The rarely used joblib decompressors are opened with dlopen on first use (ext/core/container/pk_dl.c);
# unit tests link them directly for their compressors.
TEST_LIBS = $(LIBS) -lbz2 -llzma -llz4

CORE_SRC  = $(sort $(wildcard ext/core/*/*.c) $(wildcard ext/model/*.c))
GLUE_SRC  = $(sort $(wildcard ext/sql/*.c)) ext/pickle_ext.c
HDRS      = $(wildcard ext/core/*/*.h ext/model/*.h ext/sql/*.h)

BUILD    ?= build/release
DIST     ?= dist
CORE_OBJ  = $(CORE_SRC:%.c=$(BUILD)/%.o)
GLUE_OBJ  = $(GLUE_SRC:%.c=$(BUILD)/%.o)
SO        = $(DIST)/pickle_ext.so

UNIT_SRC  = $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN  = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/unit/%)

.PHONY: all test unit sqltest doctest pytest asan memcheck fuzz bench demo deps clean check-core check-layers \
        format format-check lint help install uninstall dist test-packaging test-python-pkg \
        test-report test-node-pkg test-cluster pkdq bench-cluster check-m32

all: $(SO)

dist/gen/registry_sql.h: sql/registry.sql scripts/embed.sh
	@mkdir -p $(dir $@)
	sh scripts/embed.sh pk_registry_sql $< > $@

$(BUILD)/%.o: %.c $(HDRS) dist/gen/registry_sql.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c $< -o $@

$(SO): $(CORE_OBJ) $(GLUE_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -shared -o $@ $^ $(LIBS) $(LDFLAGS)

$(BUILD)/libpkcore.a: $(CORE_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/unit/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(BUILD)/libpkcore.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Wno-missing-prototypes -Itests/unit -o $@ $< $(BUILD)/libpkcore.a -lcmocka $(TEST_LIBS) $(LDFLAGS)

# ---- tests ------------------------------------------------------------------------------------

test:
	$(MAKE) deps DEPS=test
	$(MAKE) check-core check-layers unit sqltest doctest pytest test-python-pkg test-report

unit: $(UNIT_BIN)
	@fail=0; for t in $(UNIT_BIN); do echo "== $$t"; $(UNIT_RUNNER) $$t || fail=$$((fail + 1)); done; \
	  echo "unit test programs: $$fail failed"; [ $$fail -eq 0 ]

sqltest: $(SO)
	SO=$(SO) SQLITE3=$(SQLITE3) SQL_RUNNER="$(SQL_RUNNER)" sh scripts/run_sql_tests.sh

doctest: $(SO)
	PICKLE_EXT_SO=$(SO) SQLITE3=$(SQLITE3) $(PYTHON) scripts/doctest_sql.py

pytest: $(SO)
	PICKLE_EXT_SO=$(abspath $(SO)) $(PYTHON) -m pytest -q tests/python $(PYTEST_ARGS)

# Packaging: the packages as users install them (tests/packaging/*.sh).
test-packaging: test-python-pkg test-report test-node-pkg

test-python-pkg:
	PYTHON=$(PYTHON) sh tests/packaging/test_python_pkg.sh

test-report: $(SO)
	PYTHON=$(PYTHON) PICKLE_EXT_SO=$(abspath $(SO)) sh tests/packaging/test_report.sh

test-node-pkg:
	PYTHON=$(PYTHON) sh tests/packaging/test_node_pkg.sh

# The cluster host program, Go with go-dqlite from Debian's packages (GOPATH mode over
# /usr/share/gocode: no module download, no network). go-dqlite's cgo flags include -Wl,-z,now,
# which Go only passes when allowed.
PKDQ   = build/pkdq
GO_ENV = GO111MODULE=off GOPATH=$(abspath build/gopath):/usr/share/gocode GOFLAGS= GOPROXY=off \
         GOCACHE=$(abspath build/gocache) CGO_ENABLED=1 CGO_LDFLAGS_ALLOW='-Wl,-z,now'

pkdq: $(PKDQ)

$(PKDQ): $(wildcard cluster/pkdq/*.go)
	@mkdir -p $(dir $@)
	$(GO_ENV) go build -o $@ ./cluster/pkdq

test-cluster:
	$(MAKE) deps DEPS=cluster
	$(MAKE) $(SO) $(PKDQ)
	PKDQ=$(abspath $(PKDQ)) PICKLE_EXT_SO=$(abspath $(SO)) bash tests/cluster/run.sh

# Scale-out scoring: N scoring hosts (processes) each scoring a synced local copy.
bench-cluster: $(SO) $(PKDQ)
	PKDQ=$(abspath $(PKDQ)) PICKLE_EXT_SO=$(abspath $(SO)) bash scripts/bench_cluster.sh

check-core:
	@if grep -lE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]sqlite3' ext/core/*/*.[ch] ext/model/*.[ch] 2>/dev/null; then \
	  echo "error: the core must not include SQLite (files above)"; exit 1; fi

# The layers of ext/core (docs/architecture.md, "Layer order of ext/core"), one folder each: no
# include of a higher layer, no include cycle, every file in a layer folder.
check-layers:
	$(PYTHON) scripts/check_layers.py

ASAN_FLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
ASAN_ENV   = ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# The sanitized build: unit tests and SQL tests (the shell preloads the ASan runtime), plus the
# Python tests through LD_PRELOAD (leak detection off there: CPython itself does not free all).
asan:
	$(MAKE) BUILD=build/asan DIST=build/asan/dist OPT="-O1 -g $(ASAN_FLAGS)" LDFLAGS="$(ASAN_FLAGS)" build/asan/dist/pickle_ext.so $(patsubst $(BUILD)/%,build/asan/%,$(UNIT_BIN))
	@fail=0; for t in $(patsubst $(BUILD)/%,build/asan/%,$(UNIT_BIN)); do echo "== $$t"; $(ASAN_ENV) $$t || fail=$$((fail + 1)); done; \
	  echo "asan unit test programs: $$fail failed"; [ $$fail -eq 0 ]
	$(ASAN_ENV) LD_PRELOAD="$$($(CC) -print-file-name=libasan.so) $$($(CC) -print-file-name=libubsan.so)" \
	  SO=build/asan/dist/pickle_ext.so SQLITE3=$(SQLITE3) sh scripts/run_sql_tests.sh
	ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  LD_PRELOAD="$$($(CC) -print-file-name=libasan.so) $$($(CC) -print-file-name=libubsan.so)" \
	  PICKLE_EXT_SO=$(abspath build/asan/dist/pickle_ext.so) PICKLE_EXT_ASAN=1 $(PYTHON) -m pytest -q -x tests/python $(PYTEST_ARGS)

memcheck: $(SO)
	SO=$(SO) SQLITE3=$(SQLITE3) SQL_RUNNER="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite" sh scripts/run_sql_tests.sh

fuzz:
	sh scripts/run_fuzz.sh $(FUZZ_TIME)

bench: $(SO) $(BUILD)/libpkcore.a
	$(PYTHON) scripts/bench.py $(if $(BASELINE),--baseline $(BASELINE),)

demo:
	$(MAKE) deps DEPS=demo
	$(MAKE) $(SO)
	sh scripts/demo.sh

DEPS ?= test
deps:
	sh scripts/install-deps.sh $(DEPS)

FORMAT_SRC = $(wildcard ext/*.c ext/*/*.[ch] ext/core/*/*.[ch] tests/unit/*.[ch] tests/fuzz/*.[ch] scripts/*.c wasm/*.[ch])

format:
	clang-format -i $(FORMAT_SRC)

# Fails (listing the differences) when a C file does not follow .clang-format; run by .ci/run.
format-check:
	clang-format --dry-run --Werror $(FORMAT_SRC)

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability --inline-suppr $(CORE_DIRS:%=-I%) -Iext/model ext

# ---- install and release ----------------------------------------------------------------------

PREFIX  ?= /usr/local
LIBDIR  ?= $(PREFIX)/lib
DATADIR ?= $(PREFIX)/share/pickle_ext
DOCDIR  ?= $(PREFIX)/share/doc/pickle_ext
VERSION  = $(shell sed -n 's/^\#define PK_VERSION "\(.*\)"/\1/p' ext/core/base/pk.h)

# lib/pickle_ext.so (load it as <LIBDIR>/pickle_ext), share/pickle_ext/registry.sql (the schema
# ml_registry_sql() returns, for reading or for tools), share/doc/pickle_ext/ (README.md,
# LICENSE, BENCHMARKS.md and docs/, so the README's links keep working).
install: $(SO)
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR)/docs
	install -m 0755 $(SO) $(DESTDIR)$(LIBDIR)/pickle_ext.so
	install -m 0644 sql/registry.sql $(DESTDIR)$(DATADIR)/registry.sql
	install -m 0644 README.md LICENSE BENCHMARKS.md $(DESTDIR)$(DOCDIR)/
	install -m 0644 docs/*.md $(DESTDIR)$(DOCDIR)/docs/

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/pickle_ext.so $(DESTDIR)$(DATADIR)/registry.sql
	rm -f $(DESTDIR)$(DOCDIR)/README.md $(DESTDIR)$(DOCDIR)/LICENSE $(DESTDIR)$(DOCDIR)/BENCHMARKS.md
	rm -f $(addprefix $(DESTDIR)$(DOCDIR)/,$(wildcard docs/*.md))
	-rmdir $(DESTDIR)$(DOCDIR)/docs $(DESTDIR)$(DOCDIR) $(DESTDIR)$(DATADIR) 2>/dev/null

# The release tarball: exactly the committed tree of HEAD (nothing generated, nothing
# uncommitted), under the directory pickle_ext-<version>/.
dist:
	@mkdir -p $(DIST)
	@if [ -n "$$(git status --porcelain --untracked-files=no)" ]; then \
	  echo "make dist: note: uncommitted changes are not in the tarball (it is HEAD)"; fi
	git archive --format=tar.gz --prefix=pickle_ext-$(VERSION)/ \
	  -o $(DIST)/pickle_ext-$(VERSION).tar.gz HEAD
	@echo "$(DIST)/pickle_ext-$(VERSION).tar.gz"

# 32-bit check: the whole of ext/ compiled for i386 with the same warnings, as errors (gcc -m32,
# Debian's gcc-multilib). Compile only: the 32-bit compression libraries are not installed.
# tests/unit/test_dtoa_portable.c tests the one code path that differs (64x64-bit products).
M32_OBJ = $(CORE_SRC:%.c=build/m32/%.o) $(GLUE_SRC:%.c=build/m32/%.o)

check-m32: $(M32_OBJ)
	@echo "check-m32: $(words $(M32_OBJ)) files compile for i386 without warnings"

build/m32/%.o: %.c $(HDRS) dist/gen/registry_sql.h
	@mkdir -p $(dir $@)
	$(CC) -m32 $(CSTD) -O2 $(WARN) $(INCS) -c $< -o $@

include wasm/wasm.mk

help:
	@sed -n '/^#   make /,/^#$$/{/^#$$/d;s/^#  //;p;}' Makefile

clean:
	rm -rf build dist bindings/python/build bindings/python/csrc bindings/python/*.egg-info \
	  bindings/node/build bindings/node/src
