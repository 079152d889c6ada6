/**
 * What a modem does for AT+CRSM (3GPP TS 27.007 §8.18) on the card's basic channel: SELECT the file by
 * path from the MF (ETSI TS 102 221 §11.1.1, P1 08, FCP returned), then the one command, answering the
 * T=0 procedure status words itself (61xx → GET RESPONSE, 6Cxx → the same command with Le = xx).
 * GET RESPONSE answers with the FCP of that SELECT; STATUS is TS 102 221 §11.1.2 (CLA 80, INS F2).
 */
import { CrsmCommand, type CrsmRequest } from '../../modules/uicc/crsm';

export interface CardSlot {
  process(apdu: Uint8Array): Uint8Array;
}

function split(r: Uint8Array): { data: Uint8Array; sw: number } {
  return { data: r.subarray(0, r.length - 2), sw: (r[r.length - 2] << 8) | r[r.length - 1] };
}

/** One APDU with the T=0 procedures a modem runs below AT+CRSM. */
function exchange(card: CardSlot, apdu: number[]): { data: Uint8Array; sw: number } {
  let cmd = Uint8Array.from(apdu);
  for (let i = 0; i < 4; i++) {
    const r = split(card.process(cmd));
    if (r.sw >> 8 === 0x61) cmd = Uint8Array.of(0x00, 0xc0, 0x00, 0x00, r.sw & 0xff);
    else if (r.sw >> 8 === 0x6c) cmd = Uint8Array.of(...cmd.subarray(0, 4), r.sw & 0xff);
    else return r;
  }
  return { data: new Uint8Array(0), sw: 0x6f00 };
}

export function restrictedAccess(card: CardSlot, q: CrsmRequest): { data: Uint8Array; sw: number } {
  if (q.command === CrsmCommand.STATUS) return exchange(card, [0x80, 0xf2, 0x00, 0x00, q.p3 ?? 0]);
  const fid = q.fileId ?? 0;
  let dfs = q.path ? Array.from(q.path) : [];
  if (dfs[0] === 0x3f && dfs[1] === 0x00) dfs = dfs.slice(2);
  const sel = fid === 0x3f00 && dfs.length === 0
    ? exchange(card, [0x00, 0xa4, 0x00, 0x04, 0x02, 0x3f, 0x00, 0x00])
    : exchange(card, [0x00, 0xa4, 0x08, 0x04, dfs.length + 2, ...dfs, fid >> 8, fid & 0xff, 0x00]);
  if (sel.sw !== 0x9000) return sel;
  const p1 = q.p1 ?? 0, p2 = q.p2 ?? 0, p3 = q.p3 ?? 0;
  const data = q.data ? Array.from(q.data) : [];
  switch (q.command) {
    case CrsmCommand.GET_RESPONSE:
      return sel;
    case CrsmCommand.READ_BINARY:
      return exchange(card, [0x00, 0xb0, p1, p2, p3]);
    case CrsmCommand.READ_RECORD:
      return exchange(card, [0x00, 0xb2, p1, p2, p3]);
    case CrsmCommand.UPDATE_BINARY:
      return exchange(card, [0x00, 0xd6, p1, p2, data.length, ...data]);
    case CrsmCommand.UPDATE_RECORD:
      return exchange(card, [0x00, 0xdc, p1, p2, data.length, ...data]);
    default:
      return { data: new Uint8Array(0), sw: 0x6d00 };
  }
}
