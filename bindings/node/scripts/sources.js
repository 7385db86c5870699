'use strict';
// Where the C sources are: src/ inside the package (a packed package carries a copy, made by
// scripts/copy-sources.js at `npm pack`), else the repository this directory belongs to.
const fs = require('fs');
const path = require('path');

const PKG = path.resolve(__dirname, '..');

function sourceRoot() {
  for (const root of [path.join(PKG, 'src'), path.resolve(PKG, '..', '..')]) {
    if (fs.existsSync(path.join(root, 'ext', 'pickle_ext.c')) &&
        fs.existsSync(path.join(root, 'sql', 'registry.sql'))) {
      return root;
    }
  }
  throw new Error('pickle-ext: the C sources are missing (expected src/ext/pickle_ext.c in the ' +
                  'package, or ../../ext in the repository)');
}

module.exports = { PKG, sourceRoot };
