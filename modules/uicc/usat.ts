/**
 * The terminal side of the USIM Application Toolkit (ETSI TS 102 223; 3GPP TS 31.111 for the 3GPP
 * parts): TERMINAL PROFILE (§5.2), ENVELOPE SMS-PP data download (§7.1, tag D1), FETCH (§6.2),
 * proactive commands in a D0 template (§6.6) and TERMINAL RESPONSE (§6.8). Data objects are
 * COMPREHENSION-TLVs (ETSI TS 101 220 §7.1.1): 1-byte tags with the comprehension-required flag in
 * b8, or 7F + 2 bytes.
 */
import { concat } from '../bytes/index';
import type { CommandApdu } from './apdu';
import { encodeLength } from './ber-tlv';
import { UsatError } from './errors';

/** TS 102 223 §9.4 type of command. */
export const CommandType = Object.freeze({ REFRESH: 0x01, MORE_TIME: 0x02, SEND_SHORT_MESSAGE: 0x13 });
/** TS 101 220 §7.2 COMPREHENSION-TLV tags (without the CR flag). */
export const CTag = Object.freeze({
  commandDetails: 0x01,
  deviceIdentities: 0x02,
  result: 0x03,
  address: 0x06,
  smsTpdu: 0x0b,
  fileList: 0x12,
});
/** TS 102 223 §8.7 device identities. */
export const Device = Object.freeze({ uicc: 0x81, terminal: 0x82, network: 0x83 });
/** BER-TLV templates (TS 101 220 §7.2). */
export const Template = Object.freeze({ proactiveCommand: 0xd0, smsPpDownload: 0xd1 });

export interface Ctlv {
  tag: number;
  cr: boolean;
  value: Uint8Array;
}

const MAX_CTLV = 32;

/** Parses the COMPREHENSION-TLVs inside a template. */
export function parseCtlvs(d: Uint8Array): Ctlv[] {
  const out: Ctlv[] = [];
  let o = 0;
  while (o < d.length) {
    if (out.length >= MAX_CTLV) throw new UsatError(`more than ${MAX_CTLV} data objects`);
    let tag = d[o++];
    if (tag === 0x00 || tag === 0xff || tag === 0x80) throw new UsatError(`invalid COMPREHENSION-TLV tag ${tag.toString(16)}`);
    let cr: boolean;
    if (tag === 0x7f) {
      if (o + 2 > d.length) throw new UsatError('truncated 3-byte tag');
      cr = (d[o] & 0x80) !== 0;
      tag = ((d[o] & 0x7f) << 8) | d[o + 1];
      o += 2;
    } else {
      cr = (tag & 0x80) !== 0;
      tag &= 0x7f;
    }
    if (o >= d.length) throw new UsatError('truncated length');
    let len = d[o++];
    if (len === 0x81) {
      if (o >= d.length) throw new UsatError('truncated length');
      len = d[o++];
      if (len < 0x80) throw new UsatError('length 81 xx with xx < 80 is not minimal');
    } else if (len > 0x7f) throw new UsatError(`length byte ${len.toString(16)} not allowed`);
    if (o + len > d.length) throw new UsatError('value runs past the end');
    out.push({ tag, cr, value: d.subarray(o, o + len) });
    o += len;
  }
  return out;
}

function ctlv(tag: number, value: Uint8Array, cr = true): Uint8Array {
  if (value.length > 255) throw new UsatError('COMPREHENSION-TLV value longer than 255');
  return concat(Uint8Array.of(cr ? tag | 0x80 : tag), Uint8Array.from(encodeLength(value.length)), value);
}

/** Unwraps a BER-TLV template (D0 / D1) with a 1- or 2-byte length. */
export function parseTemplate(d: Uint8Array, expectTag: number): Ctlv[] {
  if (d.length < 2) throw new UsatError('template too short');
  if (d[0] !== expectTag) throw new UsatError(`expected template ${expectTag.toString(16)}, got ${d[0].toString(16)}`);
  let o = 1;
  let len = d[o++];
  if (len === 0x81) {
    if (o >= d.length) throw new UsatError('truncated template length');
    len = d[o++];
  } else if (len > 0x7f) throw new UsatError('template length form not allowed');
  if (o + len !== d.length) throw new UsatError('template length does not match the data');
  return parseCtlvs(d.subarray(o));
}

function template(tag: number, ...parts: Uint8Array[]): Uint8Array {
  const body = concat(...parts);
  return concat(Uint8Array.of(tag), Uint8Array.from(encodeLength(body.length)), body);
}

export interface ProactiveCommand {
  number: number;
  type: number;
  qualifier: number;
  /** The command details object as received, echoed in the TERMINAL RESPONSE. */
  details: Uint8Array;
  source: number;
  destination: number;
  objects: Ctlv[];
}

export function parseProactiveCommand(d: Uint8Array): ProactiveCommand {
  const objs = parseTemplate(d, Template.proactiveCommand);
  const det = objs.find((x) => x.tag === CTag.commandDetails);
  const dev = objs.find((x) => x.tag === CTag.deviceIdentities);
  if (!det || det.value.length !== 3) throw new UsatError('proactive command without command details');
  if (!dev || dev.value.length !== 2) throw new UsatError('proactive command without device identities');
  if (dev.value[0] !== Device.uicc) throw new UsatError('proactive command not from the UICC');
  return { number: det.value[0], type: det.value[1], qualifier: det.value[2], details: det.value.slice(), source: dev.value[0], destination: dev.value[1], objects: objs };
}

export function encodeProactiveCommand(number: number, type: number, qualifier: number, destination: number, ...objects: Uint8Array[]): Uint8Array {
  return template(Template.proactiveCommand, ctlv(CTag.commandDetails, Uint8Array.of(number, type, qualifier)), ctlv(CTag.deviceIdentities, Uint8Array.of(Device.uicc, destination)), ...objects);
}

/** TS 102 223 §8.18 file list: number of files, then full paths from 3F00. */
export function parseFileList(v: Uint8Array): Uint8Array[] {
  if (v.length < 3 || (v.length - 1) % 2 !== 0) throw new UsatError('file list must be a count and whole file identifiers');
  const n = v[0];
  const out: Uint8Array[] = [];
  let start = 1;
  for (let o = 3; o <= v.length; o += 2) {
    // every path is absolute, so a new one begins at each 3F00
    if (o === v.length || (v[o] === 0x3f && v[o + 1] === 0x00)) {
      out.push(v.slice(start, o));
      start = o;
    }
  }
  if (n === 0 || out.length !== n || out.some((p) => p[0] !== 0x3f || p[1] !== 0x00)) throw new UsatError('file list does not hold the announced paths');
  return out;
}

export function fileListObject(paths: Uint8Array[]): Uint8Array {
  return ctlv(CTag.fileList, concat(Uint8Array.of(paths.length), ...paths));
}

export function smsTpduObject(tpdu: Uint8Array): Uint8Array {
  return ctlv(CTag.smsTpdu, tpdu);
}

/** TS 102 223 §5.2 profile bits this terminal supports: profile download, SMS-PP data download, REFRESH, SEND SHORT MESSAGE. */
export const TERMINAL_PROFILE = Object.freeze([0x03, 0x00, 0x80, 0x02]);

export function terminalProfile(profile: readonly number[] = TERMINAL_PROFILE): CommandApdu {
  return { cla: 0x80, ins: 0x10, p1: 0, p2: 0, data: Uint8Array.from(profile) };
}

/** ENVELOPE (SMS-PP data download): device identities network → UICC, the SMSC address if known, the SMS-DELIVER TPDU. */
export function smsPpDownload(tpdu: Uint8Array, smscAddress?: Uint8Array): CommandApdu {
  const parts = [ctlv(CTag.deviceIdentities, Uint8Array.of(Device.network, Device.uicc))];
  if (smscAddress && smscAddress.length) parts.push(ctlv(CTag.address, smscAddress));
  parts.push(ctlv(CTag.smsTpdu, tpdu));
  const body = template(Template.smsPpDownload, ...parts);
  if (body.length > 255) throw new UsatError('ENVELOPE longer than 255 bytes');
  return { cla: 0x80, ins: 0xc2, p1: 0, p2: 0, data: body };
}

export function parseSmsPpDownload(d: Uint8Array): { tpdu: Uint8Array; address?: Uint8Array } {
  const objs = parseTemplate(d, Template.smsPpDownload);
  const dev = objs.find((x) => x.tag === CTag.deviceIdentities);
  const tp = objs.find((x) => x.tag === CTag.smsTpdu);
  if (!dev || dev.value.length !== 2 || dev.value[0] !== Device.network || dev.value[1] !== Device.uicc) throw new UsatError('SMS-PP download without network → UICC identities');
  if (!tp) throw new UsatError('SMS-PP download without a TPDU');
  return { tpdu: tp.value, address: objs.find((x) => x.tag === CTag.address)?.value };
}

export function fetch(length: number): CommandApdu {
  return { cla: 0x80, ins: 0x12, p1: 0, p2: 0, le: length === 0 ? 256 : length };
}

/** TS 102 223 §8.12 general results used here. */
export const Result = Object.freeze({ ok: 0x00, okRefreshAdditionalEfsRead: 0x03, terminalUnable: 0x20, beyondCapabilities: 0x30, notUnderstood: 0x31, typeNotUnderstood: 0x32, dataNotUnderstood: 0x32 });

export function terminalResponse(cmd: Pick<ProactiveCommand, 'details'>, result: number, ...extra: Uint8Array[]): CommandApdu {
  const data = concat(
    ctlv(CTag.commandDetails, cmd.details),
    ctlv(CTag.deviceIdentities, Uint8Array.of(Device.terminal, Device.uicc)),
    ctlv(CTag.result, Uint8Array.of(result)),
    ...extra,
  );
  return { cla: 0x80, ins: 0x14, p1: 0, p2: 0, data };
}

export function parseTerminalResponse(d: Uint8Array): { details: Uint8Array; result: number } {
  const objs = parseCtlvs(d);
  const det = objs.find((x) => x.tag === CTag.commandDetails);
  const res = objs.find((x) => x.tag === CTag.result);
  if (!det || det.value.length !== 3 || !res || res.value.length < 1) throw new UsatError('TERMINAL RESPONSE without command details or result');
  return { details: det.value, result: res.value[0] };
}
