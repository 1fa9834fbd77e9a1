import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { readCertificateData } from '../../signer/src/certificate-data.js';

const kat = new URL('../fixtures/kat/rolesanywhere-signer-kat/', import.meta.url);

describe('readCertificateData', () => {
  it('describes the RSA KAT certificate as the helper does', async () => {
    const der = new X509Certificate(await readFile(new URL('alice-cert.crt', kat))).raw;
    expect(readCertificateData(der)).toEqual({
      keyType: 'RSA',
      certificateData: der.toString('base64'),
      serialNumber: '21',
      supportedAlgorithms: ['RSASHA256', 'RSASHA384', 'RSASHA512'],
    });
  });
  it('describes the EC KAT certificate', async () => {
    const der = new X509Certificate(await readFile(new URL('alice-cert-ecc.crt', kat))).raw;
    const data = readCertificateData(der);
    expect(data.keyType).toBe('EC');
    expect(data.serialNumber).toBe('3');
    expect(data.supportedAlgorithms).toEqual(['ECSHA256', 'ECSHA384', 'ECSHA512']);
    expect(data.certificateData).not.toContain('\n');
  });
  it('refuses garbage', () => {
    expect(() => readCertificateData(Buffer.from('3003020101', 'hex'))).toThrow(expect.objectContaining({ code: 'certificate_unparsable' }));
  });
});
