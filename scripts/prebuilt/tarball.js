#!/usr/bin/env node
// The listing of an npm tarball (.tgz) read from the tarball itself: every regular file with its
// size, paths relative to the package root (npm puts everything under `package/`). Reads ustar
// headers, their name prefix and pax `path`/`size` records (npm writes those for long paths).
//
//   node scripts/prebuilt/tarball.js TGZ            prints "size path" per file
'use strict';
const fs = require('fs');
const zlib = require('zlib');

const field = (block, start, length) => {
  const raw = block.subarray(start, start + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? length : end).toString('utf8');
};

/** pax extended header records: "<len> <key>=<value>\n"... */
function paxRecords(data) {
  const out = {};
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    const len = parseInt(data.subarray(at, space).toString('ascii'), 10);
    if (!(len > 0)) break;
    const record = data.subarray(space + 1, at + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    out[record.slice(0, eq)] = record.slice(eq + 1);
    at += len;
  }
  return out;
}

/**
 * Every regular file of the tarball: [{ path, size }], in tarball order; with `withData` (a
 * predicate on the path), the files it accepts also carry their bytes as `data`.
 */
function tarballFiles(tgz, withData = () => false) {
  const tar = zlib.gunzipSync(fs.readFileSync(tgz));
  const files = [];
  let at = 0;
  let pax = {};
  while (at + 512 <= tar.length) {
    const header = tar.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const size = parseInt(field(header, 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(header[156] || 0x30);
    const body = tar.subarray(at + 512, at + 512 + size);
    at += 512 + Math.ceil(size / 512) * 512;
    if (type === 'x') {
      pax = paxRecords(body);
      continue;
    }
    if (type === 'g') continue;
    const prefix = field(header, 345, 155);
    const name = pax.path ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100));
    const realSize = pax.size !== undefined ? Number(pax.size) : size;
    pax = {};
    if (type === '0' || type === '\0') {
      const file = { path: name.replace(/^package\//, ''), size: realSize };
      if (withData(file.path)) file.data = body;
      files.push(file);
    }
  }
  if (files.length === 0) throw new Error(`${tgz}: no files read`);
  return files;
}

if (require.main === module) {
  const tgz = process.argv[2];
  if (!tgz) {
    console.error('usage: node scripts/prebuilt/tarball.js TGZ');
    process.exit(2);
  }
  for (const f of tarballFiles(tgz)) console.log(`${f.size} ${f.path}`);
}

module.exports = { tarballFiles };
