/**
 * Object 0, LwM2M Security (urn:oma:lwm2m:oma:0). Resources 0-12 as SPEC-NOTES 1, plus the 1.1
 * resources 13-16 (matching type, SNI, certificate usage, ciphersuites). Resources 5 and 8 are
 * secrets: the data model never lets them out; this class only validates and wipes them.
 */
import { utf8Encode } from '../../bytes/index';
import { defineObject, InstanceObject, type WriteMode } from '../model';
import type { InstanceContent, Value } from '../types';

export const SECURITY_OBJECT = defineObject(0, 'LWM2M Security', true, true, [
  [0, 'LWM2M Server URI', '', false, true, 'string'],
  [1, 'Bootstrap-Server', '', false, true, 'boolean'],
  [2, 'Security Mode', '', false, true, 'integer'],
  [3, 'Public Key or Identity', '', false, true, 'opaque'],
  [4, 'Server Public Key', '', false, true, 'opaque'],
  [5, 'Secret Key', '', false, true, 'opaque', true],
  [6, 'SMS Security Mode', '', false, false, 'integer'],
  [7, 'SMS Binding Key Parameters', '', false, false, 'opaque'],
  [8, 'SMS Binding Secret Key(s)', '', false, false, 'opaque', true],
  [9, 'LwM2M Server SMS Number', '', false, false, 'string'],
  [10, 'Short Server ID', '', false, false, 'integer'],
  [11, 'Client Hold Off Time', '', false, false, 'integer'],
  [12, 'Bootstrap-Server Account Timeout', '', false, false, 'integer'],
  [13, 'Matching Type', '', false, false, 'unsigned'],
  [14, 'SNI', '', false, false, 'string'],
  [15, 'Certificate Usage', '', false, false, 'unsigned'],
  [16, 'DTLS/TLS Ciphersuite', '', true, false, 'unsigned'],
]);

/** Caps: a PSK identity of 128 bytes and a 64-byte PSK must work; certificates need room. */
export const SECURITY_LIMITS = { uriBytes: 255, identityBytes: 4096, serverKeyBytes: 4096, secretKeyBytes: 512 };
Object.freeze(SECURITY_LIMITS);

/** SMS Security Mode values that are defined and usable: 1 DTLS, 2 Secure Packet, 3 NoSec, 204-255 proprietary. */
function smsModeAllowed(m: number): boolean {
  return m === 1 || m === 2 || m === 3 || (m >= 204 && m <= 255);
}

/**
 * KIc/KID octet (ETSI TS 102 225): b2b1 algorithm family, b4b3 variant. Accepted: AES (b2b1 = 10,
 * b4b3 = 00 CBC/CMAC) and 3-key 3DES (b2b1 = 01, b4b3 = 10). Refused: single DES, 2-key 3DES,
 * DES-ECB, "known implicitly" and proprietary families, because nothing here can vouch for them.
 */
export function smsKeyAlgorithmProblem(octet: number, which: 'KIc' | 'KID'): string | null {
  const family = octet & 3;
  const variant = (octet >> 2) & 3;
  if (family === 2) return variant === 0 ? null : `${which} names an unsupported AES mode`;
  if (family === 1) {
    if (variant === 2) return null;
    if (variant === 0) return `${which} names single DES, which must not be used`;
    if (variant === 1) return `${which} names 2-key 3DES, which is refused`;
    return `${which} names DES in ECB mode, which is refused`;
  }
  return `${which} does not name AES or 3-key 3DES`;
}

export function smsKeyParametersProblem(p: Uint8Array): string | null {
  if (p.length !== 7) return `SMS Binding Key Parameters must be 7 octets (KIc KID SPI1 SPI2 TAR1 TAR2 TAR3), got ${p.length}`;
  const kic = smsKeyAlgorithmProblem(p[0], 'KIc');
  if (kic) return kic;
  const kid = smsKeyAlgorithmProblem(p[1], 'KID');
  if (kid) return kid;
  const tarOk = (p[4] === 0xbf && p[5] === 0xff) || (p[4] === 0xb2 && p[5] === 0x02 && p[6] === 0x03);
  if (!tarOk) return 'SMS Binding Key Parameters TAR must be in BF FF 00-BF FF FF or be B2 02 03';
  return null;
}

export class SecurityObject extends InstanceObject {
  constructor() {
    super(SECURITY_OBJECT);
  }

  protected override validateResource(_iid: number, rid: number, v: Value): string | null {
    switch (rid) {
      case 0: {
        const s = v as string;
        if (utf8Encode(s).length > SECURITY_LIMITS.uriBytes) return 'LWM2M Server URI is longer than 255 bytes';
        if (!/^(coaps?|sms):\/\/./.test(s)) return 'LWM2M Server URI must use the coap://, coaps:// or sms:// scheme';
        return null;
      }
      case 2:
        return inRange(v, 0, 4) ? null : 'Security Mode must be 0 (PSK), 1 (RPK), 2 (Certificate), 3 (NoSec) or 4 (EST)';
      case 3:
        return (v as Uint8Array).length <= SECURITY_LIMITS.identityBytes ? null : 'Public Key or Identity is too long';
      case 4:
        return (v as Uint8Array).length <= SECURITY_LIMITS.serverKeyBytes ? null : 'Server Public Key is too long';
      case 5:
        // Only the length is reported: the diagnostic must not reveal anything about the key itself.
        return (v as Uint8Array).length <= SECURITY_LIMITS.secretKeyBytes ? null : `Secret Key longer than ${SECURITY_LIMITS.secretKeyBytes} bytes`;
      case 6:
        if (!inRange(v, 0, 255)) return 'SMS Security Mode must be 0-255';
        return smsModeAllowed(v as number) ? null : `SMS Security Mode ${v} is reserved`;
      case 7:
        return smsKeyParametersProblem(v as Uint8Array);
      case 8: {
        const n = (v as Uint8Array).length;
        return n === 16 || n === 32 || n === 48 ? null : `SMS Binding Secret Key(s) must be 16, 32 or 48 bytes, got ${n}`;
      }
      case 9:
        return /^\+?[0-9]{1,20}$/.test(v as string) ? null : 'LwM2M Server SMS Number must be an MSISDN (digits, optional leading +)';
      case 10:
        return inRange(v, 1, 65535) ? null : 'Short Server ID must be 1-65535';
      case 11:
      case 12:
        return inRange(v, 0, 0xffffffff) ? null : `resource ${rid} must be 0-4294967295 seconds`;
      case 13:
      case 15:
        return inRange(v, 0, 3) ? null : `resource ${rid} must be 0-3`;
      case 16:
        return inRange(v, 0, 0xffff) ? null : 'ciphersuite must be a 16-bit value';
      default:
        return null;
    }
  }

  protected override validateInstance(_iid: number, c: InstanceContent, mode: WriteMode): string | null {
    if (mode === 'partial') return null;
    if (c.get(1) === false && c.get(10) === undefined) return 'Short Server ID is required when Bootstrap-Server is false';
    return null;
  }

  /** The instance that addresses the Bootstrap-Server, if any. */
  bootstrapInstance(): number | undefined {
    for (const iid of this.instanceIds()) if (this.instances.get(iid)?.get(1) === true) return iid;
    return undefined;
  }

  /** Short Server ID of a DM server instance (undefined for the Bootstrap-Server account). */
  shortServerId(iid: number): number | undefined {
    const inst = this.instances.get(iid);
    if (!inst || inst.get(1) === true) return undefined;
    const v = inst.get(10);
    return typeof v === 'number' ? v : undefined;
  }

  /** Internal access for the transport layer (DTLS/SMS keys): returns a copy the caller must wipe. */
  secret(iid: number, rid: 5 | 8): Uint8Array | undefined {
    const v = this.instances.get(iid)?.get(rid);
    return v instanceof Uint8Array ? v.slice() : undefined;
  }
}

function inRange(v: Value, lo: number, hi: number): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;
}
