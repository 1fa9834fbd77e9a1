/**
 * TPM 2.0 command marshaling and response parsing without a TPM: byte layouts written out from the
 * Part 3 command tables, response codes decoded as Part 2 §6.6 says, and malformed responses refused
 * with a coded error instead of a read past the end (seeded random truncations and corruptions).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as cmd from '../../../../signer/src/keys/tpm/commands.js';
import { TPM_RH_OWNER } from '../../../../signer/src/keys/tpm/constants.js';
import {
  hostKeyTemplate,
  marshalPublic,
  objectName,
  publicFromTpm2b,
  storagePrimaryTemplate,
  unmarshalPublic,
} from '../../../../signer/src/keys/tpm/public-area.js';
import { TpmReader } from '../../../../signer/src/keys/tpm/marshal.js';
import { describeRc, rcBase, rcSubject } from '../../../../signer/src/keys/tpm/tpm-client.js';
import { isRapkiError } from '../../../../common/src/errors.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('command bytes', () => {
  it('TPM2_FlushContext and TPM2_ReadPublic (no sessions)', () => {
    // tag 8001, size 14, code 00000165, flushHandle 80000001
    expect(hex(cmd.marshalCommand(cmd.flushContext(0x80000001)))).toBe('80010000000e0000016580000001');
    // tag 8001, size 14, code 00000173, objectHandle 81000001
    expect(hex(cmd.marshalCommand(cmd.readPublic(0x81000001)))).toBe('80010000000e0000017381000001');
  });

  it('TPM2_Sign with a password session: handle, authorization area, digest, scheme, NULL ticket', () => {
    const digest = Buffer.alloc(32, 0xab);
    const bytes = cmd.marshalCommand(cmd.sign(0x80000002, Buffer.from('pw'), digest, 0x0018, 0x000b));
    const expected =
      '8002' +
      (10 + 4 + 4 + 11 + 2 + 32 + 4 + 8).toString(16).padStart(8, '0') +
      '0000015d' +
      '80000002' +
      '0000000b' +
      '40000009' +
      '0000' +
      '01' +
      '0002' +
      '7077' + // auth size 11: TPM_RS_PW, empty nonce, continueSession, hmac "pw"
      '0020' +
      'ab'.repeat(32) +
      '0018' +
      '000b' + // ECDSA, SHA-256
      '8024' +
      '40000007' +
      '0000'; // TPMT_TK_HASHCHECK: TPM_ST_HASHCHECK, TPM_RH_NULL, empty digest
    expect(hex(bytes)).toBe(expected);
  });

  it('TPM2_CreatePrimary under the owner hierarchy with the standard ECC storage template', () => {
    const bytes = cmd.marshalCommand(cmd.createPrimary(TPM_RH_OWNER, storagePrimaryTemplate(false)));
    const template =
      '0023' +
      '000b' +
      '00030472' +
      '0000' + // ECC, SHA-256, fixedTPM|fixedParent|sensitiveDataOrigin|userWithAuth|noDA|restricted|decrypt, no policy
      '0006' +
      '0080' +
      '0043' + // AES-128-CFB
      '0010' +
      '0003' +
      '0010' + // scheme NULL, NIST P-256, kdf NULL
      '0000' +
      '0000'; // empty unique
    const params = '0004' + '0000' + '0000' + (template.length / 2).toString(16).padStart(4, '0') + template + '0000' + '00000000';
    const body = '40000001' + '00000009' + '40000009' + '0000' + '01' + '0000' + params;
    expect(hex(bytes)).toBe('8002' + (10 + body.length / 2).toString(16).padStart(8, '0') + '00000131' + body);
  });

  it('TPM2_EvictControl names the owner (authorized) and the object', () => {
    expect(hex(cmd.marshalCommand(cmd.evictControl(0x80000001, 0x81000010)))).toBe(
      '8002' + '00000023' + '00000120' + '40000001' + '80000001' + '00000009' + '40000009' + '0000' + '01' + '0000' + '81000010',
    );
  });
});

describe('public areas', () => {
  it('round-trip RSA and ECC templates; the Name is nameAlg ‖ SHA-256(TPMT_PUBLIC)', () => {
    for (const t of [storagePrimaryTemplate(true), storagePrimaryTemplate(false), hostKeyTemplate({ ec: 'P-384' }), hostKeyTemplate({ rsaBits: 2048 })]) {
      const m = marshalPublic(t);
      expect(unmarshalPublic(new TpmReader(m, 't'))).toEqual(t);
      const name = objectName(t);
      expect(hex(name.subarray(0, 2))).toBe('000b');
      expect(name).toHaveLength(34);
    }
  });

  it('refuses trailing bytes, a short TPM2B and an unknown object type', () => {
    const m = marshalPublic(hostKeyTemplate({ ec: 'P-256' }));
    const sized = (b: Buffer) => Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
    expect(() => publicFromTpm2b(sized(Buffer.concat([m, Buffer.of(0)])), 'x')).toThrow(expect.objectContaining({ code: 'tpm_response_invalid' }));
    expect(() => publicFromTpm2b(sized(m).subarray(0, 10), 'x')).toThrow(expect.objectContaining({ code: 'tpm_response_invalid' }));
    const keyedHash = Buffer.from(m);
    keyedHash.writeUInt16BE(0x0008, 0);
    expect(() => publicFromTpm2b(sized(keyedHash), 'x')).toThrow(expect.objectContaining({ code: 'tpm_key_unsupported' }));
  });
});

describe('response codes (Part 2 §6.6)', () => {
  it.each([
    [0x98e, 0x08e, 'session', 1, 'TPM_RC_AUTH_FAIL'],
    [0x9a2, 0x0a2, 'session', 1, 'TPM_RC_BAD_AUTH'],
    [0x18b, 0x08b, 'handle', 1, 'TPM_RC_HANDLE'],
    [0x1df, 0x09f, 'parameter', 1, 'TPM_RC_INTEGRITY'],
    [0x2c4, 0x084, 'parameter', 2, 'TPM_RC_VALUE'],
  ] as const)('0x%s → base, subject and name', (rc, base, kind, n, name) => {
    expect(rcBase(rc)).toBe(base);
    expect(rcSubject(rc)).toEqual({ kind, n });
    expect(describeRc(rc)).toBe(`${name} (0x${rc.toString(16)}, ${kind} ${n})`);
  });

  it('format-zero codes and warnings keep their value; layer codes stay whole', () => {
    expect(rcBase(0x921)).toBe(0x921);
    expect(rcSubject(0x921)).toBeUndefined();
    expect(describeRc(0x921)).toBe('TPM_RC_LOCKOUT (0x921)');
    expect(rcBase(0x902)).toBe(0x902);
    expect(rcBase(0x000b0101)).toBe(0x000b0101);
  });
});

describe('responses', () => {
  const signCmd = cmd.sign(0x80000001, Buffer.alloc(0), Buffer.alloc(32), 0x18, 0x0b);
  /** A TPM2_Sign success: ECDSA/SHA-256 with 32-byte r and s, then an empty password-session response. */
  function signResponse(): Buffer {
    const params = Buffer.concat([Buffer.from('0018000b0020', 'hex'), Buffer.alloc(32, 1), Buffer.from('0020', 'hex'), Buffer.alloc(32, 2)]);
    const session = Buffer.from('0000010000', 'hex');
    const body = Buffer.concat([Buffer.from([0, 0, 0, params.length]), params, session]);
    const head = Buffer.alloc(10);
    head.writeUInt16BE(0x8002, 0);
    head.writeUInt32BE(10 + body.length, 2);
    return Buffer.concat([head, body]);
  }

  it('parses a well-formed TPM2_Sign response', () => {
    const sig = cmd.parseSign(signResponse(), signCmd);
    expect(sig).toMatchObject({ kind: 'ecdsa', hashAlg: 0x0b });
    expect(sig.kind === 'ecdsa' && [sig.r.length, sig.s.length]).toEqual([32, 32]);
  });

  it('any truncation or corruption is a coded error or a parse, never an out-of-range read (seed 1515)', () => {
    const good = signResponse();
    fc.assert(
      fc.property(fc.nat(good.length - 1), fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), (cut, flips) => {
        const bad = Buffer.from(good.subarray(0, cut + 1));
        for (const [i, v] of flips) if (i < bad.length) bad[i] = v;
        try {
          cmd.responseCode(bad, 'r');
          cmd.parseSign(bad, signCmd);
        } catch (err) {
          if (!isRapkiError(err) || !String(err.code).startsWith('tpm_')) throw err;
        }
      }),
      { seed: 1515, numRuns: 2000 },
    );
  });
});
