/**
 * SHA-256 (FIPS 180-4 §6.2) in plain TypeScript, for the credential cache's hit path only.
 *
 * Why not node:crypto: importing it loads about forty internal modules (the crypto family plus the
 * whole streams stack), several milliseconds of every `credential-process` start — a large share of
 * the cache-hit budget (goal: <= 1.15x a bare node start, bench/credential-process.bench.mjs). The
 * inputs here are a few KiB (certificate, key and bundle files, the key fields), where this is fast
 * enough. It is checked against node:crypto on random inputs and the FIPS 180-2 examples in the
 * tests. Everything else in rapki keeps using node:crypto.
 */

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74,
  0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d,
  0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e,
  0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5,
  0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

/** Lower-case hex SHA-256 of `data` (strings are hashed as UTF-8). */
export function sha256Hex(data: Uint8Array | string): string {
  let hex = '';
  for (const v of sha256Words(data)) hex += (v >>> 0).toString(16).padStart(8, '0');
  return hex;
}

/** The 32-byte SHA-256 digest of `data`. */
export function sha256Bytes(data: Uint8Array | string): Uint8Array {
  const out = new Uint8Array(32);
  sha256Words(data).forEach((v, i) => {
    out[i * 4] = v >>> 24;
    out[i * 4 + 1] = (v >>> 16) & 0xff;
    out[i * 4 + 2] = (v >>> 8) & 0xff;
    out[i * 4 + 3] = v & 0xff;
  });
  return out;
}

/** Lower-case hex HMAC-SHA-256 (RFC 2104) of `message` under `key` (strings as UTF-8). */
export function hmacSha256Hex(key: Uint8Array | string, message: Uint8Array | string): string {
  const enc = new TextEncoder();
  let k = typeof key === 'string' ? enc.encode(key) : key;
  if (k.length > 64) k = sha256Bytes(k);
  const m = typeof message === 'string' ? enc.encode(message) : message;
  const inner = new Uint8Array(64 + m.length);
  const outer = new Uint8Array(64 + 32);
  for (let i = 0; i < 64; i++) {
    const b = k[i] ?? 0;
    inner[i] = b ^ 0x36;
    outer[i] = b ^ 0x5c;
  }
  inner.set(m, 64);
  outer.set(sha256Bytes(inner), 64);
  inner.fill(0);
  return sha256Hex(outer);
}

function sha256Words(data: Uint8Array | string): readonly number[] {
  const msg = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const bitLen = msg.length * 8;
  // Padding: 0x80, zeros, 64-bit big-endian length; total a multiple of 64 bytes.
  const p = new Uint8Array(((msg.length + 9 + 63) >> 6) << 6);
  p.set(msg);
  p[msg.length] = 0x80;
  const hi = Math.floor(bitLen / 0x1_0000_0000);
  const lo = bitLen >>> 0;
  const n = p.length;
  p[n - 8] = hi >>> 24;
  p[n - 7] = (hi >>> 16) & 0xff;
  p[n - 6] = (hi >>> 8) & 0xff;
  p[n - 5] = hi & 0xff;
  p[n - 4] = lo >>> 24;
  p[n - 3] = (lo >>> 16) & 0xff;
  p[n - 2] = (lo >>> 8) & 0xff;
  p[n - 1] = lo & 0xff;

  // Rotations are written inline (no helper calls): this runs once per process, mostly in the
  // interpreter, where calls dominate.
  let h0 = 0x6a09e667,
    h1 = 0xbb67ae85,
    h2 = 0x3c6ef372,
    h3 = 0xa54ff53a;
  let h4 = 0x510e527f,
    h5 = 0x9b05688c,
    h6 = 0x1f83d9ab,
    h7 = 0x5be0cd19;
  const W = new Int32Array(64);
  for (let off = 0; off < n; off += 64) {
    for (let t = 0, j = off; t < 16; t++, j += 4) W[t] = (p[j]! << 24) | (p[j + 1]! << 16) | (p[j + 2]! << 8) | p[j + 3]!;
    for (let t = 16; t < 64; t++) {
      const x = W[t - 15]!;
      const y = W[t - 2]!;
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      W[t] = (W[t - 16]! + s0 + W[t - 7]! + s1) | 0;
    }
    let a = h0,
      b = h1,
      c = h2,
      d = h3,
      e = h4,
      f = h5,
      g = h6,
      h = h7;
    for (let t = 0; t < 64; t++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[t]! + W[t]!) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      h = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + b) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0;
    h5 = (h5 + f) | 0;
    h6 = (h6 + g) | 0;
    h7 = (h7 + h) | 0;
  }
  return [h0, h1, h2, h3, h4, h5, h6, h7];
}
