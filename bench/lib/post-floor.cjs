// Reference for the credential-process benchmark: the least a CreateSession client can do in a
// fresh node process — CommonJS (no ESM loader, like bin/rapki.cjs), load node:http or node:https,
// read the CA file, one (TLS handshake and) POST — without any rapki code.
// `node post-floor.cjs URL [CAFILE]`
'use strict';
const { readFileSync, writeSync } = require('node:fs');

const [url, caFile] = process.argv.slice(2);
const mod = url.startsWith('https:') ? require('node:https') : require('node:http');
const opts = { method: 'POST', agent: false, ...(caFile ? { ca: readFileSync(caFile) } : {}) };
const req = mod.request(`${url}/sessions`, opts, (res) => {
  res.resume();
  res.on('end', () => {
    writeSync(1, String(res.statusCode));
    process.exit(0);
  });
});
req.end('{"durationSeconds":3600}');
