// Reference for the credential-process benchmark: the least a CreateSession client can do in a
// fresh node process — load node:https, read the CA file, one TLS handshake and one POST — without
// any rapki code. `node https-floor.mjs URL CAFILE`.
import { readFileSync } from 'node:fs';
import { request } from 'node:https';

const [url, caFile] = process.argv.slice(2);
const req = request(`${url}/sessions`, { method: 'POST', ca: readFileSync(caFile), agent: false }, (res) => {
  res.resume();
  res.on('end', () => process.stdout.write(String(res.statusCode)));
});
req.end('{"durationSeconds":3600}');
