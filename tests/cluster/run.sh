#!/usr/bin/env bash
# tests/cluster/run.sh - the model registry on a 3-node dqlite cluster (pkdq) on 127.0.0.1:
# bootstrap, registrations through different nodes, scoring by name through every node (identical
# to the local sqlite3 shell), an alias move seen by every node, SIGKILL of the leader during a
# stream of registrations (no acknowledged registration lost, no duplicate from retries), the
# killed node restarted and carrying the quorum, and a scoring host synced with `pkdq sync`.
#
#   PKDQ=build/pkdq  PICKLE_EXT_SO=dist/pickle_ext.so  SQLITE3=sqlite3  DQLITE=dqlite
# Prints "N passed, N failed"; exits 1 on any failure. Every process runs under `timeout` in a
# process group of its own and is stopped by its PID at the end (trap), whatever happens.
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
PKDQ=${PKDQ:-$here/build/pkdq}
SO=${PICKLE_EXT_SO:-$here/dist/pickle_ext.so}
SQLITE3=${SQLITE3:-sqlite3}
DQLITE=${DQLITE:-dqlite}
EXT=${SO%.so}
for tool in "$PKDQ" "$SO" "$(command -v "$SQLITE3")" "$(command -v "$DQLITE")"; do
    if [ ! -x "$tool" ] && [ ! -f "$tool" ]; then
        echo "cluster test: missing $tool (make pkdq; sh scripts/install-deps.sh cluster)"
        echo "0 passed, 1 failed"
        exit 1
    fi
done

tmp=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -KILL -- "-$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp" || exit 1

pass=0
fail=0
check() { # check NAME COMMAND...: one counted assertion
    local name=$1
    shift
    if "$@"; then
        pass=$((pass + 1))
        echo "ok   $name"
    else
        fail=$((fail + 1))
        echo "FAIL $name"
    fi
}
same() { # same FILE1 FILE2: identical content, else show the difference
    diff -u "$1" "$2" > "$tmp/diff" || { head -20 "$tmp/diff"; return 1; }
}
t0=$(date +%s)

# ---- ports and nodes ---------------------------------------------------------------------------

free_port() {
    local p
    while :; do
        p=$((20000 + RANDOM % 40000))
        if [ -z "$(ss -Htln "sport = :$p" 2>/dev/null)" ] && ! grep -qx "$p" ports 2>/dev/null; then
            echo "$p" >> ports
            echo "$p"
            return
        fi
    done
}
addr=()
for i in 1 2 3; do addr[$i]=127.0.0.1:$(free_port); done
all="${addr[1]},${addr[2]},${addr[3]}"
node_pid=()

start_node() { # start_node I [JOIN]: node I in its own process group, under timeout
    local i=$1 join=${2:-}
    setsid timeout -s KILL 120 "$PKDQ" -dir "n$i" -bind "${addr[$i]}" ${join:+-join "$join"} \
        -ext "$SO" -v > "n$i.log" 2>&1 &
    node_pid[$i]=$!
    pids+=("$!")
}
wait_for() { # wait_for SECONDS COMMAND...: poll until the command succeeds
    local end=$(($(date +%s) + $1))
    shift
    until "$@" > /dev/null 2>&1; do
        [ "$(date +%s)" -ge "$end" ] && return 1
        sleep 0.2
    done
}
ready() { grep -q "ready at" "n$1.log"; }
dq() { # dq NODE-ADDRESSES SQL: the stock dqlite shell, bounded
    timeout 20 "$DQLITE" -s "$1" registry "$2"
}
voters() { [ "$(dq "$all" .cluster | grep -c '|voter$')" = 3 ]; }
leader_index() {
    local l i
    l=$(dq "$all" .leader) || return 1
    for i in 1 2 3; do [ "${addr[$i]}" = "$l" ] && echo "$i" && return 0; done
    return 1
}
local_sql() { # the local sqlite3 shell with the extension
    timeout 60 "$SQLITE3" -batch -noheader -cmd ".load $EXT" "$@"
}

echo "== three nodes on 127.0.0.1: ${addr[*]}"
start_node 1
check "the first node bootstraps the cluster and the registry" wait_for 30 ready 1
check "its log says the registry is ready" grep -q 'registry ready in database "registry"' n1.log
start_node 2 "${addr[1]}"
start_node 3 "${addr[1]}"
check "two nodes join" wait_for 30 sh -c "grep -q 'ready at' n2.log && grep -q 'ready at' n3.log"
check "the cluster has three voters" wait_for 30 voters
for i in 1 2 3; do
    check "ml_registry_init() through node $i: the registry is current (a query writes nothing)" \
        test "$(dq "${addr[$i]}" 'SELECT ml_registry_init()')" = 0
done

# ---- registrations through different nodes ---------------------------------------------------

echo "== registrations"
v1=$here/demo/models/segments_v1.pkl
v2=$here/demo/models/segments_v2.pkl
check "pkdq register through node 2" \
    test "$(timeout 60 "$PKDQ" register -cluster "${addr[2]}" -name segments -alias production "$v1")" = "$v1 1"
check "pkdq register through node 3" \
    test "$(timeout 60 "$PKDQ" register -cluster "${addr[3]}" -name segments "$v2")" = "$v2 2"
# the stock shell takes a statement on its command line (so a small pickle, as a hex literal)
hex=$(local_sql :memory: "SELECT hex(pickle_dump(json_object('threshold', 0.5)))")
check "the stock dqlite shell registers through node 1" \
    dq "${addr[1]}" "INSERT INTO ml_registry(name, pickle, aliases) VALUES ('notes', X'$hex', 'production')"
check "the versions, numbered by the registry" \
    test "$(dq "${addr[2]}" "SELECT (SELECT group_concat(v) FROM (SELECT name || ':' || version || ':' || class AS v FROM ml_registry ORDER BY 1))")" \
    = "notes:1:dict,segments:1:sklearn.pipeline.Pipeline,segments:2:sklearn.pipeline.Pipeline"

# ---- scoring by name through every node, against the local sqlite3 shell ---------------------

echo "== scoring"
rows="WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 60)
      SELECT i AS id, (i * 37) % 365 AS recency, 1 + (i * 7) % 40 AS frequency,
             round(20 + ((i * 53) % 2000) * 1.37, 2) AS monetary, 18 + (i * 11) % 60 AS age FROM s"
check "a table of customers on the cluster" \
    dq "${addr[1]}" "CREATE TABLE pts AS $rows"
local_sql local.db "CREATE TABLE pts AS $rows" > /dev/null
score_sql() { # the query; $1: a registry reference or a pickle expression
    echo "SELECT id, model_predict($1, recency, frequency, monetary, age),
                 model_transform($1, recency, frequency, monetary, age) FROM pts ORDER BY id"
}
local_sql local.db "$(score_sql "readfile('$v1')")" > want_v1.txt
local_sql local.db "$(score_sql "readfile('$v2')")" > want_v2.txt
check "the local answers: 60 rows, v1 and v2 differ" \
    sh -c "[ \$(wc -l < want_v1.txt) = 60 ] && ! cmp -s want_v1.txt want_v2.txt"
for i in 1 2 3; do
    dq "${addr[$i]}" "$(score_sql "'segments@production'")" > "got$i.txt"
    check "segments@production through node $i = local sqlite3 on the pickle" same want_v1.txt "got$i.txt"
done

echo "== moving an alias"
check "UPDATE ml_aliases through node 3" \
    dq "${addr[3]}" "UPDATE ml_aliases SET version = 2 WHERE name = 'segments' AND alias = 'production'"
for i in 1 2 3; do
    check "node $i resolves segments@production to 2" \
        test "$(dq "${addr[$i]}" "SELECT ml_resolve('segments@production')")" = 2
    dq "${addr[$i]}" "$(score_sql "'segments@production'")" > "got$i.txt"
    check "node $i scores with version 2" same want_v2.txt "got$i.txt"
done

# ---- SIGKILL of the leader during a stream of registrations ----------------------------------

echo "== SIGKILL of the leader during a stream of registrations"
n_stream=40
local_sql :memory: "SELECT writefile(printf('s%02d.pkl', value),
                            pickle_dump(json_object('stream', value, 'pad', hex(randomblob(64)))))
                      FROM generate_series(1, $n_stream)" > /dev/null
sha256sum s*.pkl | awk '{print $1}' | sort > stream_sha.txt
setsid timeout -s KILL 90 "$PKDQ" register -cluster "$all" -name stream -timeout 60s s*.pkl \
    > acks.txt 2> register.err &
reg_pid=$!
pids+=("$reg_pid")
check "registrations are acknowledged before the kill" \
    wait_for 30 sh -c "[ \$(wc -l < acks.txt) -ge 8 ]"
killed=$(leader_index)
check "the leader is known" test -n "$killed"
[ -n "$killed" ] || killed=1
kill -KILL -- "-${node_pid[$killed]}"
wait "${node_pid[$killed]}" 2> /dev/null
acked_at_kill=$(wc -l < acks.txt)
echo "   killed node $killed (${addr[$killed]}) after $acked_at_kill acknowledged registrations"
wait "$reg_pid"
reg_rc=$?
check "the registering client finished through the new leader" test "$reg_rc" = 0
[ "$reg_rc" = 0 ] || cat register.err
check "every file acknowledged once" test "$(wc -l < acks.txt)" = "$n_stream"
others=""
for i in 1 2 3; do [ "$i" != "$killed" ] && others="$others${others:+,}${addr[$i]}"; done
dq "$others" "SELECT sha256 FROM ml_versions WHERE name = 'stream' ORDER BY sha256" > got_sha.txt
check "no acknowledged registration lost, none duplicated: the cluster holds each file once" \
    same stream_sha.txt got_sha.txt
check "versions 1..$n_stream, as acknowledged" \
    test "$(dq "$others" "SELECT count(*) || ':' || min(version) || ':' || max(version) FROM ml_versions WHERE name = 'stream'")" \
    = "$n_stream:1:$n_stream"
pairs=$(while read -r f v; do printf "(%s, '%s')," "$v" "$(sha256sum "$f" | cut -c1-64)"; done < acks.txt)
check "each acknowledged version holds its file" \
    test "$(dq "$others" "SELECT (WITH a(v, s) AS (VALUES ${pairs%,}) SELECT count(*) FROM a
                           JOIN ml_versions m ON m.name = 'stream' AND m.version = a.v AND m.sha256 = a.s)")" \
    = "$n_stream"
first=$(head -1 acks.txt)
check "a retry of an acknowledged registration returns its version, through another node" \
    test "$(timeout 60 "$PKDQ" register -cluster "$others" -name stream "${first% *}")" = "$first"

# ---- the killed node restarts and catches up ------------------------------------------------

echo "== restart of node $killed"
: > "n$killed.log"
start_node "$killed"
check "node $killed restarts from its data directory" wait_for 30 ready "$killed"
check "three voters again" wait_for 30 voters
# With the node of another voter killed, no write commits unless the restarted node acknowledges
# it: it must hold the whole log (Raft refuses to elect or commit through a node behind).
other=1
while [ "$other" = "$killed" ]; do other=$((other + 1)); done
kill -KILL -- "-${node_pid[$other]}"
wait "${node_pid[$other]}" 2> /dev/null
rest=""
for i in 1 2 3; do [ "$i" != "$other" ] && rest="$rest${rest:+,}${addr[$i]}"; done
check "with node $other killed, a registration commits through the restarted node's quorum" \
    test "$(timeout 60 "$PKDQ" register -cluster "$rest" -name after -alias production "$v1")" = "$v1 1"
check "every stream version is still there" \
    test "$(dq "$rest" "SELECT count(DISTINCT sha256) FROM ml_versions WHERE name = 'stream'")" = "$n_stream"
start_node "$other"
check "node $other restarts as well" wait_for 30 ready "$other"

# ---- a scoring host ----------------------------------------------------------------------------

echo "== scoring host: pkdq sync"
check "pkdq sync copies every version and alias" \
    sh -c "timeout 60 '$PKDQ' sync -cluster '$all' -to host.db -ext '$SO' | tee sync1.txt | grep -q '^pkdq sync: $((n_stream + 4)) versions copied, 0 updated, 3 aliases set, 0 removed'"
cat sync1.txt
local_sql host.db "CREATE TABLE pts AS $rows" > /dev/null
local_sql host.db "$(score_sql "'segments@production'")" > host.txt
check "the scoring host scores segments@production as the cluster (version 2)" same want_v2.txt host.txt
check "the scoring host's copies are verified registry versions" \
    test "$(local_sql host.db "SELECT count(*) FROM ml_registry; SELECT ml_registry_init(); PRAGMA integrity_check")" \
    = "$(printf '%s\n0\nok' $((n_stream + 4)))"
dq "${addr[2]}" "UPDATE ml_aliases SET version = 1 WHERE name = 'segments' AND alias = 'production'" > /dev/null
dq "${addr[1]}" "DELETE FROM ml_registry WHERE name = 'stream' AND version = 40" > /dev/null
check "a second sync brings the alias move and the delete, nothing else" \
    sh -c "timeout 60 '$PKDQ' sync -cluster '$all' -to host.db -ext '$SO' | grep -q '^pkdq sync: 0 versions copied, 1 updated, 1 aliases set, 0 removed'"
local_sql host.db "$(score_sql "'segments@production'")" > host.txt
check "the scoring host follows the alias back to version 1" same want_v1.txt host.txt
check "the deleted version is deleted on the scoring host" \
    test "$(local_sql host.db "SELECT max(version) FROM ml_registry WHERE name = 'stream'")" = $((n_stream - 1))

# ---- shutdown ----------------------------------------------------------------------------------

echo "== clean shutdown"
for i in 1 2 3; do
    kill -TERM "${node_pid[$i]}" 2>/dev/null
done
down() { ! kill -0 "${node_pid[1]}" 2>/dev/null && ! kill -0 "${node_pid[2]}" 2>/dev/null && ! kill -0 "${node_pid[3]}" 2>/dev/null; }
check "SIGTERM stops every node within its shutdown deadline" wait_for 25 down

echo "cluster test: $(($(date +%s) - t0)) s"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
