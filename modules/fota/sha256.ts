/**
 * Incremental SHA-256 (FIPS 180-4 §6.2). The CryptoProvider hashes one buffer at a time; an image
 * is hashed straight from flash, a sector at a time, so the payload never has to sit in RAM whole.
 * State lives in the instance (preload-safe); the round constants table is built on first use.
 */
let K: Uint32Array | null = null;

function constants(): Uint32Array {
  if (K) return K;
  // First 32 bits of the fractional parts of the cube roots of the first 64 primes (§4.2.2).
  const k = new Uint32Array(64);
  let n = 0;
  for (let p = 2; n < 64; p++) {
    let prime = true;
    for (let d = 2; d * d <= p; d++) if (p % d === 0) prime = false;
    if (!prime) continue;
    const c = Math.cbrt(p);
    k[n++] = Math.floor((c - Math.floor(c)) * 0x100000000) >>> 0;
  }
  K = k;
  return k;
}

const IV = Object.freeze([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

export class Sha256 {
  private readonly h = new Uint32Array(8);
  private readonly w = new Uint32Array(64);
  private readonly buf = new Uint8Array(64);
  private bufLen = 0;
  private total = 0;

  constructor() {
    this.reset();
  }

  reset(): this {
    for (let i = 0; i < 8; i++) this.h[i] = IV[i];
    this.bufLen = 0;
    this.total = 0;
    return this;
  }

  update(data: Uint8Array, offset = 0, length = data.length - offset): this {
    const end = offset + length;
    this.total += length;
    let i = offset;
    if (this.bufLen > 0) {
      const take = Math.min(64 - this.bufLen, end - i);
      this.buf.set(data.subarray(i, i + take), this.bufLen);
      this.bufLen += take;
      i += take;
      if (this.bufLen === 64) {
        this.block(this.buf, 0);
        this.bufLen = 0;
      }
    }
    for (; i + 64 <= end; i += 64) this.block(data, i);
    if (i < end) {
      this.buf.set(data.subarray(i, end), 0);
      this.bufLen = end - i;
    }
    return this;
  }

  digest(): Uint8Array {
    const bits = this.total * 8;
    const pad = new Uint8Array(((this.bufLen + 9 + 63) & ~63) - this.bufLen);
    pad[0] = 0x80;
    const hi = Math.floor(bits / 0x100000000);
    const lo = bits >>> 0;
    const n = pad.length;
    pad[n - 8] = hi >>> 24;
    pad[n - 7] = (hi >>> 16) & 0xff;
    pad[n - 6] = (hi >>> 8) & 0xff;
    pad[n - 5] = hi & 0xff;
    pad[n - 4] = lo >>> 24;
    pad[n - 3] = (lo >>> 16) & 0xff;
    pad[n - 2] = (lo >>> 8) & 0xff;
    pad[n - 1] = lo & 0xff;
    const total = this.total;
    this.update(pad);
    this.total = total;
    const out = new Uint8Array(32);
    for (let i = 0; i < 8; i++) {
      out[i * 4] = this.h[i] >>> 24;
      out[i * 4 + 1] = (this.h[i] >>> 16) & 0xff;
      out[i * 4 + 2] = (this.h[i] >>> 8) & 0xff;
      out[i * 4 + 3] = this.h[i] & 0xff;
    }
    return out;
  }

  private block(d: Uint8Array, o: number): void {
    const k = constants();
    const w = this.w;
    for (let t = 0; t < 16; t++) w[t] = ((d[o + t * 4] << 24) | (d[o + t * 4 + 1] << 16) | (d[o + t * 4 + 2] << 8) | d[o + t * 4 + 3]) >>> 0;
    for (let t = 16; t < 64; t++) {
      const a = w[t - 15];
      const b = w[t - 2];
      const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
      const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
      w[t] = (w[t - 16] + s0 + w[t - 7] + s1) >>> 0;
    }
    let a = this.h[0], b = this.h[1], c = this.h[2], dd = this.h[3], e = this.h[4], f = this.h[5], g = this.h[6], h = this.h[7];
    for (let t = 0; t < 64; t++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const ch = (e & f) ^ (~e & g);
      const t1 = (h + S1 + ch + k[t] + w[t]) >>> 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (S0 + maj) >>> 0;
      h = g;
      g = f;
      f = e;
      e = (dd + t1) >>> 0;
      dd = c;
      c = b;
      b = a;
      a = (t1 + t2) >>> 0;
    }
    this.h[0] += a;
    this.h[1] += b;
    this.h[2] += c;
    this.h[3] += dd;
    this.h[4] += e;
    this.h[5] += f;
    this.h[6] += g;
    this.h[7] += h;
  }
}
