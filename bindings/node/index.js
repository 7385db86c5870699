'use strict';
// pickle-ext: the pickle_ext SQLite extension for Node.js. The library is compiled from the
// package's C sources when the package is installed (scripts/build.js).
//
//   const Database = require('better-sqlite3');
//   const pickleExt = require('pickle-ext');
//   const db = new Database('shop.db');
//   pickleExt.load(db);
//
// node-sqlite3 loads extensions asynchronously: `await pickleExt.load(db)` (or pass a callback).
const fs = require('fs');
const path = require('path');

const LIB = path.join(__dirname, 'build', 'pickle_ext.so');

/** The path of the compiled extension, for any SQLite client's loadExtension / `.load`. */
function getLoadablePath() {
  if (!fs.existsSync(LIB)) {
    throw new Error('pickle-ext: ' + LIB + ' is missing: the install step did not build it ' +
                    '(reinstall and read its output, or run `node scripts/build.js` in the ' +
                    'package)');
  }
  return LIB;
}

// node-sqlite3's Database (callback API) as opposed to better-sqlite3's (synchronous).
function isNodeSqlite3(db) {
  return typeof db.serialize === 'function' && typeof db.prepare === 'function' &&
         typeof db.pragma !== 'function';
}

/**
 * Loads the extension into `db`: a better-sqlite3 Database (synchronous; returns db) or a
 * node-sqlite3 Database (asynchronous: calls `callback(err)` if given, else returns a Promise
 * of db).
 */
function load(db, callback) {
  if (!db || typeof db.loadExtension !== 'function') {
    throw new TypeError('pickle-ext: load(db) needs a better-sqlite3 or node-sqlite3 Database ' +
                        '(an object with loadExtension)');
  }
  const lib = getLoadablePath();
  if (isNodeSqlite3(db)) {
    if (callback) {
      db.loadExtension(lib, callback);
      return undefined;
    }
    return new Promise((resolve, reject) => {
      db.loadExtension(lib, (err) => (err ? reject(err) : resolve(db)));
    });
  }
  db.loadExtension(lib);
  if (callback) callback(null);
  return db;
}

module.exports = { load, getLoadablePath };
