// run_corpus.js - runs a query corpus (tests/wasm/gen_corpus.py) through the WebAssembly build's
// JS API in Node and writes the answers in compare.py's canonical form.
//   node run_corpus.js DIST_WASM_DIR CORPUS.json OUT.json
'use strict';
const fs = require('fs');
const path = require('path');

const [dir, corpusPath, outPath] = process.argv.slice(2);
const PickleExt = require(path.resolve(dir, 'pickle_ext.js'));

const hex = (u8) => Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength).toString('hex');

function param([t, v]) {
    switch (t) {
    case 'n': return null;
    case 'i': return BigInt(v);
    case 'r': return PickleExt.real(parseHexFloat(v));
    case 't': return v;
    case 'b': return new Uint8Array(Buffer.from(v, 'hex'));
    }
    throw new Error('bad parameter type ' + t);
}

// Python's float.hex() text back to a double: [-]0x1.<hex>p<exp>, inf, nan.
function parseHexFloat(s) {
    if (s === 'inf') return Infinity;
    if (s === '-inf') return -Infinity;
    if (s === 'nan') return NaN;
    const m = /^(-?)0x([01])\.([0-9a-f]*)p([+-]\d+)$/.exec(s);
    if (!m) throw new Error('bad hex float ' + s);
    let mant = BigInt('0x' + m[2] + (m[3] || '0').padEnd(13, '0'));
    let e = parseInt(m[4], 10);
    let bits;
    if (m[2] === '0') bits = mant; // subnormal (or zero): 0x0.<52 bits>p-1022
    else bits = ((BigInt(e + 1023)) << 52n) | (mant & ((1n << 52n) - 1n));
    if (m[1]) bits |= 1n << 63n;
    const dv = new DataView(new ArrayBuffer(8));
    dv.setBigUint64(0, bits);
    return dv.getFloat64(0);
}

function realBits(x) {
    const dv = new DataView(new ArrayBuffer(8));
    dv.setFloat64(0, x);
    return dv.getBigUint64(0).toString(16).padStart(16, '0');
}

function canon([t, v]) {
    switch (t) {
    case 'null': return ['n'];
    case 'integer': return ['i', v.toString()];
    case 'real': return ['r', realBits(v)];
    case 'text': return ['t', hex(v)];
    case 'blob': return ['b', hex(v)];
    }
    throw new Error('bad result type ' + t);
}

(async () => {
    const pe = await PickleExt.load();
    const corpus = JSON.parse(fs.readFileSync(corpusPath, 'utf8'));
    const out = {};
    const t0 = process.hrtime.bigint();
    for (const it of corpus.items) {
        const db = pe.open();
        out[it.id] = it.stmts.map(([sql, params]) => {
            try {
                const r = db.query(sql, params.map(param), { raw: true, textBytes: true });
                return { cols: r.columns, rows: r.rows.map((row) => row.map(canon)) };
            } catch (e) {
                if (!(e instanceof PickleExt.SqlError)) throw e;
                return { error: e.message };
            }
        });
        db.close();
    }
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    fs.writeFileSync(outPath, JSON.stringify({ sqlite: pe.sqliteVersion, ms, results: out }));
})().catch((e) => {
    console.error(e);
    process.exit(1);
});
