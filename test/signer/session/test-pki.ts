/**
 * Test PKI made with `openssl` at test time: a root CA, an intermediate, and leaf certificates of
 * each key type Roles Anywhere accepts. Shared by the session, provider and CLI tests.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { genpkeyArgs, opensslSync, opensslTime, type KeySpec } from '../../support/openssl.js';

export type LeafKind = 'rsa2048' | 'rsa3072' | 'rsa4096' | 'p256' | 'p384';

export interface Leaf {
  readonly kind: LeafKind;
  readonly certFile: string;
  readonly keyFile: string;
  /** Intermediates bundle when issued by the intermediate. */
  readonly chainFile?: string;
  readonly serialHex: string;
}

const openssl = (args: string[], cwd: string): void => void opensslSync(args, { cwd });

const KEY_SPECS: Record<LeafKind, KeySpec & `${string}:${string}`> = {
  rsa2048: 'rsa:2048',
  rsa3072: 'rsa:3072',
  rsa4096: 'rsa:4096',
  p256: 'ec:P-256',
  p384: 'ec:P-384',
};

export class TestPki {
  readonly rootCert: string;
  readonly rootKey: string;
  readonly interCert: string;
  readonly interKey: string;
  private n = 0;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.rootKey = join(dir, 'root.key');
    this.rootCert = join(dir, 'root.pem');
    openssl(
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        this.rootKey,
        '-out',
        this.rootCert,
        '-days',
        '3',
        '-subj',
        '/CN=rapki test root',
        '-sha256',
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
      ],
      dir,
    );
    this.interKey = join(dir, 'inter.key');
    this.interCert = join(dir, 'inter.pem');
    writeFileSync(join(dir, 'ca.ext'), 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n');
    openssl([...genpkeyArgs('ec:P-256'), '-out', this.interKey], dir);
    openssl(['req', '-new', '-key', this.interKey, '-subj', '/CN=rapki test intermediate', '-out', join(dir, 'inter.csr')], dir);
    openssl(
      [
        'x509',
        '-req',
        '-in',
        join(dir, 'inter.csr'),
        '-CA',
        this.rootCert,
        '-CAkey',
        this.rootKey,
        '-set_serial',
        '0x1001',
        '-days',
        '3',
        '-sha256',
        '-extfile',
        join(dir, 'ca.ext'),
        '-out',
        this.interCert,
      ],
      dir,
    );
    writeFileSync(join(dir, 'leaf.ext'), 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n');
  }

  /** Root PEM text (trust anchor of the verifier). */
  rootPem(): string {
    return readFileSync(this.rootCert, 'utf8');
  }

  /** Issues a leaf of `kind` (valid one day), from the root or (withChain) from the intermediate. */
  leaf(kind: LeafKind, opts: { withChain?: boolean; serialHex?: string; ext?: string; digest?: string; notBefore?: Date; notAfter?: Date } = {}): Leaf {
    const id = `leaf${++this.n}-${kind}`;
    const keyFile = join(this.dir, `${id}.key`);
    const certFile = join(this.dir, `${id}.pem`);
    const serialHex = opts.serialHex ?? `51${randomBytes(15).toString('hex')}`;
    openssl([...genpkeyArgs(KEY_SPECS[kind]), '-out', keyFile], this.dir);
    openssl(['req', '-new', '-key', keyFile, '-subj', `/CN=${id}`, '-out', join(this.dir, `${id}.csr`)], this.dir);
    let extFile = join(this.dir, 'leaf.ext');
    if (opts.ext !== undefined) {
      extFile = join(this.dir, `${id}.ext`);
      writeFileSync(extFile, opts.ext);
    }
    const [ca, caKey] = opts.withChain ? [this.interCert, this.interKey] : [this.rootCert, this.rootKey];
    if (opts.notBefore || opts.notAfter) {
      // `openssl x509 -req` cannot back-date; `openssl ca` takes explicit dates.
      const caDir = join(this.dir, `${id}-ca`);
      mkdirSync(join(caDir, 'new'), { recursive: true });
      writeFileSync(join(caDir, 'index.txt'), '');
      writeFileSync(join(caDir, 'serial'), `${serialHex.length % 2 ? '0' : ''}${serialHex}\n`);
      writeFileSync(
        join(caDir, 'ca.cnf'),
        `[ca]\ndefault_ca=d\n[d]\ndatabase=${caDir}/index.txt\nnew_certs_dir=${caDir}/new\nserial=${caDir}/serial\npolicy=p\n` +
          'default_md=sha256\nunique_subject=no\n[p]\ncommonName=supplied\n',
      );
      openssl(
        [
          'ca',
          '-batch',
          '-config',
          join(caDir, 'ca.cnf'),
          '-in',
          join(this.dir, `${id}.csr`),
          '-cert',
          ca,
          '-keyfile',
          caKey,
          '-startdate',
          opensslTime(opts.notBefore ?? new Date(Date.now() - 3600_000)),
          '-enddate',
          opensslTime(opts.notAfter ?? new Date(Date.now() + 86400_000)),
          '-md',
          opts.digest ?? 'sha256',
          '-extfile',
          extFile,
          '-notext',
          '-out',
          certFile,
        ],
        this.dir,
      );
    } else {
      openssl(
        [
          'x509',
          '-req',
          '-in',
          join(this.dir, `${id}.csr`),
          '-CA',
          ca,
          '-CAkey',
          caKey,
          '-set_serial',
          `0x${serialHex}`,
          '-days',
          '1',
          `-${opts.digest ?? 'sha256'}`,
          '-extfile',
          extFile,
          '-out',
          certFile,
        ],
        this.dir,
      );
    }
    return { kind, certFile, keyFile, serialHex, ...(opts.withChain ? { chainFile: this.interCert } : {}) };
  }
}

/** Well-formed ARNs for the loopback region. */
export const ARNS = {
  trustAnchorArn: 'arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/0b6a1e34-5c9d-4c39-9a3b-4f8a1c2d3e4f',
  profileArn: 'arn:aws:rolesanywhere:us-east-1:123456789012:profile/7f9e8d7c-6b5a-4948-8372-615049382716',
  roleArn: 'arn:aws:iam::123456789012:role/rapki-test',
} as const;
