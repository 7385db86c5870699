/*
 * worker.js - runs pickle_ext (WebAssembly) off the page's thread, so a large file never freezes
 * the page. Messages: {id, op, ...} -> {id, result} or {id, error}.
 *   open {bytes}            keeps the file in an in-memory table; verdict, info, model, root
 *   children {path, offset} one page of pickle_each at path (the lazy tree)
 *   score {csv}             the model's every method on each CSV row
 * Everything runs here, on this device: the worker makes no request but for its own files.
 */
/* global importScripts, PickleExt */
'use strict';
importScripts('pickle_ext_wasm.js', 'pickle_ext.js');

const PAGE = 200;
let db = null;
let model = null;
const ready = PickleExt.load({ wasmUrl: 'pickle_ext_wasm.wasm' }).then((pe) => {
    db = pe.open();
    db.exec('CREATE TABLE f(p BLOB)');
    return pe.sqliteVersion;
});

function one(sql, params) {
    return db.query(sql, params).rows[0][0];
}

function attempt(fn) {
    try {
        return { value: fn() };
    } catch (e) {
        return { error: e.message };
    }
}

function open({ bytes }) {
    db.exec('DELETE FROM f');
    db.query('INSERT INTO f VALUES (?)', [new Uint8Array(bytes)]);
    const info = attempt(() => JSON.parse(one('SELECT pickle_info(p) FROM f')));
    const m = info.error ? { error: info.error }
        : attempt(() => JSON.parse(one('SELECT pickle_model_info(p) FROM f')));
    model = m.value && m.value.supported ? m.value : null;
    const rootType = info.error ? null : attempt(() => one('SELECT pickle_type(p) FROM f')).value;
    return { info, model: m, rootType, size: bytes.byteLength };
}

/* A child is a leaf when it has an atom (a number, str, bytes...), is None, or is a numpy
 * scalar (whose value is short JSON text); only then is its value read: a container's value
 * would be the JSON text of its whole subtree. */
const CHILDREN = `SELECT key, type, atom, fullkey,
    atom IS NOT NULL OR type = 'NoneType' OR (type LIKE 'numpy.%' AND type NOT IN
      ('numpy.ndarray', 'numpy.dtype', 'numpy.ma.core.MaskedArray')) AS leaf,
    CASE WHEN atom IS NULL AND type LIKE 'numpy.%' AND type NOT IN
      ('numpy.ndarray', 'numpy.dtype', 'numpy.ma.core.MaskedArray') THEN value END AS text
  FROM pickle_each((SELECT p FROM f), ?) LIMIT ? OFFSET ?`;

function children({ path, offset }) {
    const r = db.query(CHILDREN, [path, PAGE + 1, offset || 0]);
    const rows = r.rows.slice(0, PAGE).map(([key, type, atom, p, leaf, text]) => ({
        key, type, path: p, leaf: !!leaf,
        shown: atom instanceof Uint8Array ? `${atom.length} bytes` :
            atom !== null ? String(atom) : text === null ? 'None' :
            text[0] === '"' ? JSON.parse(text) : text,
    }));
    return { rows, more: r.rows.length > PAGE };
}

/* RFC 4180 CSV: quoted fields may hold commas, quotes ("") and line breaks. */
function parseCsv(text) {
    const rows = [];
    let row = [], field = '', i = 0, quoted = false;
    if (text.charCodeAt(0) === 0xfeff) i = 1;
    for (; i < text.length; i++) {
        const c = text[i];
        if (quoted) {
            if (c === '"' && text[i + 1] === '"') { field += '"'; i++; }
            else if (c === '"') quoted = false;
            else field += c;
        } else if (c === '"' && field === '') quoted = true;
        else if (c === ',') { row.push(field); field = ''; }
        else if (c === '\n' || c === '\r') {
            if (c === '\r' && text[i + 1] === '\n') i++;
            row.push(field); field = '';
            if (row.length > 1 || row[0] !== '') rows.push(row);
            row = [];
        } else field += c;
    }
    if (quoted) throw new Error('the CSV ends inside a quoted field');
    if (field !== '' || row.length) { row.push(field); rows.push(row); }
    return rows;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/* A cell as SQL would type it: empty -> NULL (missing), a number -> a number, else text. */
function cell(s) {
    const t = s.trim();
    if (t === '') return null;
    if (NUMBER.test(t)) return Number(t);
    return s;
}

const FUNCS = { predict: 'pickle_predict', predict_proba: 'pickle_predict_proba',
    decision_function: 'pickle_decision_function', transform: 'pickle_transform' };

function score({ csv }) {
    if (!model) throw new Error('this file holds no model pickle_ext can score');
    const table = parseCsv(csv);
    if (table.length < 2) throw new Error('the CSV needs a header line and at least one row');
    const header = table[0].map((h) => h.trim());
    const named = Array.isArray(model.feature_names_in_);
    const rows = table.slice(1);
    const inputs = rows.map((r, k) => {
        if (r.length !== header.length)
            throw new Error(`CSV line ${k + 2} has ${r.length} fields, the header has ${header.length}`);
        const vals = r.map(cell);
        if (!named) return JSON.stringify(vals);
        const o = {};
        header.forEach((h, j) => { o[h] = vals[j]; });
        return JSON.stringify(o);
    });
    const methods = (model.methods || []).filter((m) => FUNCS[m]);
    const results = {};
    for (const m of methods) {
        const fn = FUNCS[m];
        try {
            /* one statement for every row: the model is compiled once */
            const r = db.query(`SELECT ${fn}((SELECT p FROM f), value) FROM json_each(?)`,
                               ['[' + inputs.join(',') + ']']);
            results[m] = r.rows.map((x) => x[0]);
        } catch (e) {
            /* find the row that failed, for the message */
            for (let k = 0; k < inputs.length; k++) {
                try {
                    db.query(`SELECT ${fn}((SELECT p FROM f), ?)`, [inputs[k]]);
                } catch (e2) {
                    throw new Error(`CSV line ${k + 2}: ${e2.message}`);
                }
            }
            throw e;
        }
    }
    return { header, rows, methods, results };
}

const OPS = { open, children, score };

self.onmessage = async (e) => {
    const { id, op } = e.data;
    try {
        const version = await ready;
        if (op === 'hello') {
            self.postMessage({ id, result: { sqlite: version } });
            return;
        }
        self.postMessage({ id, result: OPS[op](e.data) });
    } catch (err) {
        self.postMessage({ id, error: err && err.message ? err.message : String(err) });
    }
};
