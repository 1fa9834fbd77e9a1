// Build step (run by scripts/build.mjs in a child process): V8 code cache for
// dist/credential-process.cjs, so that bin/rapki.cjs deserialises the compiled functions of a
// credential-process cache hit instead of compiling them (about 5% of a bare Node start).
//
// How: compile the bundle exactly as bin/rapki.cjs does (same wrapper, same file name), run one
// real CreateSession (a throw-away P-256 key and certificate made by `openssl`, against a stub
// endpoint on http://127.0.0.1 in this process) and one real cache hit (a cache entry under a
// temporary XDG_RUNTIME_DIR), storing `createCachedData()` (which holds every function that ran
// so far) after the hit (`<bundle>.cache`, what bin/rapki.cjs uses by default) and after the
// CreateSession (`<bundle>.nocache.cache`, used with --no-cache). Without `openssl` the
// CreateSession run and its cache are skipped.
// The cache file starts with the key the bundle ends with (`//# rapkiCodeCacheKey=<sha256>`),
// so a cache never meets another build's bundle; V8 itself refuses caches of another Node
// version or other V8 flags (and the bin then simply compiles).
// Usage: node credential-process-code-cache.cjs <bundle.cjs>   (writes <bundle.cjs>.cache and
// <bundle.cjs>.nocache.cache)
'use strict';
const { execFileSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const { createServer } = require('node:http');
const { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const vm = require('node:vm');

const bundle = process.argv[2];
const KEY_MARK = '\n//# rapkiCodeCacheKey=';
let source = readFileSync(bundle, 'utf8');
if (!source.includes(KEY_MARK)) {
  source += `${KEY_MARK}${createHash('sha256').update(source).digest('hex')}\n`;
  writeFileSync(bundle, source);
}
const key = source.slice(source.lastIndexOf(KEY_MARK) + KEY_MARK.length).trim();

// Must match bin/rapki.cjs byte for byte.
const wrapped = `(function (exports, require, module, __filename, __dirname) { ${source}\n});`;
const script = new vm.Script(wrapped, { filename: bundle, importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER });
const mod = { exports: {} };
script.runInThisContext()(mod.exports, require, mod, bundle, join(bundle, '..'));
const fast = mod.exports;

const dir = mkdtempSync(join(tmpdir(), 'rapki-code-cache-'));
/** One real CreateSession through the bundle (--no-cache) against a stub on loopback. */
async function warmCreateSession() {
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-days',
        '2',
        '-keyout',
        join(dir, 'leaf.key'),
        '-out',
        join(dir, 'leaf.crt'),
        '-subj',
        '/CN=rapki code cache warm-up',
        '-addext',
        'basicConstraints=critical,CA:FALSE',
        '-addext',
        'keyUsage=critical,digitalSignature',
      ],
      { stdio: 'ignore' },
    );
  } catch {
    process.stderr.write('code cache: no openssl; no code cache for --no-cache calls\n');
    return false;
  }
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const expiration = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      res.writeHead(201, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          credentialSet: [
            {
              credentials: { accessKeyId: 'ASIAWARMUP', secretAccessKey: 'x', sessionToken: 'x', expiration },
              roleArn: 'arn:aws:iam::123456789012:role/warm-up',
              assumedRoleUser: { arn: 'arn:aws:sts::123456789012:assumed-role/warm-up/x', assumedRoleId: 'AROAWARMUP:x' },
            },
          ],
          subjectArn: 'arn:aws:rolesanywhere:us-east-1:123456789012:subject/00000000-0000-0000-0000-000000000000',
        }),
      );
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const code = await fast.runCredentialProcessFast([
      '--certificate',
      join(dir, 'leaf.crt'),
      '--private-key',
      join(dir, 'leaf.key'),
      '--trust-anchor-arn',
      'arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/00000000-0000-0000-0000-000000000000',
      '--profile-arn',
      'arn:aws:rolesanywhere:us-east-1:123456789012:profile/00000000-0000-0000-0000-000000000000',
      '--role-arn',
      'arn:aws:iam::123456789012:role/warm-up',
      '--endpoint',
      `http://127.0.0.1:${server.address().port}`,
      '--no-cache',
    ]);
    if (code !== 0) throw new Error(`the warm-up CreateSession exited ${code}`);
    return true;
  } finally {
    server.close();
  }
}

(async () => {
  try {
    process.env.XDG_RUNTIME_DIR = dir;
    process.env.HOME = dir;
    delete process.env.AWS_CA_BUNDLE;
    writeFileSync(join(dir, 'cert.pem'), 'code cache warm-up: not a certificate\n');
    writeFileSync(join(dir, 'key.pem'), 'code cache warm-up: not a key\n', { mode: 0o600 });
    const args = [
      '--certificate',
      join(dir, 'cert.pem'),
      '--private-key',
      join(dir, 'key.pem'),
      '--trust-anchor-arn',
      'arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/00000000-0000-0000-0000-000000000000',
      '--profile-arn',
      'arn:aws:rolesanywhere:us-east-1:123456789012:profile/00000000-0000-0000-0000-000000000000',
      '--role-arn',
      'arn:aws:iam::123456789012:role/warm-up',
      '--endpoint',
      'http://127.0.0.1:9',
    ];
    const io = { env: process.env, readFileText: (p) => readFileSync(p, 'utf8'), warn: () => undefined };
    const config = fast.resolveCredentialProcess(fast.parseSignerArgs(args, 'credential-process').values, io);
    const entryDir = join(dir, 'rapki');
    mkdirSync(entryDir, { mode: 0o700 });
    const expiration = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    writeFileSync(
      join(entryDir, `${fast.cacheKey(await fast.hashKeyMaterial(config.keySource, io.env), config.session)}.json`),
      JSON.stringify({ obtainedAt: Date.now(), credentials: { accessKeyId: 'ASIAWARMUP', secretAccessKey: 'x', sessionToken: 'x', expiration } }),
      { mode: 0o600 },
    );
    const code = await fast.runCredentialProcessFast(args);
    if (code !== 0) throw new Error(`the warm-up cache hit exited ${code}`);
    // Two caches: `.cache` holds the cache-hit path only (the common call: a smaller cache is
    // deserialised faster), `.nocache.cache` also the CreateSession path, for `--no-cache` calls,
    // which always make one.
    writeFileSync(`${bundle}.cache`, Buffer.concat([Buffer.from(`${key}\n`), script.createCachedData()]));
    if (await warmCreateSession()) {
      writeFileSync(`${bundle}.nocache.cache`, Buffer.concat([Buffer.from(`${key}\n`), script.createCachedData()]));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
})().catch((err) => {
  process.stderr.write(`code cache: ${err.stack ?? err}\n`);
  process.exitCode = 1;
});
