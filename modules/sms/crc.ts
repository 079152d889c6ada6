/**
 * CRC-32 of ISO/IEC 13239 (the zlib/Ethernet CRC: reflected, polynomial 04C11DB7, init and final XOR
 * FFFFFFFF), the TS 102 225 §5.1.3.2 redundancy check for KID b4b3b2b1 = 0101.
 * Bitwise on purpose: a 1 KiB table is not worth it on an ESP32 for a few hundred octets per SMS.
 */
export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) {
    c ^= data[i];
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return (c ^ 0xffffffff) >>> 0;
}
