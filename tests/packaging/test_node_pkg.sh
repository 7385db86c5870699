#!/bin/sh
# test_node_pkg.sh - the npm package as a user gets it: `npm pack` in bindings/node (the tarball
# must carry the C sources), `npm install` of the tarball together with better-sqlite3@12 into an
# empty project (the package compiles the extension at install), then from Node: load(db), a
# model registered and scored with labels and probabilities identical to scikit-learn's.
#
# better-sqlite3 is fetched from the npm registry (network needed) and compiled by npm's own
# node-gyp when no prebuilt binary fits: npm_config_nodedir points at the system's Node headers
# (/usr/include/node, from the nodejs package). NODE_SQLITE3=1 also installs and tests
# node-sqlite3 (`sqlite3`), whose loadExtension is asynchronous. Compiling better-sqlite3 takes
# minutes, so the project that installs it, build/packaging/node-app, is kept between runs (only
# pickle-ext is reinstalled from the new tarball each time; `make clean` starts afresh).
#
#   PYTHON=/usr/bin/python3 (scikit-learn: makes the model and the expected predictions)
set -eu
REPO=$(cd "$(dirname "$0")/../.." && pwd)
PY=${PYTHON:-/usr/bin/python3}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "test_node_pkg: FAIL: $*" >&2; exit 1; }
command -v node > /dev/null && command -v npm > /dev/null ||
    fail "node and npm are needed (Node.js >= 18 with its npm; not Debian's npm package)"
if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/node_version.h ]; then
    export npm_config_nodedir=/usr
fi
export npm_config_cache="${npm_config_cache:-$HOME/.npm}" npm_config_audit=false \
    npm_config_fund=false npm_config_update_notifier=false

echo "== npm pack"
(cd "$REPO/bindings/node" && npm pack --silent --pack-destination "$TMP" > "$TMP/pack.out") ||
    fail "npm pack"
TGZ="$TMP/$(tail -n 1 "$TMP/pack.out")"
[ -f "$TGZ" ] || fail "no tarball: $(cat "$TMP/pack.out")"
tar -tzf "$TGZ" > "$TMP/files"
for f in package/package.json package/index.js package/scripts/build.js \
         package/src/ext/pickle_ext.c package/src/ext/core/base/pk.h package/src/ext/sql/sql_registry.c \
         package/src/sql/registry.sql; do
    grep -qx "$f" "$TMP/files" || fail "the tarball lacks $f"
done
! grep -q '^package/build/\|\.o$\|\.so$' "$TMP/files" || fail "the tarball carries build output"
nc=$(grep -c '^package/src/ext/.*\.c$' "$TMP/files")
nrepo=$(find "$REPO/ext" -name '*.c' | wc -l)
[ "$nc" -eq "$nrepo" ] || fail "the tarball has $nc C files, ext/ has $nrepo"

echo "== the model and scikit-learn's predictions"
"$PY" - "$TMP" <<'PYEOF'
import json, pickle, sys
import numpy as np
from sklearn.linear_model import LogisticRegression
rng = np.random.RandomState(11)
X = rng.normal(size=(150, 3)) * [10, 2, 1] + [40, 5, 0]
y = np.where(X[:, 0] / 10 + X[:, 1] + rng.normal(size=150) > 9, "churn", "stay")
m = LogisticRegression(C=0.7).fit(X, y)
open(sys.argv[1] + "/model.pkl", "wb").write(pickle.dumps(m))
json.dump({"X": X.tolist(), "labels": m.predict(X).tolist(),
           "proba": m.predict_proba(X)[:, 1].tolist()}, open(sys.argv[1] + "/expected.json", "w"))
PYEOF

APP="$REPO/build/packaging/node-app"
EXTRA=""
[ "${NODE_SQLITE3:-0}" = 1 ] && EXTRA="sqlite3@5"
mkdir -p "$APP"
cd "$APP"
[ -f package.json ] || echo '{"name": "app", "version": "1.0.0", "private": true}' > package.json
export JOBS="${JOBS:-2}"   # node-gyp's parallel compile jobs for better-sqlite3
for dep in better-sqlite3@12 $EXTRA; do
    if [ ! -d "node_modules/${dep%@*}" ]; then
        echo "== npm install $dep (compiled from source when no prebuilt binary can be fetched)"
        npm install --save "$dep" > "$TMP/dep.log" 2>&1 || { tail -n 40 "$TMP/dep.log"; fail "npm install $dep"; }
    fi
done
echo "== npm install the tarball (builds the extension)"
rm -rf node_modules/pickle-ext shop.db
npm install --no-save --foreground-scripts "$TGZ" > "$TMP/install.log" 2>&1 ||
    { tail -n 40 "$TMP/install.log"; fail "npm install"; }
grep -q "pickle-ext: built .*node_modules/pickle-ext/build/pickle_ext.so" "$TMP/install.log" ||
    { tail -n 20 "$TMP/install.log"; fail "the install step did not build the extension"; }
grep -q "compiling [0-9]* files from .*node_modules/pickle-ext/src" "$TMP/install.log" ||
    fail "the extension was not built from the package's own sources"

echo "== score from Node (better-sqlite3)"
cat > score.js <<'JSEOF'
'use strict';
const fs = require('fs');
const assert = require('assert');
const Database = require('better-sqlite3');
const pickleExt = require('pickle-ext');
const tmp = process.argv[2];
const exp = JSON.parse(fs.readFileSync(tmp + '/expected.json'));

const lib = pickleExt.getLoadablePath();
assert.ok(lib.endsWith('node_modules/pickle-ext/build/pickle_ext.so'), lib);
const db = new Database('shop.db');
assert.strictEqual(pickleExt.load(db), db);
assert.match(db.prepare('SELECT pickle_ext_version() AS v').get().v, /^\d+\.\d+\.\d+$/);
db.exec(db.prepare('SELECT ml_registry_sql()').pluck().get());
assert.strictEqual(db.prepare('SELECT ml_registry_init() AS n').get().n, 0);
db.prepare("INSERT INTO ml_registry(name, pickle, aliases) VALUES ('churn', ?, 'production')")
  .run(fs.readFileSync(tmp + '/model.pkl'));
db.exec('CREATE TABLE c(id INTEGER PRIMARY KEY, a REAL, b REAL, d REAL)');
const ins = db.prepare('INSERT INTO c(a, b, d) VALUES (?, ?, ?)');
db.transaction(() => exp.X.forEach((r) => ins.run(r)))();
const rows = db.prepare("SELECT model_predict('churn@production', a, b, d) AS label, " +
  "model_predict_proba('churn@production', a, b, d) ->> '$[1]' AS p FROM c ORDER BY id").all();
assert.deepStrictEqual(rows.map((r) => r.label), exp.labels);
assert.deepStrictEqual(rows.map((r) => r.p), exp.proba);
assert.throws(() => pickleExt.load({}), /needs a better-sqlite3 or node-sqlite3 Database/);
console.log('better-sqlite3: scored ' + rows.length + ' rows, identical to scikit-learn');
db.close();

if (process.argv[3] === 'sqlite3') {
  const sqlite3 = require('sqlite3');
  const db2 = new sqlite3.Database('shop.db');
  pickleExt.load(db2).then(() => {
    db2.all("SELECT model_predict('churn/1', a, b, d) AS label FROM c ORDER BY id", (err, r) => {
      assert.ifError(err);
      assert.deepStrictEqual(r.map((x) => x.label), exp.labels);
      console.log('node-sqlite3: scored ' + r.length + ' rows, identical to scikit-learn');
      db2.close();
    });
  }, (e) => { console.error(e); process.exit(1); });
}
JSEOF
node score.js "$TMP" ${EXTRA:+sqlite3} || fail "scoring from Node"
echo "test_node_pkg: OK"
