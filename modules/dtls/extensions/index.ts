/**
 * The extensions block of ClientHello/ServerHello (RFC 5246 §7.4.1.4): extensions<0..2^16-1>, each
 * type(2) extension_data<0..2^16-1>. When there are none the whole block is omitted, as the byte
 * counts of SPEC-NOTES §2 assume.
 */
import { ByteReader, ByteWriter } from '../../bytes/index';
import { ExtensionType } from '../constants';
import { decodeError, illegalParameter } from '../errors';
import { marshalExtendedMasterSecret, unmarshalExtendedMasterSecret } from './extendedMasterSecret';
import { type MaxFragmentLength, marshalMaxFragmentLength, unmarshalMaxFragmentLength } from './maxFragmentLength';
import { marshalRenegotiationInfo, unmarshalRenegotiationInfo } from './renegotiationInfo';
import { CONNECTION_ID, marshalConnectionId, unmarshalConnectionId } from './connectionId';
import { marshalCertificateTypes, unmarshalCertificateTypes } from './certificateType';
import { marshalSignatureAlgorithms, unmarshalSignatureAlgorithms } from './signatureAlgorithms';
import { marshalEcPointFormats, marshalSupportedGroups, unmarshalEcPointFormats, unmarshalSupportedGroups } from './supportedGroups';

export * from './maxFragmentLength';

export interface Extensions {
  maxFragmentLength?: MaxFragmentLength;
  extendedMasterSecret?: boolean;
  renegotiationInfo?: boolean;
  supportedGroups?: number[];
  ecPointFormats?: number[];
  /** RFC 5246 §7.4.1.4.1 (client only). */
  signatureAlgorithms?: number[];
  /** RFC 7250: the offered list (ClientHello) or the one chosen (ServerHello, length 1). */
  clientCertificateTypes?: number[];
  serverCertificateTypes?: number[];
  /** RFC 9146: the CID the sender wants to receive (may be empty). */
  connectionId?: Uint8Array;
  /** Extensions we do not implement, in arrival order (a server must ignore them; a client refuses them). */
  unknown?: { type: number; data: Uint8Array }[];
}

/** Most extensions a hello may carry before we call it malformed (each costs 4+ bytes anyway). */
const MAX_EXTENSIONS = 64;

export function marshalExtensions(e: Extensions, w: ByteWriter, fromServer = false): void {
  const list: [number, Uint8Array][] = [];
  if (e.renegotiationInfo) list.push([ExtensionType.renegotiation_info, marshalRenegotiationInfo()]);
  if (e.supportedGroups) list.push([ExtensionType.supported_groups, marshalSupportedGroups(e.supportedGroups)]);
  if (e.ecPointFormats) list.push([ExtensionType.ec_point_formats, marshalEcPointFormats()]);
  if (e.signatureAlgorithms) list.push([ExtensionType.signature_algorithms, marshalSignatureAlgorithms(e.signatureAlgorithms)]);
  if (e.clientCertificateTypes) list.push([ExtensionType.client_certificate_type, marshalCertificateTypes(e.clientCertificateTypes, fromServer)]);
  if (e.serverCertificateTypes) list.push([ExtensionType.server_certificate_type, marshalCertificateTypes(e.serverCertificateTypes, fromServer)]);
  if (e.connectionId) list.push([CONNECTION_ID, marshalConnectionId(e.connectionId)]);
  if (e.extendedMasterSecret) list.push([ExtensionType.extended_master_secret, marshalExtendedMasterSecret()]);
  if (e.maxFragmentLength) list.push([ExtensionType.max_fragment_length, marshalMaxFragmentLength(e.maxFragmentLength)]);
  for (const u of e.unknown ?? []) list.push([u.type, u.data]);
  if (list.length === 0) return;
  const at = w.skip(2);
  const start = w.length;
  for (const [type, data] of list) w.u16(type).vector(2, data);
  w.patchU16(at, w.length - start);
}

/** Parses the optional extensions block at the reader's position (to the end of the message). */
export function unmarshalExtensions(r: ByteReader, fromServer = false): Extensions {
  const e: Extensions = {};
  if (r.remaining === 0) return e;
  const block = r.vector(2, 'extensions');
  r.expectEnd('hello extensions');
  const er = new ByteReader(block, decodeError);
  const seen: number[] = [];
  while (er.remaining > 0) {
    if (seen.length >= MAX_EXTENSIONS) throw decodeError('too many extensions');
    const type = er.u16('extension type');
    const data = er.vector(2, 'extension_data');
    if (seen.indexOf(type) >= 0) throw illegalParameter(`extension ${type} appears twice`);
    seen.push(type);
    switch (type) {
      case ExtensionType.max_fragment_length:
        e.maxFragmentLength = unmarshalMaxFragmentLength(data);
        break;
      case ExtensionType.extended_master_secret:
        e.extendedMasterSecret = unmarshalExtendedMasterSecret(data);
        break;
      case ExtensionType.renegotiation_info:
        unmarshalRenegotiationInfo(data);
        e.renegotiationInfo = true;
        break;
      case ExtensionType.supported_groups:
        e.supportedGroups = unmarshalSupportedGroups(data);
        break;
      case ExtensionType.ec_point_formats:
        e.ecPointFormats = unmarshalEcPointFormats(data);
        break;
      case ExtensionType.signature_algorithms:
        e.signatureAlgorithms = unmarshalSignatureAlgorithms(data);
        break;
      case ExtensionType.client_certificate_type:
        e.clientCertificateTypes = unmarshalCertificateTypes(data, fromServer);
        break;
      case ExtensionType.server_certificate_type:
        e.serverCertificateTypes = unmarshalCertificateTypes(data, fromServer);
        break;
      case CONNECTION_ID:
        e.connectionId = unmarshalConnectionId(data);
        break;
      default:
        (e.unknown ??= []).push({ type, data });
    }
  }
  return e;
}
