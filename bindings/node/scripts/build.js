'use strict';
// npm install: compiles the pickle_ext SQLite extension from the C sources into
// build/pickle_ext.so with the system C compiler ($CC, else cc) - the flags and libraries of the
// repository's Makefile. Needs a C compiler and the development files of SQLite and the
// compression libraries (Debian: build-essential libsqlite3-dev libzstd-dev zlib1g-dev
// libbz2-dev liblzma-dev liblz4-dev). $PICKLE_EXT_JOBS compilers run at once (default: the CPU
// count, at most 4).
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { PKG, sourceRoot } = require('./sources');

const LIBS = ['-lzstd', '-lz', '-lm'];
const CC = process.env.CC || 'cc';
const BUILD = path.join(PKG, 'build');
const OUT = path.join(BUILD, 'pickle_ext.so');

// The C header scripts/embed.sh makes: `static const char name[]` holding the file's text.
function embed(name, src, dst) {
  const lines = fs.readFileSync(src, 'utf8').split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  const body = lines.map((l) => '    "' + l.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '\\n"');
  const text = ['/* generated from ' + path.basename(src) + ' by scripts/build.js; do not edit */',
    'static const char ' + name + '[] ='].concat(body, ['    ;', '']).join('\n');
  fs.mkdirSync(path.dirname(dst), { recursive: true });
  fs.writeFileSync(dst, text);
}

function run(args) {
  return new Promise((resolve, reject) => {
    const p = spawn(CC, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    p.on('error', (e) => reject(new Error(CC + ': ' + e.message +
                                          ' (a C compiler is needed to build pickle-ext)')));
    p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(
      CC + ' ' + args.join(' ') + ' failed (exit ' + code + ')'))));
  });
}

// The source folders: ext/core's layer folders (its files include each other by file name, so
// each is on the include path), ext/model and ext/sql.
function srcDirs(root) {
  const core = path.join(root, 'ext', 'core');
  return fs.readdirSync(core).sort()
    .filter((d) => fs.statSync(path.join(core, d)).isDirectory())
    .map((d) => path.join(core, d))
    .concat([path.join(root, 'ext', 'model'), path.join(root, 'ext', 'sql')]);
}

async function main() {
  const root = sourceRoot();
  const dirs = srcDirs(root);
  const gen = path.join(BUILD, 'gen');
  embed('pk_registry_sql', path.join(root, 'sql', 'registry.sql'),
        path.join(gen, 'registry_sql.h'));
  const includes = dirs.map((d) => '-I' + d).concat(['-I' + gen]);
  const cflags = ['-std=c11', '-D_GNU_SOURCE', '-O2', '-fPIC', '-fvisibility=hidden', '-Wall']
    .concat((process.env.CFLAGS || '').split(/\s+/).filter(Boolean));
  const sources = [];
  for (const d of dirs) {
    for (const f of fs.readdirSync(d).sort()) {
      if (f.endsWith('.c')) sources.push(path.join(d, f));
    }
  }
  sources.push(path.join(root, 'ext', 'pickle_ext.c'));
  const objs = sources.map((s) =>
    path.join(BUILD, 'obj', path.relative(root, s).replace(/\.c$/, '.o')));
  const jobs = Math.max(1, Number(process.env.PICKLE_EXT_JOBS) || Math.min(os.cpus().length, 4));
  console.log('pickle-ext: compiling ' + sources.length + ' files from ' + root + ' (' + jobs +
              ' at a time)');
  let next = 0;
  async function worker() {
    while (next < sources.length) {
      const i = next++;
      fs.mkdirSync(path.dirname(objs[i]), { recursive: true });
      await run(cflags.concat(includes, ['-c', sources[i], '-o', objs[i]]));
    }
  }
  await Promise.all(Array.from({ length: jobs }, worker));
  const ldflags = (process.env.LDFLAGS || '').split(/\s+/).filter(Boolean);
  await run(cflags.concat(['-shared', '-o', OUT + '.tmp'], objs, LIBS, ldflags));
  fs.renameSync(OUT + '.tmp', OUT);
  fs.rmSync(path.join(BUILD, 'obj'), { recursive: true, force: true });
  console.log('pickle-ext: built ' + OUT);
}

main().catch((e) => {
  console.error('pickle-ext: the build failed: ' + e.message);
  console.error('pickle-ext: it needs a C compiler and the development packages of SQLite, ' +
                'zstd, zlib, bzip2, xz and lz4 (Debian: build-essential libsqlite3-dev ' +
                'libzstd-dev zlib1g-dev libbz2-dev liblzma-dev liblz4-dev)');
  process.exit(1);
});
