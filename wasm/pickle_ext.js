/*
 * pickle_ext.js - a small JS API over the WebAssembly build of SQLite + pickle_ext.
 *
 *   const PickleExt = require('./pickle_ext.js');          // Node (CommonJS)
 *   importScripts('pickle_ext_wasm.js', 'pickle_ext.js');  // a Web Worker: self.PickleExt
 *
 *   const pe = await PickleExt.load();      // Node reads pickle_ext_wasm.wasm next to this file;
 *                                           // browsers fetch it (or pass {wasmBinary} / {wasmUrl})
 *   const db = pe.open();                   // a new in-memory database, pickle_ext registered
 *   const r = db.query('SELECT pickle_info(?)', [bytes]);   // bytes: a Uint8Array -> BLOB
 *   r.columns  // ['pickle_info(?)']
 *   r.rows     // [['{"protocol":4,...}']]
 *   db.exec('CREATE TABLE t(x)');           // one or more statements, results discarded
 *   db.close();
 *
 * Parameters: null/undefined -> NULL, a boolean -> 0/1, a bigint -> INTEGER, a number -> INTEGER
 * when it is a safe integer else REAL (PickleExt.real(x) forces REAL), a string -> TEXT, a
 * Uint8Array, another typed array or an ArrayBuffer -> BLOB (its bytes). Results: NULL -> null,
 * INTEGER -> number (bigint beyond 2^53), REAL -> number, TEXT -> string, BLOB -> Uint8Array (a
 * copy). With {raw: true} every value is [type, value] with type 'null', 'integer' (value a
 * bigint), 'real', 'text' (value a string; with {textBytes: true} too, a Uint8Array of the UTF-8
 * bytes SQLite holds) or 'blob'. An SQL error throws an Error whose message
 * is SQLite's (e.g. "pickle_get: bad path ..."), with .code the SQLite result code.
 */
(function (root, factory) {
    if (typeof module === 'object' && module.exports) {
        module.exports = factory(require('./pickle_ext_wasm.js'), true);
    } else {
        root.PickleExt = factory(root.PickleExtWasm, false);
    }
})(typeof self !== 'undefined' ? self : this, function (PickleExtWasm, isNode) {
    'use strict';

    const SQLITE_OK = 0, SQLITE_ROW = 100, SQLITE_DONE = 101;
    const SQLITE_INTEGER = 1, SQLITE_FLOAT = 2, SQLITE_TEXT = 3, SQLITE_BLOB = 4;
    const OPEN_FLAGS = 0x02 | 0x04 | 0x80; /* READWRITE | CREATE | MEMORY */
    const TRANSIENT = -1; /* SQLITE_TRANSIENT: SQLite copies the bound bytes */
    const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER), SAFE_MIN = -SAFE_MAX;
    const REAL = Symbol('real');

    function real(x) {
        return { [REAL]: Number(x) };
    }

    function bindings(M) {
        const f = (name, ret, args) => M.cwrap(name, ret, args);
        return {
            open: f('sqlite3_open_v2', 'number', ['number', 'number', 'number', 'number']),
            close: f('sqlite3_close_v2', 'number', ['number']),
            prepare: f('sqlite3_prepare_v2', 'number', ['number', 'number', 'number', 'number', 'number']),
            step: f('sqlite3_step', 'number', ['number']),
            finalize: f('sqlite3_finalize', 'number', ['number']),
            paramCount: f('sqlite3_bind_parameter_count', 'number', ['number']),
            bindNull: f('sqlite3_bind_null', 'number', ['number', 'number']),
            bindInt64: f('sqlite3_bind_int64', 'number', ['number', 'number', 'bigint']),
            bindDouble: f('sqlite3_bind_double', 'number', ['number', 'number', 'number']),
            bindText: f('sqlite3_bind_text', 'number', ['number', 'number', 'number', 'number', 'number']),
            bindBlob: f('sqlite3_bind_blob', 'number', ['number', 'number', 'number', 'number', 'number']),
            columnCount: f('sqlite3_column_count', 'number', ['number']),
            columnName: f('sqlite3_column_name', 'string', ['number', 'number']),
            columnType: f('sqlite3_column_type', 'number', ['number', 'number']),
            columnInt64: f('sqlite3_column_int64', 'bigint', ['number', 'number']),
            columnDouble: f('sqlite3_column_double', 'number', ['number', 'number']),
            columnText: f('sqlite3_column_text', 'number', ['number', 'number']),
            columnBlob: f('sqlite3_column_blob', 'number', ['number', 'number']),
            columnBytes: f('sqlite3_column_bytes', 'number', ['number', 'number']),
            errmsg: f('sqlite3_errmsg', 'string', ['number']),
            libversion: f('sqlite3_libversion', 'string', []),
        };
    }

    const utf8 = new TextDecoder('utf-8');
    const utf8enc = new TextEncoder();

    function bytesOf(v) {
        if (v instanceof Uint8Array) return v;
        if (v instanceof ArrayBuffer) return new Uint8Array(v);
        if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
        return null;
    }

    class SqlError extends Error {
        constructor(message, code) {
            super(message);
            this.name = 'SqlError';
            this.code = code;
        }
    }

    class Database {
        constructor(M, C) {
            this.M = M;
            this.C = C;
            const pp = M._malloc(4);
            const rc = C.open(this._cstr(':memory:'), pp, OPEN_FLAGS, 0);
            this.db = M.HEAPU32[pp >> 2];
            M._free(pp);
            this._freeStrings();
            if (rc !== SQLITE_OK) {
                const msg = this.db ? C.errmsg(this.db) : 'out of memory';
                if (this.db) C.close(this.db);
                this.db = 0;
                throw new SqlError('cannot open an in-memory database: ' + msg, rc);
            }
        }

        _cstr(s) { /* a NUL-terminated UTF-8 copy, freed by _freeStrings */
            const n = this.M.lengthBytesUTF8(s) + 1;
            const p = this.M._malloc(n);
            this.M.stringToUTF8(s, p, n);
            (this._strings = this._strings || []).push(p);
            return p;
        }

        _freeStrings() {
            for (const p of this._strings || []) this.M._free(p);
            this._strings = [];
        }

        _check(rc) {
            if (rc !== SQLITE_OK) throw new SqlError(this.C.errmsg(this.db), rc);
        }

        _bind(stmt, params) {
            const C = this.C, M = this.M;
            const n = C.paramCount(stmt);
            if (params.length !== n)
                throw new SqlError(`the statement has ${n} parameters, ${params.length} given`, 25);
            for (let i = 0; i < n; i++) {
                const v = params[i], k = i + 1;
                let rc;
                if (v === null || v === undefined) rc = C.bindNull(stmt, k);
                else if (typeof v === 'boolean') rc = C.bindInt64(stmt, k, v ? 1n : 0n);
                else if (typeof v === 'bigint') rc = C.bindInt64(stmt, k, v);
                else if (typeof v === 'number')
                    rc = Number.isSafeInteger(v) && !Object.is(v, -0)
                        ? C.bindInt64(stmt, k, BigInt(v)) : C.bindDouble(stmt, k, v);
                else if (typeof v === 'object' && REAL in v) rc = C.bindDouble(stmt, k, v[REAL]);
                else if (typeof v === 'string') {
                    const b = utf8enc.encode(v);
                    const p = M._malloc(b.length || 1);
                    M.HEAPU8.set(b, p);
                    rc = C.bindText(stmt, k, p, b.length, TRANSIENT);
                    M._free(p);
                } else {
                    const b = bytesOf(v);
                    if (!b) throw new TypeError(`parameter ${k}: cannot bind a ${typeof v}`);
                    const p = M._malloc(b.length || 1);
                    M.HEAPU8.set(b, p);
                    rc = C.bindBlob(stmt, k, p, b.length, TRANSIENT);
                    M._free(p);
                }
                this._check(rc);
            }
        }

        _value(stmt, i, raw, textBytes) {
            const C = this.C, M = this.M;
            switch (C.columnType(stmt, i)) {
            case SQLITE_INTEGER: {
                const v = C.columnInt64(stmt, i);
                if (raw) return ['integer', v];
                return v >= SAFE_MIN && v <= SAFE_MAX ? Number(v) : v;
            }
            case SQLITE_FLOAT: {
                const v = C.columnDouble(stmt, i);
                return raw ? ['real', v] : v;
            }
            case SQLITE_TEXT: {
                const p = C.columnText(stmt, i), n = C.columnBytes(stmt, i);
                const b = M.HEAPU8.subarray(p, p + n);
                const v = textBytes ? b.slice() : utf8.decode(b);
                return raw ? ['text', v] : v;
            }
            case SQLITE_BLOB: {
                const p = C.columnBlob(stmt, i), n = C.columnBytes(stmt, i);
                const v = n ? M.HEAPU8.slice(p, p + n) : new Uint8Array(0);
                return raw ? ['blob', v] : v;
            }
            default:
                return raw ? ['null', null] : null;
            }
        }

        /* Runs every statement of sql; returns the columns and rows of the last one that has
         * columns. params bind the first statement only (one statement is the usual case). */
        query(sql, params, options) {
            if (!this.db) throw new SqlError('the database is closed', 21);
            const raw = !!(options && options.raw);
            const textBytes = !!(options && options.textBytes);
            const C = this.C, M = this.M;
            const bytes = utf8enc.encode(sql);
            const text = M._malloc(bytes.length + 1);
            M.HEAPU8.set(bytes, text);
            M.HEAPU8[text + bytes.length] = 0;
            const pp = M._malloc(8);
            let result = { columns: [], rows: [] };
            let at = text, first = true;
            const end = text + bytes.length;
            try {
                while (at < end) {
                    const rc = C.prepare(this.db, at, end - at, pp, pp + 4);
                    this._check(rc);
                    const stmt = M.HEAPU32[pp >> 2];
                    at = M.HEAPU32[(pp + 4) >> 2];
                    if (!stmt) continue; /* whitespace or a comment */
                    try {
                        this._bind(stmt, first ? params || [] : []);
                        first = false;
                        const ncol = C.columnCount(stmt);
                        const columns = [];
                        for (let i = 0; i < ncol; i++) columns.push(C.columnName(stmt, i));
                        const rows = [];
                        for (;;) {
                            const s = C.step(stmt);
                            if (s === SQLITE_DONE) break;
                            if (s !== SQLITE_ROW) throw new SqlError(C.errmsg(this.db), s);
                            const row = new Array(ncol);
                            for (let i = 0; i < ncol; i++) row[i] = this._value(stmt, i, raw, textBytes);
                            rows.push(row);
                        }
                        if (ncol) result = { columns, rows };
                    } finally {
                        C.finalize(stmt);
                    }
                }
            } finally {
                M._free(pp);
                M._free(text);
            }
            return result;
        }

        exec(sql) {
            this.query(sql);
        }

        close() {
            if (this.db) this.C.close(this.db);
            this.db = 0;
        }
    }

    async function wasmBytes(options) {
        if (options.wasmBinary) return options.wasmBinary;
        if (isNode) {
            const path = require('path');
            return require('fs').readFileSync(options.wasmPath ||
                path.join(__dirname, 'pickle_ext_wasm.wasm'));
        }
        const url = options.wasmUrl || 'pickle_ext_wasm.wasm';
        const res = await fetch(url, { credentials: 'same-origin' });
        if (!res.ok) throw new Error(`cannot load ${url}: HTTP ${res.status}`);
        return new Uint8Array(await res.arrayBuffer());
    }

    /* Instantiates the module. The wasm bytes are always handed over (emscripten's own loader
     * would try fetch() with a file path on Node >= 18). */
    async function load(options) {
        options = options || {};
        if (typeof PickleExtWasm !== 'function')
            throw new Error('pickle_ext_wasm.js is not loaded');
        const M = await PickleExtWasm({
            wasmBinary: await wasmBytes(options),
            print: options.print || (() => {}),
            printErr: options.printErr || (() => {}),
        });
        const C = bindings(M);
        return {
            sqliteVersion: C.libversion(),
            open: () => new Database(M, C),
        };
    }

    return { load, real, SqlError };
});
