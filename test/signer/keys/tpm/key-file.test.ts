/**
 * TSS2 key files ("ASN.1 Specification for TPM 2.0 Key Files") without a TPM: what the readers in
 * the field accept (emptyAuth as 0x01 or 0xFF, a parent INTEGER without its leading zero, the newer
 * optional fields) and what rapki refuses as aws_signing_helper does (policies, import secrets,
 * importable keys, malformed sizes). Real key files from tpm2-openssl are read in
 * tpm-key-signer.e2e.test.ts; here the DER is built field by field.
 */
import { describe, expect, it } from 'vitest';
import { explicit, integerFromBigInt, integerFromNumber, octetString, oid, sequence, tlv, utf8String } from '../../../../common/src/der/writer.js';
import { encodeTss2KeyFile } from '../../../../cli/src/ca-client/tpm-key.js';
import { marshalPublic, hostKeyTemplate } from '../../../../signer/src/keys/tpm/public-area.js';
import { parseTss2KeyFile } from '../../../../signer/src/keys/tpm/key-file.js';
import { tss2KeyOf } from '../../../../signer/src/keys/tpm/tpm-key-signer.js';

const sized = (b: Uint8Array): Buffer => Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
const PUB = sized(marshalPublic(hostKeyTemplate({ ec: 'P-256' })));
const PRIV = sized(Buffer.alloc(126, 7));
const bool = (v: number) => tlv(0x01, Buffer.of(v));
const LOADABLE = '2.23.133.10.1.3';

function keyDer(fields: { type?: string; optional?: Uint8Array[]; parent?: Uint8Array; pub?: Uint8Array; priv?: Uint8Array } = {}): Uint8Array {
  return sequence(
    oid(fields.type ?? LOADABLE),
    ...(fields.optional ?? [explicit(0, bool(0xff))]),
    fields.parent ?? integerFromNumber(0x40000001),
    octetString(fields.pub ?? PUB),
    octetString(fields.priv ?? PRIV),
  );
}

const invalid = expect.objectContaining({ code: 'tpm_key_file_invalid' });
const unsupported = expect.objectContaining({ code: 'tpm_key_unsupported' });

describe('TSS2 key files', () => {
  it('reads what rapki writes (PEM), with and without emptyAuth', () => {
    for (const emptyAuth of [true, false]) {
      const pem = encodeTss2KeyFile({ emptyAuth, parent: 0x40000001, public2b: PUB, private2b: PRIV });
      expect(pem).toMatch(/^-----BEGIN TSS2 PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+-----END TSS2 PRIVATE KEY-----\n$/);
      const k = tss2KeyOf(pem, 'k.pem');
      expect(k).toMatchObject({ emptyAuth, parent: 0x40000001, rsaParent: false });
      expect(k.public2b.equals(PUB) && k.private2b.equals(PRIV)).toBe(true);
      expect(k.publicArea.type).toBe(0x0023);
    }
  });

  it('emptyAuth TRUE written as 0x01 (tpm2-openssl) counts; absent means a password', () => {
    expect(parseTss2KeyFile(keyDer({ optional: [explicit(0, bool(0x01))] }), 'k').emptyAuth).toBe(true);
    expect(parseTss2KeyFile(keyDer({ optional: [] }), 'k').emptyAuth).toBe(false);
  });

  it('persistent parents with and without the leading zero octet; 0 means the owner hierarchy', () => {
    expect(parseTss2KeyFile(keyDer({ parent: integerFromNumber(0x81000001) }), 'k').parent).toBe(0x81000001);
    expect(parseTss2KeyFile(keyDer({ parent: tlv(0x02, Buffer.from('81000001', 'hex')) }), 'k').parent).toBe(0x81000001);
    expect(parseTss2KeyFile(keyDer({ parent: integerFromNumber(0) }), 'k').parent).toBe(0x40000001);
    expect(() => parseTss2KeyFile(keyDer({ parent: integerFromNumber(0x80000001) }), 'k')).toThrow(invalid);
    expect(() => parseTss2KeyFile(keyDer({ parent: integerFromBigInt(0x1_0000_0000n) }), 'k')).toThrow(invalid);
  });

  it('reads the newer optional fields: description, rsaParent, parentName', () => {
    const k = parseTss2KeyFile(
      keyDer({ optional: [explicit(0, bool(0xff)), explicit(4, utf8String('web-1')), explicit(5, bool(0xff)), explicit(6, octetString(Buffer.alloc(34, 1)))] }),
      'k',
    );
    expect(k).toMatchObject({ description: 'web-1', rsaParent: true });
    expect(k.parentName).toEqual(Buffer.alloc(34, 1));
  });

  it('refuses policies, import secrets, importable keys and sealed data, as the official helper', () => {
    expect(() => parseTss2KeyFile(keyDer({ optional: [explicit(1, sequence())] }), 'k')).toThrow(unsupported);
    expect(() => parseTss2KeyFile(keyDer({ optional: [explicit(2, octetString(Buffer.of(1)))] }), 'k')).toThrow(unsupported);
    expect(() => parseTss2KeyFile(keyDer({ optional: [explicit(3, sequence())] }), 'k')).toThrow(unsupported);
    expect(() => parseTss2KeyFile(keyDer({ type: '2.23.133.10.1.4' }), 'k')).toThrow(unsupported);
    expect(() => parseTss2KeyFile(keyDer({ type: '2.23.133.10.1.5' }), 'k')).toThrow(unsupported);
  });

  it.each([
    ['another OID', keyDer({ type: '1.2.3.4' })],
    ['optional fields out of order', keyDer({ optional: [explicit(4, utf8String('x')), explicit(0, bool(0xff))] })],
    ['a pubkey whose TPM2B size lies', keyDer({ pub: Buffer.concat([Buffer.from([0xff, 0xff]), PUB.subarray(2)]) })],
    ['a privkey whose TPM2B size lies', keyDer({ priv: Buffer.concat([Buffer.from([0, 1]), PRIV.subarray(2)]) })],
    ['bytes after the SEQUENCE', Buffer.concat([keyDer(), Buffer.of(0)])],
    ['a missing privkey', sequence(oid(LOADABLE), integerFromNumber(0x40000001), octetString(PUB))],
    ['not DER at all', Buffer.from('hello')],
  ])('refuses %s with tpm_key_file_invalid naming the file', (_what, der) => {
    expect(() => parseTss2KeyFile(der, '/etc/rapki/private-key.pem')).toThrow(
      expect.objectContaining({ code: 'tpm_key_file_invalid', message: expect.stringContaining('/etc/rapki/private-key.pem') }),
    );
  });

  it('a file with two TSS2 blocks is refused', () => {
    const pem = encodeTss2KeyFile({ emptyAuth: true, parent: 0x40000001, public2b: PUB, private2b: PRIV });
    expect(() => tss2KeyOf(pem + pem, 'k.pem')).toThrow(invalid);
  });
});
