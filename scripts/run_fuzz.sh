#!/bin/sh
# run_fuzz.sh - build and run the libFuzzer targets of tests/fuzz (`make fuzz FUZZ_TIME=N`).
# (fuzz_ubjson runs a third of SECONDS with tests/fuzz/ubjson.dict, seeded by
# scripts/gen_xgb_seeds.py; fuzz_lgbm a third with tests/fuzz/lgbm.dict, seeded by the text
# models of scripts/gen_lgbm_fixtures.py; fuzz_dtoa, doubles checked against a slow reference, a sixth;
# fuzz_text, token patterns and analyzers, a third with tests/fuzz/text.dict.)
#
#   sh scripts/run_fuzz.sh [SECONDS [TARGET...]]      TARGET: decode path inflate model writer ...
#
# Each target is built with clang-14 -fsanitize=fuzzer,address,undefined (UBSan not
# recoverable) against the core sources only (ext/core/*/*.c ext/model/*.c: no SQLite), then run
# for SECONDS (default 60) with the opcode dictionary tests/fuzz/pickle.dict, -rss_limit_mb=2048
# and -timeout=10. The corpus lives in build/fuzz/corpus/<target> (kept between runs, so later
# runs start where earlier ones stopped) and is seeded from tests/fixtures and from
# scripts/gen_seed_corpus.py (fixed seeds, Debian's /usr/bin/python3).
#
# Time budget: decode and verdict (the two-readings target, which decodes every input too) share
# one slot: when both run, each gets SECONDS/2, so adding verdict kept the total unchanged.
#
# A finding (crash, sanitizer report, leak, timeout, out-of-memory) makes the script exit 1 after
# the other targets ran; each artifact is copied to tests/fixtures/bad/fuzz-<target>-<kind>-<sha>
# (.pkl for inputs that are pickles, .bin for inflate selector+payload and path texts). Triage
# writes the matching .expected (the error message prefix the fixed decoder must give).
# A target that does not build is a failure too (exit 2) unless FUZZ_ALLOW_MISSING=1, which
# skips it with a warning.
#
# Environment: CLANG (default clang-14), PYTHON (default /usr/bin/python3), FUZZ_JOBS (parallel
# fuzzing processes per target, default 1), FUZZ_OUT (default build/fuzz).
set -u

cd "$(dirname "$0")/.." || exit 2
TIME=${1:-60}
[ $# -gt 0 ] && shift
# Default: every tests/fuzz/fuzz_<name>.c (a new target is a new file there).
TARGETS=${*:-$(ls tests/fuzz/fuzz_*.c | sed 's|tests/fuzz/fuzz_||; s|\.c$||' | tr '\n' ' ')}
CLANG=${CLANG:-clang-14}
PYTHON=${PYTHON:-/usr/bin/python3}
OUT=${FUZZ_OUT:-build/fuzz}
JOBS=${FUZZ_JOBS:-1}
LIBS="-lzstd -lz -lbz2 -llzma -llz4 -lm"
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
# ext/core has one folder per layer, each on the include path (its files include by file name).
CORE_INC=$(for d in ext/core/*/; do printf -- '-I%s ' "${d%/}"; done)
COMMON="-std=c11 -D_GNU_SOURCE -g -O1 $SAN $CORE_INC -Iext/model -I$OUT/gen"

command -v "$CLANG" >/dev/null 2>&1 || { echo "run_fuzz: $CLANG not found (make deps)"; exit 2; }
mkdir -p "$OUT/obj" "$OUT/gen" "$OUT/bin" "$OUT/seeds" "$OUT/artifacts" tests/fixtures/bad

# ---- core objects (instrumented for coverage, not linked with libFuzzer's main) -------------
OBJS=""
for src in ext/core/*/*.c ext/model/*.c; do
    obj="$OUT/obj/$(echo "$src" | tr / _ | sed 's/\.c$/.o/')"
    if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || [ -n "$(find ext/core ext/model -name '*.h' -newer "$obj" 2>/dev/null | head -1)" ]; then
        $CLANG $COMMON -fsanitize=fuzzer-no-link -w -c "$src" -o "$obj" || { echo "run_fuzz: cannot compile $src"; exit 2; }
    fi
    OBJS="$OBJS $obj"
done
# Objects of sources that were removed or moved must not linger: only this run's list is kept.
for obj in "$OUT"/obj/*.o; do
    case "$OBJS " in *" $obj "*) ;; *) rm -f "$obj" ;; esac
done

# ---- seeds ------------------------------------------------------------------------------------
if [ ! -f "$OUT/seeds/.stamp" ] || [ scripts/gen_seed_corpus.py -nt "$OUT/seeds/.stamp" ]; then
    rm -rf "$OUT/seeds" && mkdir -p "$OUT/seeds/pickles"
    $PYTHON scripts/gen_seed_corpus.py "$OUT/seeds/pickles" >/dev/null &&
    $PYTHON scripts/gen_seed_corpus.py --inflate "$OUT/seeds/inflate" &&
    $PYTHON scripts/gen_seed_corpus.py --paths "$OUT/seeds/paths" &&
    $PYTHON scripts/gen_seed_corpus.py --path-doc "$OUT/gen/fuzz_path_doc.h" &&
    touch "$OUT/seeds/.stamp" || { echo "run_fuzz: seed generation failed"; exit 2; }
fi
if [ ! -f "$OUT/seeds/ubjson/.stamp" ] || [ scripts/gen_xgb_seeds.py -nt "$OUT/seeds/ubjson/.stamp" ]; then
    $PYTHON scripts/gen_xgb_seeds.py "$OUT/seeds/ubjson" && touch "$OUT/seeds/ubjson/.stamp" ||
        { echo "run_fuzz: XGBoost seed generation failed"; exit 2; }
fi
if [ ! -f "$OUT/seeds/lgbm/.stamp" ] || [ scripts/gen_lgbm_fixtures.py -nt "$OUT/seeds/lgbm/.stamp" ]; then
    rm -rf "$OUT/seeds/lgbm" && mkdir -p "$OUT/seeds/lgbm" &&
    $PYTHON scripts/gen_lgbm_fixtures.py "$OUT/seeds/lgbm" && rm -f "$OUT"/seeds/lgbm/*.pkl &&
        touch "$OUT/seeds/lgbm/.stamp" || { echo "run_fuzz: LightGBM seed generation failed"; exit 2; }
fi
# Committed fixtures (good and bad) seed the pickle-shaped targets too.
mkdir -p "$OUT/seeds/fixtures"
find tests/fixtures -type f ! -name '*.expected' ! -name '*.json' ! -name '*.md' ! -name '*.txt' \
    ! -name '*.sql' ! -name '*.py' -size -256k 2>/dev/null | while read -r f; do
    cp "$f" "$OUT/seeds/fixtures/$(echo "$f" | tr / _)"
done

status=0
for t in $TARGETS; do
    src=tests/fuzz/fuzz_$t.c
    bin=$OUT/bin/fuzz_$t
    [ -f "$src" ] || { echo "run_fuzz: no such target $t"; status=2; continue; }
    echo "== fuzz_$t: build"
    if ! $CLANG $COMMON -fsanitize=fuzzer -Wall -Wextra -Werror -Itests/fuzz -o "$bin" "$src" $OBJS $LIBS 2>"$OUT/build_$t.log"; then
        if [ "${FUZZ_ALLOW_MISSING:-0}" = 1 ]; then
            echo "run_fuzz: WARNING fuzz_$t skipped, it does not build yet:"; grep -m5 -E 'error|undefined' "$OUT/build_$t.log"
            continue
        fi
        cat "$OUT/build_$t.log"; echo "run_fuzz: fuzz_$t does not build"; status=2; continue
    fi
    case $t in
        inflate) seeds="$OUT/seeds/inflate"; ext=bin ;;
        path) seeds="$OUT/seeds/paths"; ext=bin ;;
        decode|model|writer|verdict) seeds="$OUT/seeds/pickles $OUT/seeds/fixtures"; ext=pkl ;;
        ubjson) seeds="$OUT/seeds/ubjson"; ext=bin ;;
        lgbm) seeds="$OUT/seeds/lgbm"; ext=txt ;;
        *) seeds=""; ext=bin ;;  # targets with their own input format start from their corpus
    esac
    # the UBJSON reader is small: a third of the time, with its own dictionary
    ttime=$TIME dict=tests/fuzz/pickle.dict
    [ "$t" = ubjson ] && ttime=$(( (TIME + 2) / 3 )) dict=tests/fuzz/ubjson.dict
    # the LightGBM text reader: a third of the time, with its own dictionary
    [ "$t" = lgbm ] && ttime=$(( (TIME + 2) / 3 )) dict=tests/fuzz/lgbm.dict
    # the float formatter has no input structure to learn: a sixth of the time, no dictionary
    [ "$t" = dtoa ] && ttime=$(( (TIME + 5) / 6 )) dict=""
    # token patterns and documents: a third of the time, regex and Unicode fragments
    [ "$t" = text ] && ttime=$(( (TIME + 2) / 3 )) dict=tests/fuzz/text.dict
    corpus=$OUT/corpus/$t
    mkdir -p "$corpus"
    art=$OUT/artifacts/$t
    rm -rf "$art" && mkdir -p "$art"
    par=""
    # libFuzzer's -jobs writes fuzz-<N>.log into the current directory: run those from $OUT.
    [ "$JOBS" -gt 1 ] && par="-jobs=$JOBS -workers=$JOBS"
    case " $TARGETS " in *" decode "*) case " $TARGETS " in *" verdict "*)
        case $t in decode|verdict) ttime=$(( TIME / 2 > 0 ? TIME / 2 : 1 )) ;; esac ;;
    esac ;; esac
    echo "== fuzz_$t: run ${ttime}s"
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1} \
    UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    "$bin" ${dict:+-dict="$dict"} -max_total_time="$ttime" -rss_limit_mb=2048 -timeout=10 \
        -max_len=65536 -print_final_stats=1 $par \
        -artifact_prefix="$art/" "$corpus" $seeds >"$OUT/run_$t.log" 2>&1
    rc=$?
    grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ +DONE)' "$OUT/run_$t.log" | tr '\n' ' '; echo
    found=0
    for a in "$art"/*; do
        [ -f "$a" ] || continue
        found=1
        kind=$(basename "$a" | sed 's/-.*//')
        sha=$(sha1sum "$a" | cut -c1-12)
        dest=tests/fixtures/bad/fuzz-$t-$kind-$sha.$ext
        cp "$a" "$dest"
        echo "run_fuzz: FINDING in fuzz_$t ($kind): $dest"
    done
    if [ $rc -ne 0 ] || [ $found -ne 0 ]; then
        echo "run_fuzz: fuzz_$t failed (exit $rc); log: $OUT/run_$t.log"
        grep -m1 -A30 -E '^==[0-9]+==ERROR|runtime error|invariant failed|ALARM|out-of-memory' "$OUT/run_$t.log"
        status=1
    fi
done
exit $status
