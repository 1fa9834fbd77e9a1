/**
 * openssl-made PKI fixtures for emulator tests: CAs (root, intermediate), leaves with chosen key
 * usage, basicConstraints, digest and validity, and CRLs. openssl is the independent maker, so the
 * emulator's parser is checked against certificates it did not produce itself.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { genpkeyArgs, opensslSync as openssl, opensslTime } from './openssl.js';

export type KeyType = 'ec' | 'rsa';

export interface TestCa {
  dir: string;
  name: string;
  certPath: string;
  keyPath: string;
  certPem: string;
  configPath: string;
}

export interface TestLeaf {
  certPath: string;
  keyPath: string;
  certPem: string;
  keyPem: string;
  /** Lower-case hex serial as openssl prints it. */
  serialHex: string;
}

function genKey(path: string, type: KeyType): void {
  openssl([...genpkeyArgs(type === 'ec' ? 'ec:P-256' : 'rsa:2048'), '-out', path]);
}

function caConfig(dir: string, name: string): string {
  return `[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = ${name}
O = rapki tests
[ v3_ca ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ ca ]
default_ca = testca
[ testca ]
dir = ${dir}
database = ${dir}/index.txt
new_certs_dir = ${dir}/newcerts
serial = ${dir}/serial
crlnumber = ${dir}/crlnumber
certificate = ${dir}/ca.pem
private_key = ${dir}/ca.key
default_md = sha256
default_days = 30
default_crl_days = 7
policy = anything
unique_subject = no
copy_extensions = none
email_in_dn = no
[ anything ]
commonName = supplied
organizationName = optional
organizationalUnitName = optional
`;
}

function initCaDir(dir: string, name: string): string {
  mkdirSync(join(dir, 'newcerts'), { recursive: true });
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), `${(randomBytes(8)[0]! & 0x7f).toString(16).padStart(2, '0')}${randomBytes(11).toString('hex')}\n`);
  writeFileSync(join(dir, 'crlnumber'), '01\n');
  const configPath = join(dir, 'ca.cnf');
  writeFileSync(configPath, caConfig(dir, name));
  return configPath;
}

/** A self-signed root CA (v3, CA:TRUE, keyCertSign+cRLSign, SHA-256). */
export function makeRootCa(dir: string, name: string, keyType: KeyType = 'ec'): TestCa {
  const configPath = initCaDir(dir, name);
  const keyPath = join(dir, 'ca.key');
  const certPath = join(dir, 'ca.pem');
  genKey(keyPath, keyType);
  openssl(['req', '-config', configPath, '-new', '-x509', '-key', keyPath, '-out', certPath, '-days', '365', '-sha256', '-extensions', 'v3_ca']);
  return { dir, name, certPath, keyPath, configPath, certPem: readFileSync(certPath, 'utf8') };
}

/** An intermediate CA signed by `parent`. */
export function makeIntermediateCa(dir: string, name: string, parent: TestCa, keyType: KeyType = 'ec'): TestCa {
  const configPath = initCaDir(dir, name);
  const keyPath = join(dir, 'ca.key');
  const certPath = join(dir, 'ca.pem');
  const csr = join(dir, 'ca.csr');
  genKey(keyPath, keyType);
  openssl(['req', '-config', configPath, '-new', '-key', keyPath, '-out', csr]);
  openssl([
    'ca',
    '-batch',
    '-notext',
    '-config',
    parent.configPath,
    '-in',
    csr,
    '-out',
    certPath,
    '-extfile',
    configPath,
    '-extensions',
    'v3_ca',
    '-days',
    '200',
  ]);
  return { dir, name, certPath, keyPath, configPath, certPem: readFileSync(certPath, 'utf8') };
}

export interface LeafOptions {
  cn?: string;
  keyType?: KeyType;
  /** keyUsage value for the extension file; `null` omits the extension. */
  keyUsage?: string | null;
  ca?: boolean;
  md?: 'sha256' | 'sha384' | 'sha1';
  notBefore?: Date;
  notAfter?: Date;
  san?: string;
  /** Extra subject RDNs after CN, e.g. `/OU=a/OU=b` (openssl -subj form). */
  extraSubject?: string;
}

let leafCounter = 0;

/** A leaf certificate issued by `ca` through `openssl ca`. */
export function makeLeaf(ca: TestCa, opts: LeafOptions = {}): TestLeaf {
  const n = ++leafCounter;
  const base = join(ca.dir, `leaf${n}`);
  const keyPath = `${base}.key`;
  const certPath = `${base}.pem`;
  genKey(keyPath, opts.keyType ?? 'ec');
  const subj = `/CN=${opts.cn ?? `host${n}.example.test`}/O=rapki tests${opts.extraSubject ?? ''}`;
  openssl(['req', '-new', '-key', keyPath, '-subj', subj, '-out', `${base}.csr`]);
  const ext = [`basicConstraints = critical,CA:${opts.ca ? 'TRUE' : 'FALSE'}`];
  const ku = opts.keyUsage === undefined ? (opts.ca ? 'critical,keyCertSign,digitalSignature' : 'critical,digitalSignature') : opts.keyUsage;
  if (ku !== null) ext.push(`keyUsage = ${ku}`);
  if (opts.san) ext.push(`subjectAltName = ${opts.san}`);
  writeFileSync(`${base}.ext`, `[ leaf ]\n${ext.join('\n')}\n`);
  const notBefore = opts.notBefore ?? new Date(Date.now() - 60_000);
  const notAfter = opts.notAfter ?? new Date(Date.now() + 24 * 3600_000);
  openssl([
    'ca',
    '-batch',
    '-notext',
    '-config',
    ca.configPath,
    '-in',
    `${base}.csr`,
    '-out',
    certPath,
    '-extfile',
    `${base}.ext`,
    '-extensions',
    'leaf',
    '-md',
    opts.md ?? 'sha256',
    '-startdate',
    opensslTime(notBefore),
    '-enddate',
    opensslTime(notAfter),
  ]);
  const serialHex = openssl(['x509', '-in', certPath, '-noout', '-serial'])
    .trim()
    .replace(/^serial=/, '')
    .toLowerCase();
  return { certPath, keyPath, certPem: readFileSync(certPath, 'utf8'), keyPem: readFileSync(keyPath, 'utf8'), serialHex };
}

/** Revokes `certPath` in the CA database (call `makeCrl` afterwards). */
export function revoke(ca: TestCa, certPath: string): void {
  openssl(['ca', '-batch', '-config', ca.configPath, '-revoke', certPath]);
}

/** A PEM CRL of everything revoked so far in `ca`. */
export function makeCrl(ca: TestCa): string {
  const out = join(ca.dir, `crl-${++leafCounter}.pem`);
  openssl(['ca', '-batch', '-config', ca.configPath, '-gencrl', '-out', out]);
  return readFileSync(out, 'utf8');
}

/**
 * Turns any certificate + key into an issuer for `makeLeaf` (e.g. a non-CA leaf, to test that
 * verifiers refuse paths through certificates that are not CAs). openssl ca does not check it.
 */
export function issuerFrom(dir: string, name: string, certPath: string, keyPath: string): TestCa {
  const configPath = initCaDir(dir, name);
  copyFileSync(certPath, join(dir, 'ca.pem'));
  copyFileSync(keyPath, join(dir, 'ca.key'));
  return { dir, name, certPath: join(dir, 'ca.pem'), keyPath: join(dir, 'ca.key'), configPath, certPem: readFileSync(certPath, 'utf8') };
}
