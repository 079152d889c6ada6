/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), the check the journal uses to tell a torn
 * or decayed record from a whole one. It is not an authenticity check: the AEAD above provides that.
 */
let table: Uint32Array | null = null;

function makeTable(): Uint32Array {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
}

/** Continues a CRC over `data[start, end)`; start a new one with `crc = 0`. */
export function crc32(data: Uint8Array, crc = 0, start = 0, end = data.length): number {
  const t = table ?? (table = makeTable());
  let c = ~crc >>> 0;
  for (let i = start; i < end; i++) c = t[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}
