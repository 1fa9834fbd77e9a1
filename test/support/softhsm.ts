/**
 * SoftHSM2 tokens for PKCS#11 tests, made with the real tools: `softhsm2-util` initializes a token
 * in a temp directory (its own SOFTHSM2_CONF), `pkcs11-tool` (OpenSC) generates key pairs on it and
 * writes certificates to it, and `openssl` issues those certificates for the token's public keys.
 * The tools are independent of rapki's PKCS#11 code, so what they put on the token is ground truth.
 *
 * Tests skip (with {@link SOFTHSM_SKIP_REASON}) only when softhsm2-util is missing; `.ci/run`
 * installs softhsm2 and opensc, so in CI they run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createPublicKey, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { genpkeyArgs, opensslSync } from './openssl.js';

/** Where distributions put the SoftHSM2 module. */
const MODULE_CANDIDATES = [
  '/usr/lib/softhsm/libsofthsm2.so',
  '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/local/lib/softhsm/libsofthsm2.so',
  '/usr/lib64/pkcs11/libsofthsm2.so',
  '/opt/homebrew/lib/softhsm/libsofthsm2.so',
];

function onPath(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** The SoftHSM2 module path, or undefined. */
export const SOFTHSM_MODULE: string | undefined = MODULE_CANDIDATES.find((p) => existsSync(p));

/** True when softhsm2-util, pkcs11-tool and the module are all present. */
export const SOFTHSM_AVAILABLE: boolean = onPath('softhsm2-util') && onPath('pkcs11-tool') && SOFTHSM_MODULE !== undefined;

export const SOFTHSM_SKIP_REASON =
  'SoftHSM2 tests skipped: softhsm2-util / pkcs11-tool (opensc) / libsofthsm2.so not found; install softhsm2 and opensc (.ci/run does)';

export const TEST_USER_PIN = '1234';
export const TEST_SO_PIN = '12345678';

export type TokenKeyType = 'rsa:2048' | 'rsa:3072' | 'EC:prime256v1' | 'EC:secp384r1';

/** A freshly initialized token in its own directory. */
export interface SoftHsmToken {
  readonly dir: string;
  /** Path of the SOFTHSM2_CONF file: put it in the environment of anything that opens the module. */
  readonly conf: string;
  readonly module: string;
  readonly label: string;
  readonly pin: string;
  /** `{ SOFTHSM2_CONF }` for child processes. */
  readonly env: Readonly<Record<string, string>>;
  cleanup(): void;
}

function tool(token: SoftHsmToken, args: string[]): string {
  return execFileSync('pkcs11-tool', ['--module', token.module, ...args], {
    env: { ...process.env, ...token.env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/**
 * Initializes a token labelled `label` (user PIN 1234, SO PIN 12345678) in a new temp directory.
 * Also sets `process.env.SOFTHSM2_CONF` (SoftHSM reads it when the module is initialized in this
 * process); vitest runs each test file in its own process (pool: forks).
 */
export function createSoftHsmToken(label = 'rapki-test', opts: { setProcessEnv?: boolean; pin?: string } = {}): SoftHsmToken {
  if (!SOFTHSM_AVAILABLE || SOFTHSM_MODULE === undefined) throw new Error(SOFTHSM_SKIP_REASON);
  const dir = mkdtempSync(join(tmpdir(), 'rapki-softhsm-'));
  mkdirSync(join(dir, 'tokens'));
  const conf = join(dir, 'softhsm2.conf');
  writeFileSync(conf, `directories.tokendir = ${join(dir, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
  const pin = opts.pin ?? TEST_USER_PIN;
  execFileSync('softhsm2-util', ['--init-token', '--free', '--label', label, '--so-pin', TEST_SO_PIN, '--pin', pin], {
    env: { ...process.env, SOFTHSM2_CONF: conf },
    stdio: 'pipe',
  });
  if (opts.setProcessEnv !== false) process.env.SOFTHSM2_CONF = conf;
  return {
    dir,
    conf,
    module: SOFTHSM_MODULE,
    label,
    pin,
    env: { SOFTHSM2_CONF: conf },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Adds a second token to the same SoftHSM directory (for multiple-token tests). */
export function addSoftHsmToken(token: SoftHsmToken, label: string): void {
  execFileSync('softhsm2-util', ['--init-token', '--free', '--label', label, '--so-pin', TEST_SO_PIN, '--pin', token.pin], {
    env: { ...process.env, ...token.env },
    stdio: 'pipe',
  });
}

/** A key pair generated on the token by pkcs11-tool; returns the public key as PEM (SPKI). */
export function generateTokenKey(
  token: SoftHsmToken,
  o: { keyType: TokenKeyType; id: string; label: string; tokenLabel?: string; alwaysAuth?: boolean },
): { publicKeyPem: string; publicKeyFile: string } {
  const base = join(token.dir, `key-${o.id}-${randomBytes(3).toString('hex')}`);
  tool(token, [
    '--token-label',
    o.tokenLabel ?? token.label,
    '--login',
    '--pin',
    token.pin,
    '--keypairgen',
    '--key-type',
    o.keyType,
    '--id',
    o.id,
    '--label',
    o.label,
    ...(o.alwaysAuth ? ['--always-auth'] : []),
  ]);
  try {
    tool(token, ['--token-label', o.tokenLabel ?? token.label, '--read-object', '--type', 'pubkey', '--id', o.id, '-o', `${base}.pub.der`]);
    opensslSync(['pkey', '-pubin', '-inform', 'DER', '-in', `${base}.pub.der`, '-out', `${base}.pub.pem`]);
  } catch (err) {
    // Some OpenSC releases cannot export P-384 keys ("cannot create EVP_PKEY"): rebuild the SPKI
    // from the EC_POINT that `pkcs11-tool --list-objects` prints.
    if (!o.keyType.startsWith('EC:')) throw err;
    const listing = tool(token, ['--token-label', o.tokenLabel ?? token.label, '--list-objects', '--type', 'pubkey', '--id', o.id]);
    // `--list-objects` may ignore --id: pick the object block whose ID line is ours.
    const block = listing.split(/\n(?=\S)/).find((b) => new RegExp(`^\\s*ID:\\s*${o.id}\\s*$`, 'im').test(b) && /EC_POINT:/.test(b));
    const hex = block === undefined ? undefined : /EC_POINT:\s*([0-9a-f]+)/i.exec(block)?.[1];
    if (hex === undefined) throw err;
    const octets = Buffer.from(hex, 'hex');
    const point = octets[0] === 0x04 && octets[2] === 0x04 ? octets.subarray(2) : octets;
    const size = (point.length - 1) / 2;
    const crv = size === 32 ? 'P-256' : 'P-384';
    const pem = createPublicKey({
      key: { kty: 'EC', crv, x: point.subarray(1, 1 + size).toString('base64url'), y: point.subarray(1 + size).toString('base64url') },
      format: 'jwk',
    }).export({ type: 'spki', format: 'pem' });
    writeFileSync(`${base}.pub.pem`, pem);
  }
  return { publicKeyPem: readFileSync(`${base}.pub.pem`, 'utf8'), publicKeyFile: `${base}.pub.pem` };
}

/**
 * Issues a leaf certificate for `publicKeyFile` from the CA (`caCert`/`caKey`, PEM files) with
 * openssl: a throwaway CSR supplies the subject, `-force_pubkey` puts the token's key in.
 */
export function issueCertificateForPublicKey(
  dir: string,
  o: { caCert: string; caKey: string; publicKeyFile: string; cn: string },
): { certFile: string; derFile: string; certPem: string } {
  const base = join(dir, `cert-${o.cn.replace(/[^A-Za-z0-9-]/g, '_')}-${randomBytes(3).toString('hex')}`);
  const run = (args: string[]): void => void opensslSync(args);
  run([...genpkeyArgs('ec:P-256'), '-out', `${base}.throwaway.key`]);
  run(['req', '-new', '-key', `${base}.throwaway.key`, '-subj', `/CN=${o.cn}`, '-out', `${base}.csr`]);
  writeFileSync(`${base}.ext`, 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n');
  run([
    'x509',
    '-req',
    '-in',
    `${base}.csr`,
    '-force_pubkey',
    o.publicKeyFile,
    '-CA',
    o.caCert,
    '-CAkey',
    o.caKey,
    '-set_serial',
    `0x52${randomBytes(15).toString('hex')}`,
    '-days',
    '1',
    '-sha256',
    '-extfile',
    `${base}.ext`,
    '-out',
    `${base}.pem`,
  ]);
  run(['x509', '-in', `${base}.pem`, '-outform', 'DER', '-out', `${base}.der`]);
  return { certFile: `${base}.pem`, derFile: `${base}.der`, certPem: readFileSync(`${base}.pem`, 'utf8') };
}

/** Writes a DER certificate to the token as a public CKO_CERTIFICATE object with CKA_ID `id`. */
export function writeTokenCertificate(token: SoftHsmToken, o: { derFile: string; id: string; label: string; tokenLabel?: string }): void {
  tool(token, [
    '--token-label',
    o.tokenLabel ?? token.label,
    '--login',
    '--pin',
    token.pin,
    '--write-object',
    o.derFile,
    '--type',
    'cert',
    '--id',
    o.id,
    '--label',
    o.label,
  ]);
}

/** A key pair on the token and the certificate openssl issued for it. */
export interface TokenIdentity {
  readonly certFile: string;
  readonly derFile: string;
  readonly certPem: string;
  readonly publicKeyFile: string;
}

/**
 * The usual fixture of the PKCS#11 tests in one call: a key pair labelled `<name>-key` with CKA_ID
 * `id` ({@link generateTokenKey}), a certificate for it with CN `cn` from `ca`
 * ({@link issueCertificateForPublicKey}) and, unless `onToken` is false, that certificate on the
 * token as `<name>-cert` with the same CKA_ID ({@link writeTokenCertificate}).
 */
export function addTokenIdentity(
  token: SoftHsmToken,
  dir: string,
  o: {
    name: string;
    keyType: TokenKeyType;
    id: string;
    cn: string;
    ca: { readonly cert: string; readonly key: string };
    onToken?: boolean;
    alwaysAuth?: boolean;
  },
): TokenIdentity {
  const { publicKeyFile } = generateTokenKey(token, { keyType: o.keyType, id: o.id, label: `${o.name}-key`, ...(o.alwaysAuth ? { alwaysAuth: true } : {}) });
  const cert = issueCertificateForPublicKey(dir, { caCert: o.ca.cert, caKey: o.ca.key, publicKeyFile, cn: o.cn });
  if (o.onToken !== false) writeTokenCertificate(token, { derFile: cert.derFile, id: o.id, label: `${o.name}-cert` });
  return { ...cert, publicKeyFile };
}
