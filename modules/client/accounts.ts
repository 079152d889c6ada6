/**
 * A server account is what the client needs to talk to one server, read out of a Security Object
 * instance and (for a DM server) its Server Object instance. Secrets are copies the caller wipes.
 */
import type { DataModel } from '../lwm2m/data-model';
import type { InstanceContent, Value } from '../lwm2m/types';

export const SecurityMode = { PSK: 0, RPK: 1, Certificate: 2, NoSec: 3, EST: 4 } as const;
Object.freeze(SecurityMode);

export interface ServerAccount {
  securityIid: number;
  bootstrap: boolean;
  uri: string;
  securityMode: number;
  /** PSK identity, or the client's RPK / certificate. */
  identity: Uint8Array;
  serverPublicKey: Uint8Array;
  /** Short Server ID (DM servers only). */
  ssid?: number;
  serverIid?: number;
  lifetimeS: number;
  binding: string;
  holdOffS: number;
  bootstrapAccountTimeoutS: number;
  defaultPmin: number;
  defaultPmax: number | undefined;
  /** DTLS/TLS Ciphersuite (0/x/16, LwM2M 1.1): IANA suite numbers to offer, in order; empty = the client's default. */
  cipherSuites: number[];
  /** SMS Security Mode (0/x/6): 1 DTLS, 2 secured packets, 3 NoSec; undefined when not set. */
  smsSecurityMode?: number;
  /** SMS Binding Key Parameters (0/x/7). */
  smsKeyParameters: Uint8Array;
  /** LwM2M Server SMS Number (0/x/9). */
  smsNumber: string;
  /** Trigger (1/x/21): the client is reachable by SMS while registered over another transport. */
  smsTrigger: boolean;
}

function num(c: InstanceContent | undefined, rid: number, dflt: number): number {
  const v = c?.get(rid);
  return typeof v === 'number' ? v : dflt;
}
function str(c: InstanceContent | undefined, rid: number, dflt: string): string {
  const v = c?.get(rid);
  return typeof v === 'string' ? v : dflt;
}
function bytes(c: InstanceContent | undefined, rid: number): Uint8Array {
  const v: Value | Map<number, Value> | undefined = c?.get(rid);
  if (v instanceof Uint8Array) return v.slice();
  if (typeof v === 'string') {
    const out = new Uint8Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = v.charCodeAt(i) & 0xff;
    return out;
  }
  return new Uint8Array(0);
}

function suites(v: Value | Map<number, Value> | undefined): number[] {
  if (typeof v === 'number') return [v];
  if (v instanceof Map) return [...v.keys()].sort((a, b) => a - b).map((k) => v.get(k)).filter((x): x is number => typeof x === 'number');
  return [];
}

/** Every account the data model describes, bootstrap first. Instances without a URI are skipped. */
export function readAccounts(dm: DataModel): ServerAccount[] {
  const out: ServerAccount[] = [];
  for (const iid of dm.security.instanceIds()) {
    // Internal read straight from the object (not the access-controlled handle); resource 5 is not copied out here.
    const sec = dm.security.read(iid);
    const uri = str(sec, 0, '');
    if (!uri) continue;
    const bootstrap = sec?.get(1) === true;
    const ssid = bootstrap ? undefined : dm.security.shortServerId(iid);
    const serverIid = ssid === undefined ? undefined : dm.servers.instanceOf(ssid);
    if (!bootstrap && serverIid === undefined) continue; // a DM account needs its Server instance
    const srv = serverIid === undefined ? undefined : dm.servers.read(serverIid);
    const pmax = srv?.get(3);
    out.push({
      securityIid: iid,
      bootstrap,
      uri,
      securityMode: num(sec, 2, SecurityMode.NoSec),
      identity: bytes(sec, 3),
      serverPublicKey: bytes(sec, 4),
      ssid,
      serverIid,
      lifetimeS: num(srv, 1, 86400),
      binding: str(srv, 7, 'U'),
      holdOffS: num(sec, 11, 0),
      bootstrapAccountTimeoutS: num(sec, 12, 0),
      defaultPmin: num(srv, 2, 0),
      defaultPmax: typeof pmax === 'number' && pmax > 0 ? pmax : undefined,
      cipherSuites: suites(sec?.get(16)),
      smsSecurityMode: typeof sec?.get(6) === 'number' ? (sec.get(6) as number) : undefined,
      smsKeyParameters: bytes(sec, 7),
      smsNumber: str(sec, 9, ''),
      smsTrigger: srv?.get(21) === true,
    });
  }
  out.sort((a, b) => Number(b.bootstrap) - Number(a.bootstrap) || (a.ssid ?? 0) - (b.ssid ?? 0));
  return out;
}
