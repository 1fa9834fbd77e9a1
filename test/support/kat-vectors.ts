/**
 * The known-answer vectors of the official signing helper (test/fixtures/kat/rolesanywhere-signer-kat/
 * vectors.json): requests it signed, which the signer must reproduce and the emulator must accept.
 */
import { readFileSync } from 'node:fs';

/** One vector: the inputs of a CreateSession request and what the helper made of them. */
export interface KatVector {
  name: string;
  certificate: string;
  privateKey?: string;
  region: string;
  host: string;
  amzDate: string;
  query: { profileArn: string; roleArn: string; trustAnchorArn: string };
  contentType: string;
  body: string;
  payloadSha256?: string;
  signedHeaders: string;
  credential: string;
  canonicalRequestSha256: string;
  authorization?: string;
  signature?: string;
}

/** The folder of the vectors and the files they name (certificates, keys). */
export const KAT_DIR = new URL('../fixtures/kat/rolesanywhere-signer-kat/', import.meta.url);

/** Every vector of vectors.json. */
export function readKatVectors(): KatVector[] {
  return (JSON.parse(readFileSync(new URL('vectors.json', KAT_DIR), 'utf8')) as { vectors: KatVector[] }).vectors;
}
