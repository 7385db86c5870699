// bench.js - times queries in the WebAssembly build (Node), for tests/wasm/bench.py.
//   node bench.js DIST_WASM_DIR QUERIES.json   -> prints {name: best ms} as JSON
// QUERIES.json: [{name, sql, blob (hex), repeat}]; the blob is bound as ?1.
'use strict';
const fs = require('fs');
const path = require('path');
const [dir, qpath] = process.argv.slice(2);
const PickleExt = require(path.resolve(dir, 'pickle_ext.js'));
(async () => {
    const pe = await PickleExt.load();
    const db = pe.open();
    const out = {};
    for (const q of JSON.parse(fs.readFileSync(qpath, 'utf8'))) {
        const blob = new Uint8Array(Buffer.from(q.blob, 'hex'));
        let best = Infinity;
        for (let k = 0; k < q.repeat; k++) {
            const t0 = process.hrtime.bigint();
            db.query(q.sql, [blob]);
            best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e6);
        }
        out[q.name] = best;
    }
    console.log(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });
