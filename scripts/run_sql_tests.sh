#!/bin/sh
# Runs every tests/sql/*.sql through the sqlite3 shell with the extension loaded and compares the
# output (stdout and stderr together) with the .expected file beside it.
#   SO=dist/pickle_ext.so  SQLITE3=sqlite3  SQL_RUNNER="valgrind ..." (optional prefix)
# Prints a diff for each failure and a final "N passed, N failed" line; exits 1 on any failure.
#
# The shell's error prefixes carry the line of the statement ("Runtime error near line 12: ",
# "Parse error near line 7: "); output and expectation are compared with them reduced to
# "Runtime error: " and "Parse error: ", and the .expected files hold that form, so adding a
# statement to a test does not change the expectations of the statements after it. (An
# expectation written with the line numbers still compares equal.)
set -u
SO=${SO:-dist/pickle_ext.so}
SQLITE3=${SQLITE3:-sqlite3}
RUNNER=${SQL_RUNNER:-}
ext=${SO%.so}
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
normalise() {
    sed -E 's/^(Runtime|Parse) error near line [0-9]+: /\1 error: /' "$1"
}
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
        < "$here/tests/sql/$name.sql") > "$out.raw" 2>&1
    rc=$?
    normalise "$out.raw" > "$out"
    if [ -n "$RUNNER" ] && [ $rc -eq 99 ]; then
        echo "FAIL $name (memory errors)"; cat "$out"; fail=$((fail + 1)); continue
    fi
    if [ ! -f "$exp" ]; then
        echo "FAIL $name: no $exp (output was:)"; cat "$out"; fail=$((fail + 1)); continue
    fi
    normalise "$exp" > "$tmp/$name.expected"
    if diff -u "$tmp/$name.expected" "$out" > "$tmp/diff"; then
        pass=$((pass + 1))
    else
        echo "FAIL $name"; cat "$tmp/diff"; fail=$((fail + 1))
    fi
done
echo "sql tests: $pass passed, $fail failed"
[ $fail -eq 0 ] && [ $pass -gt 0 ]
