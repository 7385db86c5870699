'use strict';
// prepack: copies the repository's ext/ (C sources and headers) and sql/registry.sql into src/,
// so the packed package builds the extension on its own at install time.
const fs = require('fs');
const path = require('path');
const { PKG } = require('./sources');

const repo = path.resolve(PKG, '..', '..');
const dst = path.join(PKG, 'src');
if (!fs.existsSync(path.join(repo, 'ext', 'pickle_ext.c'))) {
  throw new Error('copy-sources: run `npm pack` from bindings/node in the repository');
}
fs.rmSync(dst, { recursive: true, force: true });
fs.cpSync(path.join(repo, 'ext'), path.join(dst, 'ext'), {
  recursive: true,
  filter: (p) => fs.statSync(p).isDirectory() || /\.[ch]$/.test(p),
});
fs.mkdirSync(path.join(dst, 'sql'), { recursive: true });
fs.copyFileSync(path.join(repo, 'sql', 'registry.sql'), path.join(dst, 'sql', 'registry.sql'));
console.log('pickle-ext: copied the C sources into ' + path.relative(process.cwd(), dst));
