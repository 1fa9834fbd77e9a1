/**
 * Runs the `openssl` command line in tests: the independent maker (and checker) of keys,
 * certificates and PKCS#12 files. Every helper writes into a caller-owned temp directory.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface OpensslResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs openssl and resolves with exit code, stdout and stderr (never rejects on a non-zero exit:
 * `verify` and `crl -CAfile` print their verdicts on stderr). `input` goes to stdin.
 */
export function opensslRun(args: readonly string[], input?: string | Uint8Array, cwd?: string): Promise<OpensslResult> {
  return new Promise((resolve, reject) => {
    const child = execFile('openssl', [...args], { cwd, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err && typeof (err as { code?: unknown }).code !== 'number') return reject(err);
      resolve({ code: err ? ((err as { code: number }).code ?? 1) : 0, stdout, stderr });
    });
    if (input !== undefined) child.stdin?.end(input);
    else child.stdin?.end();
  });
}

/** Runs openssl with `args` in `cwd`; resolves to stdout, rejects with stderr in the message. */
export async function openssl(args: readonly string[], cwd?: string): Promise<string> {
  const r = await opensslRun(args, undefined, cwd);
  if (r.code !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr || `exit ${r.code}`}`);
  return r.stdout;
}

/**
 * Runs openssl synchronously (for fixtures built in constructors and `beforeAll` without await);
 * returns stdout, throws with stderr in the message. `input` goes to stdin.
 */
export function opensslSync(args: readonly string[], o: { cwd?: string; input?: string | Uint8Array } = {}): string {
  try {
    return execFileSync('openssl', [...args], { cwd: o.cwd, input: o.input, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`openssl ${args.join(' ')} failed: ${e.stderr || e.message}`, { cause: err });
  }
}

/** openssl's date form `YYYYMMDDHHMMSSZ` (`openssl ca -startdate/-enddate`). */
export function opensslTime(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:T]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}

/** A fresh temp directory; pass it to {@link removeTempDir} in afterAll. */
export function makeTempDir(prefix = 'rapki-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export function removeTempDir(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true });
}

/** Key specs understood by {@link genKey}. */
export type KeySpec = 'rsa:1024' | 'rsa:2048' | 'rsa:3072' | 'rsa:4096' | 'ec:P-256' | 'ec:P-384' | 'ec:secp256k1' | 'ed25519' | 'ed448' | 'dsa' | 'rsa-pss';

/** The `openssl genpkey` arguments (before `-out`) for a key of `spec` (not DSA: that needs parameters first). */
export function genpkeyArgs(spec: Exclude<KeySpec, 'dsa'>): string[] {
  const [alg, param] = spec.split(':') as [string, string | undefined];
  if (alg === 'rsa') return ['genpkey', '-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${param}`];
  if (alg === 'rsa-pss') return ['genpkey', '-algorithm', 'RSA-PSS', '-pkeyopt', 'rsa_keygen_bits:2048'];
  if (alg === 'ec') return ['genpkey', '-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:${param}`];
  return ['genpkey', '-algorithm', alg.toUpperCase()];
}

/** Generates a PKCS#8 PEM key with `openssl genpkey` at `dir/name`; returns the path. */
export async function genKey(dir: string, name: string, spec: KeySpec): Promise<string> {
  const out = join(dir, name);
  if (spec === 'dsa') {
    const params = join(dir, `${name}.params`);
    await openssl(['genpkey', '-genparam', '-algorithm', 'DSA', '-pkeyopt', 'dsa_paramgen_bits:2048', '-out', params]);
    await openssl(['genpkey', '-paramfile', params, '-out', out]);
    return out;
  }
  await openssl([...genpkeyArgs(spec), '-out', out]);
  return out;
}

/** Certificate profiles for {@link issueCert}. */
export type CertProfile = 'leaf' | 'ca' | 'leaf-no-digital-signature' | 'leaf-ca-true' | 'leaf-no-key-usage' | 'v1';

const EXTENSIONS: Record<Exclude<CertProfile, 'v1'>, string> = {
  leaf: 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n',
  ca: 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign,digitalSignature\nsubjectKeyIdentifier=hash\n',
  'leaf-no-digital-signature': 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,keyEncipherment\n',
  'leaf-ca-true': 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,digitalSignature\n',
  'leaf-no-key-usage': 'basicConstraints=critical,CA:FALSE\n',
};

/** Options of {@link issueCert}. */
export interface IssueOptions {
  /** Subject, e.g. `/CN=host`; `/` for an empty subject. */
  readonly subject?: string;
  readonly profile?: CertProfile;
  /** Serial as hex without 0x (openssl -set_serial 0x…). */
  readonly serialHex?: string;
  readonly days?: number;
  readonly digest?: 'sha256' | 'sha384' | 'sha1' | 'md5';
  /** Issuer certificate and key; self-signed when omitted. */
  readonly issuer?: { readonly cert: string; readonly key: string };
}

/** Issues a certificate for `keyPath` with openssl (req + x509 -req); returns the PEM path. */
export async function issueCert(dir: string, name: string, keyPath: string, o: IssueOptions = {}): Promise<string> {
  const csr = join(dir, `${name}.csr`);
  const out = join(dir, `${name}.crt`);
  await openssl(['req', '-new', '-key', keyPath, '-subj', o.subject ?? `/CN=${name}`, '-out', csr]);
  const args = ['x509', '-req', '-in', csr, '-days', String(o.days ?? 30), `-${o.digest ?? 'sha256'}`, '-out', out];
  if (o.issuer) args.push('-CA', o.issuer.cert, '-CAkey', o.issuer.key);
  else args.push('-signkey', keyPath);
  args.push('-set_serial', `0x${o.serialHex ?? randomSerialHex()}`);
  const profile = o.profile ?? 'leaf';
  if (profile !== 'v1') {
    const ext = join(dir, `${name}.ext`);
    await writeFile(ext, `[v3]\n${EXTENSIONS[profile]}`);
    args.push('-extfile', ext, '-extensions', 'v3');
  }
  await openssl(args);
  return out;
}

function randomSerialHex(): string {
  const b = new Uint8Array(8);
  crypto.getRandomValues(b);
  b[0] = ((b[0] as number) & 0x7f) | 0x01;
  return Buffer.from(b).toString('hex');
}

/** DER bytes of a PEM certificate file (via openssl, independent of our PEM parser). */
export async function certDer(dir: string, pemPath: string): Promise<Buffer> {
  const out = join(dir, `${Math.random().toString(36).slice(2)}.der`);
  await openssl(['x509', '-in', pemPath, '-outform', 'DER', '-out', out]);
  return readFile(out);
}

/** The serial of a certificate as openssl prints it (upper-case hex). */
export async function certSerialHex(pemPath: string): Promise<string> {
  const out = await openssl(['x509', '-in', pemPath, '-noout', '-serial']);
  return out.trim().replace(/^serial=/, '');
}

/** A root CA, optional intermediates, and helpers to issue leaves under the last CA. */
export interface TestPki {
  readonly root: { cert: string; key: string };
  /** Intermediates, root side first. */
  readonly intermediates: Array<{ cert: string; key: string }>;
  /** The CA that issues leaves (last intermediate, or the root). */
  readonly issuer: { cert: string; key: string };
}

/** Builds root → N intermediates with EC P-256 CA keys. */
export async function makePki(dir: string, intermediates: number, prefix = 'pki'): Promise<TestPki> {
  const rootKey = await genKey(dir, `${prefix}-root.key`, 'ec:P-256');
  const root = { cert: await issueCert(dir, `${prefix}-root`, rootKey, { profile: 'ca', days: 365 }), key: rootKey };
  const inters: Array<{ cert: string; key: string }> = [];
  let issuer = root;
  for (let i = 1; i <= intermediates; i++) {
    const key = await genKey(dir, `${prefix}-int${i}.key`, 'ec:P-256');
    const cert = await issueCert(dir, `${prefix}-int${i}`, key, { profile: 'ca', days: 365, issuer });
    issuer = { cert, key };
    inters.push(issuer);
  }
  return { root, intermediates: inters, issuer };
}
