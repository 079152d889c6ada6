/** TS 23.038 §4 SMS Data Coding Scheme: enough to route secured packets and classify everything else. */

export type SmsAlphabet = 'gsm7' | '8bit' | 'ucs2' | 'reserved';

export interface DataCoding {
  alphabet: SmsAlphabet;
  /** Message class 0..3, or null when the DCS gives none. */
  messageClass: number | null;
  compressed: boolean;
  /** Coding group: general (00xx), auto-deletion (01xx), message waiting (1100-1110), data (1111), reserved. */
  group: 'general' | 'auto-delete' | 'message-waiting' | 'data' | 'reserved';
}

const ALPHABETS: SmsAlphabet[] = ['gsm7', '8bit', 'ucs2', 'reserved'];
Object.freeze(ALPHABETS);

export function decodeDcs(dcs: number): DataCoding {
  const hi = dcs >> 4;
  if (hi <= 7) {
    // 00xx xxxx general and 01xx xxxx automatic deletion share one layout
    return {
      alphabet: ALPHABETS[(dcs >> 2) & 3],
      messageClass: dcs & 0x10 ? dcs & 3 : null,
      compressed: (dcs & 0x20) !== 0,
      group: hi <= 3 ? 'general' : 'auto-delete',
    };
  }
  if (hi >= 0xc && hi <= 0xe) return { alphabet: hi === 0xe ? 'ucs2' : 'gsm7', messageClass: null, compressed: false, group: 'message-waiting' };
  if (hi === 0xf) return { alphabet: dcs & 4 ? '8bit' : 'gsm7', messageClass: dcs & 3, compressed: false, group: 'data' };
  // 1000..1011 reserved: §4 says treat as GSM 7-bit default alphabet
  return { alphabet: 'gsm7', messageClass: null, compressed: false, group: 'reserved' };
}

/** 8-bit data with a message class, in the 1111 group the LwM2M SMS security settings name (0xF5 class 1, 0xF6 class 2). */
export function dcs8bitClass(messageClass: 0 | 1 | 2 | 3): number {
  return 0xf4 | messageClass;
}
