#!/bin/sh
# Runs every tests/sql/*.sql through the sqlite3 shell with the extension loaded and compares the
# output (stdout and stderr together) with the .expected file beside it.
#   SO=dist/pickle_ext.so  SQLITE3=sqlite3  SQL_RUNNER="valgrind ..." (optional prefix)
# Prints a diff for each failure and a final "N passed, N failed" line; exits 1 on any failure.
set -u
SO=${SO:-dist/pickle_ext.so}
SQLITE3=${SQLITE3:-sqlite3}
RUNNER=${SQL_RUNNER:-}
ext=${SO%.so}
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for t in tests/sql/*.sql; do
    [ -e "$t" ] || continue
    name=$(basename "$t" .sql)
    exp="tests/sql/$name.expected"
    out="$tmp/$name.out"
    # -bail off: each statement's error is part of the expected output. Each test runs in a
    # directory of its own (a test may write files there: .once ml_registry.sql).
    mkdir "$tmp/$name.d"
    (cd "$tmp/$name.d" && $RUNNER "$SQLITE3" -batch -noheader -cmd ".load $here/$ext" ":memory:" \
        < "$here/tests/sql/$name.sql") > "$out" 2>&1
    rc=$?
    if [ -n "$RUNNER" ] && [ $rc -eq 99 ]; then
        echo "FAIL $name (memory errors)"; cat "$out"; fail=$((fail + 1)); continue
    fi
    if [ ! -f "$exp" ]; then
        echo "FAIL $name: no $exp (output was:)"; cat "$out"; fail=$((fail + 1)); continue
    fi
    if diff -u "$exp" "$out" > "$tmp/diff"; then
        pass=$((pass + 1))
    else
        echo "FAIL $name"; cat "$tmp/diff"; fail=$((fail + 1))
    fi
done
echo "sql tests: $pass passed, $fail failed"
[ $fail -eq 0 ] && [ $pass -gt 0 ]
