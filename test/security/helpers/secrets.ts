/**
 * Secret "needles" and a grep over captured output, for the no-secrets-in-logs test.
 *
 * A secret is searched in every form a careless log line could carry it: as given, without its
 * recognisable prefix (tokens), and for private keys as base64 and hex of the PKCS#8 DER, each
 * base64 line of the PEM body, and the private scalar/exponent from the JWK export. Needles that
 * also occur in public material (certificates, chains) are dropped, since they are not secret.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';

export interface Needle {
  /** Name of the secret, e.g. "admin token". */
  readonly secret: string;
  /** Which form, e.g. "pem line 2". */
  readonly form: string;
  readonly value: string;
}

export interface Transcript {
  /** e.g. "ca serve stderr". */
  readonly label: string;
  readonly text: string;
  /** Secrets (by name) that legitimately appear here, e.g. the token in `token create` stdout. */
  readonly allowed?: readonly string[];
}

export interface Finding {
  readonly label: string;
  readonly secret: string;
  readonly form: string;
}

const b64ToHex = (b64: string): string => Buffer.from(b64, 'base64').toString('hex');
const b64urlToB64 = (s: string): string => Buffer.from(s, 'base64url').toString('base64');

/** A token or passphrase: as is, and the part after a `rapki_xx_` prefix. */
export function stringNeedles(secret: string, value: string): Needle[] {
  const out: Needle[] = [{ secret, form: 'verbatim', value }];
  const m = /^rapki_[a-z]{2}_(.+)$/.exec(value);
  if (m) out.push({ secret, form: 'token body', value: m[1]! });
  return out;
}

/** A private key, from PEM text or a KeyObject. */
export function keyNeedles(secret: string, key: string | KeyObject): Needle[] {
  const k = typeof key === 'string' ? createPrivateKey(key) : key;
  const der = k.export({ format: 'der', type: 'pkcs8' });
  const pem = k.export({ format: 'pem', type: 'pkcs8' }).toString();
  const out: Needle[] = [
    { secret, form: 'pkcs8 der base64', value: der.toString('base64') },
    { secret, form: 'pkcs8 der hex', value: der.toString('hex') },
  ];
  const body = pem.split('\n').filter((l) => l && !l.startsWith('-----'));
  body.forEach((line, i) => {
    if (line.length >= 32) out.push({ secret, form: `pem line ${i + 1}`, value: line });
  });
  const jwk = k.export({ format: 'jwk' }) as Record<string, string | undefined>;
  for (const field of ['d', 'p', 'q']) {
    const v = jwk[field];
    if (!v) continue;
    out.push({ secret, form: `jwk ${field} base64url`, value: v });
    out.push({ secret, form: `jwk ${field} base64`, value: b64urlToB64(v).replace(/=+$/, '') });
    out.push({ secret, form: `jwk ${field} hex`, value: b64ToHex(b64urlToB64(v)) });
  }
  return out;
}

/** Drops needles that occur in public material (a PEM line of a key may hold only public-key bytes). */
export function withoutPublic(needles: readonly Needle[], publicTexts: readonly string[]): Needle[] {
  const pub = publicTexts.join('\n');
  const pubB64 = publicTexts
    .join('\n')
    .split('\n')
    .filter((l) => !l.startsWith('-----'))
    .join('');
  return needles.filter((n) => !pub.includes(n.value) && !pubB64.includes(n.value));
}

/** Every (transcript, secret) pair where a needle of a not-allowed secret occurs. */
export function findSecrets(transcripts: readonly Transcript[], needles: readonly Needle[]): Finding[] {
  const findings: Finding[] = [];
  for (const t of transcripts) {
    for (const n of needles) {
      if (t.allowed?.includes(n.secret)) continue;
      if (t.text.includes(n.value)) findings.push({ label: t.label, secret: n.secret, form: n.form });
    }
  }
  return findings;
}
