/**
 * TS 23.038 §6.2.1 GSM 7-bit default alphabet and §6.2.1.1 extension table, with the §6.1.2.1 packing.
 * Needed for alphanumeric originators (TS 23.040 §9.1.2.5) and to classify 7-bit user data.
 */
import { SmsFormatError } from './errors';

// Index = septet value. Written with escapes so the table survives any source encoding.
const BASIC =
  '@\u00a3$\u00a5\u00e8\u00e9\u00f9\u00ec\u00f2\u00c7\n\u00d8\u00f8\r\u00c5\u00e5' +
  '\u0394_\u03a6\u0393\u039b\u03a9\u03a0\u03a8\u03a3\u0398\u039e\u001b\u00c6\u00e6\u00df\u00c9' +
  ' !"#\u00a4%&\'()*+,-./0123456789:;<=>?' +
  '\u00a1ABCDEFGHIJKLMNOPQRSTUVWXYZ\u00c4\u00d6\u00d1\u00dc\u00a7' +
  '\u00bfabcdefghijklmnopqrstuvwxyz\u00e4\u00f6\u00f1\u00fc\u00e0';

const EXTENSION: Record<number, string> = {
  0x0a: '\f', 0x14: '^', 0x28: '{', 0x29: '}', 0x2f: '\\', 0x3c: '[', 0x3d: '~', 0x3e: ']', 0x40: '|', 0x65: '\u20ac',
};
Object.freeze(EXTENSION);

const ESC = 0x1b;

/**
 * Unpacks `count` septets from `data`, skipping `fillBits` leading bits (the padding that aligns 7-bit
 * text after a UDH, TS 23.040 §9.2.3.24). Throws if the octets cannot hold that many septets.
 */
export function unpackSeptets(data: Uint8Array, count: number, fillBits = 0): Uint8Array {
  if (count < 0 || fillBits < 0 || fillBits > 6) throw new SmsFormatError('bad septet count or fill bits');
  if (Math.ceil((fillBits + count * 7) / 8) > data.length) {
    throw new SmsFormatError(`${count} septets need ${Math.ceil((fillBits + count * 7) / 8)} octets, only ${data.length} present`);
  }
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const bit = fillBits + i * 7;
    const o = bit >> 3;
    const shift = bit & 7;
    let v = data[o] >> shift;
    if (shift > 1) v |= data[o + 1] << (8 - shift);
    out[i] = v & 0x7f;
  }
  return out;
}

/** Packs septets (values 0..127) LSB first, starting after `fillBits` zero bits. */
export function packSeptets(septets: Uint8Array, fillBits = 0): Uint8Array {
  const out = new Uint8Array(Math.ceil((fillBits + septets.length * 7) / 8));
  for (let i = 0; i < septets.length; i++) {
    const v = septets[i] & 0x7f;
    const bit = fillBits + i * 7;
    const o = bit >> 3;
    const shift = bit & 7;
    out[o] |= (v << shift) & 0xff;
    if (shift > 1) out[o + 1] |= v >> (8 - shift);
  }
  return out;
}

/** Septets to text; an escape followed by a code with no extension meaning shows the basic character (§6.2.1.1). */
export function septetsToText(septets: Uint8Array): string {
  let s = '';
  for (let i = 0; i < septets.length; i++) {
    const c = septets[i];
    if (c === ESC && i + 1 < septets.length) {
      const next = septets[++i];
      s += EXTENSION[next] ?? BASIC[next];
    } else if (c === ESC) {
      s += ' ';
    } else s += BASIC[c];
  }
  return s;
}

/** Text to septets; characters outside the default alphabet and its extension are an error. */
export function textToSeptets(text: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    const b = ch === '\u001b' ? -1 : BASIC.indexOf(ch);
    if (b >= 0) {
      out.push(b);
      continue;
    }
    let found = -1;
    for (const k in EXTENSION) if (EXTENSION[k as unknown as number] === ch) found = Number(k);
    if (found < 0) throw new SmsFormatError(`character U+${ch.charCodeAt(0).toString(16).padStart(4, '0')} is not in the GSM 7-bit alphabet`);
    out.push(ESC, found);
  }
  return Uint8Array.from(out);
}
