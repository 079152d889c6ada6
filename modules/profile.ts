/**
 * Resource limits in one place. DEVICE_PROFILE is the default everywhere in modules/: sized for an ESP32 without
 * PSRAM (XS with about 64 KB of chunks + slots and a 512-slot stack, see hosts/sim/README.md). A Node host or a
 * desktop tool may raise them (NODE_PROFILE, or its own numbers) by passing the options each layer already takes:
 *   CoAP     `coap: { maxBodySize, dedupCapacity, dedupMaxBytes, maxObservations }` (Lwm2mClient, CoapEndpoint)
 *   LwM2M    `maxPayload` (DataModel)
 *   DTLS     `limits: { maxHandshakeMessage, maxHandshakeBuffer }` (DtlsClient, DtlsConnection)
 *   SMS      `reassembly: { maxPartials, maxSegments, maxBufferedOctets }` (SmsLink, Reassembler)
 * Every limit bounds something a peer controls (RFC 7252 §4.5 duplicates, RFC 7959 §2.9.3 body sizes,
 * RFC 7641 §4.1 observers, RFC 6347 §4.2.3 handshake fragments, TS 23.040 §9.2.3.24.1 concatenation).
 */
export interface ResourceProfile {
  /** Largest CoAP body reassembled from Block1 or collected from Block2 (bytes). */
  readonly coapMaxBodySize: number;
  /** Incoming CoAP message IDs remembered for duplicate detection (each may hold its reply). */
  readonly coapDedupCapacity: number;
  /** The same cache in bytes: 96 per remembered ID plus every cached reply (RFC 7252 §4.5). */
  readonly coapDedupMaxBytes: number;
  /** Observations (RFC 7641) a server may hold on this endpoint at once; more are answered without Observe. */
  readonly coapMaxObservations: number;
  /** Largest LwM2M request payload accepted (bytes). */
  readonly lwm2mMaxPayload: number;
  /** Largest DTLS handshake message accepted, and out-of-order handshake bytes buffered (bytes). */
  readonly dtlsMaxHandshakeMessage: number;
  readonly dtlsMaxHandshakeBuffer: number;
  /** SMS concatenation: partial messages, segments per message, bytes buffered in all. */
  readonly smsMaxPartials: number;
  readonly smsMaxSegments: number;
  readonly smsMaxBufferedOctets: number;
}

export const DEVICE_PROFILE: ResourceProfile = Object.freeze({
  coapMaxBodySize: 16 * 1024,
  coapDedupCapacity: 32,
  coapDedupMaxBytes: 4096,
  coapMaxObservations: 16,
  lwm2mMaxPayload: 16 * 1024,
  dtlsMaxHandshakeMessage: 4096,
  dtlsMaxHandshakeBuffer: 8192,
  smsMaxPartials: 4,
  smsMaxSegments: 16,
  smsMaxBufferedOctets: 4096,
});

/** What a desktop or server-side process can afford. */
export const NODE_PROFILE: ResourceProfile = Object.freeze({
  coapMaxBodySize: 64 * 1024,
  coapDedupCapacity: 256,
  coapDedupMaxBytes: 256 * 1024,
  coapMaxObservations: 256,
  lwm2mMaxPayload: 64 * 1024,
  dtlsMaxHandshakeMessage: 8192,
  dtlsMaxHandshakeBuffer: 16384,
  smsMaxPartials: 16,
  smsMaxSegments: 64,
  smsMaxBufferedOctets: 32 * 1024,
});

/** A profile's CoAP limits as `Lwm2mClientOptions.coap` / `CoapEndpoint` take them. */
export function coapLimits(p: ResourceProfile): { maxBodySize: number; dedupCapacity: number; dedupMaxBytes: number; maxObservations: number } {
  return { maxBodySize: p.coapMaxBodySize, dedupCapacity: p.coapDedupCapacity, dedupMaxBytes: p.coapDedupMaxBytes, maxObservations: p.coapMaxObservations };
}
