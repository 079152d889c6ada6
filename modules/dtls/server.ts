/**
 * DTLS 1.2 server for the same PSK suites: a stateless cookie exchange (RFC 6347 §4.2.1), then one
 * DtlsServerConnection per peer address. It exists for deterministic in-memory tests and the local
 * test servers; it is proven against `openssl s_client`.
 *
 * Flights: 2 HelloVerifyRequest, 4 ServerHello [ServerKeyExchange] ServerHelloDone, 6 CCS Finished;
 * resumed: 4 ServerHello CCS Finished.
 */
import { concat, constantTimeEqual, equalBytes, toHex, utf8Encode, wipe } from '../bytes/index';
import type { Host } from '../host';
import type { DatagramChannel, UdpSocket } from '../transport/types';
import { type CipherSuite, suiteById } from './cipherSuite';
import { AlertDescription, AlertLevel, CertificateType, CipherSuiteId, ContentType, DTLS10, DTLS12, ECDSA_SHA256, ECDSA_SIGN, HandshakeType } from './constants';
import { certificateAlert, type EcdsaCredentials } from './credentials';
import { marshalCertificate, unmarshalCertificate } from './handshake/certificate';
import { marshalCertificateRequest } from './handshake/certificateRequest';
import { marshalEcdhParams, marshalEcdheEcdsaServerKeyExchange, unmarshalCertificateVerify, unmarshalEcdhClientKeyExchange } from './handshake/signed';
import { encodeSpki } from '../x509/keys';
import { type ConnectionLimits, DtlsConnection } from './connection';
import { DtlsAlert, DtlsError } from './errors';
import type { Extensions } from './extensions/index';
import { mflBytes } from './extensions/maxFragmentLength';
import { SECP256R1 } from './extensions/supportedGroups';
import type { RetransmitOptions } from './flight';
import { type ClientHello, unmarshalClientHello } from './handshake/clientHello';
import { unmarshalFinished } from './handshake/finished';
import { marshalHandshake, unmarshalHandshakeFragments } from './handshake/header';
import { marshalHelloVerifyRequest } from './handshake/helloVerifyRequest';
import { marshalServerKeyExchange, unmarshalClientKeyExchange } from './handshake/keyExchange';
import type { HandshakeMessage } from './handshake/reassembler';
import { marshalServerHello } from './handshake/serverHello';
import { extendedMasterSecret, keyBlock, masterSecret, pskPremasterSecret, verifyData } from './keys';
import { marshalRecord, parseRecords, peekCid } from './record';
import type { DtlsSession } from './session';

/** Hooks that make the server misbehave, for negative tests of the client only. */
export interface DtlsServerTestHooks {
  /** Answer with this cipher suite whatever the client offered. */
  forceCipherSuite?: number;
  /** Answer with this compression method. */
  forceCompression?: number;
  /** Extensions added to every ServerHello as they are. */
  extraExtensions?: { type: number; data: Uint8Array }[];
  /** Echo this max_fragment_length code (or send it unasked). */
  forceMaxFragmentLength?: number;
  /** Send extended_master_secret even when the client did not offer it. */
  forceExtendedMasterSecret?: boolean;
  /** Answer server_certificate_type with this type, asked or not. */
  forceServerCertificateType?: number;
  /** Leave client_certificate_type out of the ServerHello even when asking for a client certificate. */
  omitClientCertificateType?: boolean;
}

export interface DtlsServerOptions {
  /** Looks up the PSK of an identity (null: unknown identity). The returned array is wiped after use. */
  psk?: (identity: Uint8Array) => Uint8Array | null;
  /** TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8: our key (RPK or X.509) and the check of a client's credential. */
  certificate?: EcdsaCredentials & { requireClientCertificate?: boolean };
  /** psk_identity_hint sent in a ServerKeyExchange (none by default, as RFC 4279 §2 allows). */
  hint?: Uint8Array | string;
  /** Suites accepted, in preference order. Default: TLS_PSK_WITH_AES_128_CCM_8 (and TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 first with `certificate`). */
  cipherSuites?: CipherSuiteId[];
  /** Negotiate extended_master_secret when offered. Default true. */
  extendedMasterSecret?: boolean;
  /** Honour max_fragment_length when offered. Default true. */
  maxFragmentLength?: boolean;
  /** Cookie length (bytes, 0..32). Default 16. */
  cookieLength?: number;
  /** Keep sessions for resumption (session IDs). Default true. */
  resumption?: boolean;
  retransmit?: RetransmitOptions;
  limits?: ConnectionLimits;
  /** Agree to DTLS Connection ID (RFC 9146) when a client offers it, giving each client a CID of this many bytes (1..16). */
  connectionIdLength?: number;
  /** Largest datagram towards clients. Default 1400. */
  maxDatagramSize?: number;
  test?: DtlsServerTestHooks;
}

type ServerPhase = 'client-flight' | 'resume-finished' | 'done';

/** One client's DTLS connection on the server side; a DatagramChannel once established. */
export class DtlsServerConnection extends DtlsConnection {
  private phase: ServerPhase = 'client-flight';
  private suite!: CipherSuite;
  private clientRandom!: Uint8Array;
  /** The client random of the ClientHello this connection answered. */
  get clientHelloRandom(): Uint8Array {
    return this.clientRandom;
  }
  private readonly serverRandom: Uint8Array;
  private readonly sessionId: Uint8Array;
  private master: Uint8Array | null = null;
  private ems = false;
  private ecdhPrivate: Uint8Array | null = null;
  private serverCertType = CertificateType.X509;
  private clientCertType = CertificateType.X509;
  private certificateRequested = false;
  /** The client's P-256 key once its Certificate was checked (ECDHE_ECDSA with client authentication). */
  clientPublicKey: Uint8Array | null = null;
  private clientVerified = false;
  /** The PSK identity the client used (after the handshake). */
  identity: Uint8Array | null = null;
  resumed = false;

  constructor(
    private readonly server: DtlsServer,
    public peer: string,
    private reply: (d: Uint8Array) => void,
    host: Host,
    private readonly opts: DtlsServerOptions,
    firstRecordSeq: number,
    maxDatagram: number,
  ) {
    super(host, maxDatagram, opts.retransmit, opts.limits);
    this.serverRandom = host.randomBytes(32);
    this.sessionId = host.randomBytes(32);
    // RFC 6347 §4.2.1: continue the record numbers from the ClientHello that carried the cookie.
    this.writeStates[0].seq = firstRecordSeq;
  }

  protected transmit(d: Uint8Array): void {
    this.reply(d);
  }

  protected isEndOfPeerFlight(type: HandshakeType): boolean {
    return type === HandshakeType.client_hello || type === HandshakeType.finished;
  }

  /** Starts the handshake from a verified ClientHello (its message as if unfragmented). */
  start(ch: ClientHello, raw: Uint8Array, messageSeq: number): void {
    try {
      this.reassembler.next = messageSeq + 1;
      this.sendSeq = messageSeq;
      this.transcript.bytes(raw);
      this.onClientHello(ch);
    } catch (e) {
      this.fail(e instanceof DtlsError ? e : new DtlsAlert(AlertLevel.fatal, AlertDescription.internal_error, String(e)));
    }
  }

  private onClientHello(ch: ClientHello): void {
    const hooks = this.opts.test ?? {};
    if (ch.version !== DTLS12) throw new DtlsAlert(AlertLevel.fatal, AlertDescription.protocol_version, 'client does not offer DTLS 1.2');
    if (ch.compressionMethods.indexOf(0) < 0) throw new DtlsAlert(AlertLevel.fatal, AlertDescription.handshake_failure, 'client does not offer null compression');
    this.clientRandom = ch.random.slice();
    const prefs = this.opts.cipherSuites ?? (this.opts.certificate ? [CipherSuiteId.TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8] : []).concat(this.opts.psk ? [CipherSuiteId.TLS_PSK_WITH_AES_128_CCM_8] : []);
    let chosen: number | undefined;
    for (const id of prefs) if (ch.cipherSuites.indexOf(id) >= 0) {
      chosen = id;
      break;
    }
    if (hooks.forceCipherSuite !== undefined) chosen = hooks.forceCipherSuite;
    const suite = chosen === undefined ? undefined : suiteById(chosen);
    if (!suite && hooks.forceCipherSuite === undefined) throw new DtlsAlert(AlertLevel.fatal, AlertDescription.handshake_failure, 'no cipher suite in common');
    this.suite = suite ?? suiteById(CipherSuiteId.TLS_PSK_WITH_AES_128_CCM_8)!;
    const e = ch.extensions;
    const ext: Extensions = {};
    if ((e.renegotiationInfo || ch.cipherSuites.indexOf(CipherSuiteId.TLS_EMPTY_RENEGOTIATION_INFO_SCSV) >= 0)) ext.renegotiationInfo = true;
    if ((e.extendedMasterSecret && this.opts.extendedMasterSecret !== false) || hooks.forceExtendedMasterSecret) ext.extendedMasterSecret = true;
    if (e.maxFragmentLength && this.opts.maxFragmentLength !== false) ext.maxFragmentLength = e.maxFragmentLength;
    if (this.suite.keyExchange !== 'psk' && e.ecPointFormats) ext.ecPointFormats = [0];
    if (this.suite.keyExchange === 'ecdhe_ecdsa') {
      const cred = this.opts.certificate;
      if (!cred) throw new DtlsAlert(AlertLevel.fatal, AlertDescription.handshake_failure, 'no certificate configured');
      if (e.signatureAlgorithms && e.signatureAlgorithms.indexOf(ECDSA_SHA256) < 0) throw new DtlsAlert(AlertLevel.fatal, AlertDescription.handshake_failure, 'client does not accept ecdsa_secp256r1_sha256');
      if (e.supportedGroups && e.supportedGroups.indexOf(SECP256R1) < 0) throw new DtlsAlert(AlertLevel.fatal, AlertDescription.handshake_failure, 'client does not offer secp256r1');
      // RFC 7250 §4: pick our type from the client's list; without the extension only X.509 is possible.
      const ours = cred.type === 'rpk' ? CertificateType.RawPublicKey : CertificateType.X509;
      const srvTypes = e.serverCertificateTypes ?? [CertificateType.X509];
      if (srvTypes.indexOf(ours) < 0) throw new DtlsAlert(AlertLevel.fatal, AlertDescription.unsupported_certificate, 'client does not accept our certificate type');
      this.serverCertType = ours;
      if (e.serverCertificateTypes) ext.serverCertificateTypes = [ours];
      const cliTypes = e.clientCertificateTypes ?? [CertificateType.X509];
      if (cred.requireClientCertificate && cliTypes.indexOf(ours) < 0) throw new DtlsAlert(AlertLevel.fatal, AlertDescription.unsupported_certificate, 'client cannot send our certificate type');
      this.clientCertType = ours;
      if (e.clientCertificateTypes && cred.requireClientCertificate && !hooks.omitClientCertificateType) ext.clientCertificateTypes = [ours];
    }
    if (hooks.forceServerCertificateType !== undefined) ext.serverCertificateTypes = [hooks.forceServerCertificateType];
    if (hooks.forceMaxFragmentLength !== undefined) ext.maxFragmentLength = hooks.forceMaxFragmentLength as 1;
    if (hooks.extraExtensions) ext.unknown = hooks.extraExtensions;
    this.ems = !!ext.extendedMasterSecret;
    const cidLen = this.opts.connectionIdLength ?? 0;
    if (e.connectionId && cidLen > 0 && this.suite.keyExchange !== 'ecdhe_psk') {
      const own = this.server.newConnectionId(this);
      ext.connectionId = own;
      this.readCid = own;
      this.writeCid = e.connectionId.slice();
    }

    const cached = ch.sessionId.length && this.opts.resumption !== false ? this.server.findSession(ch.sessionId) : null;
    const resume = cached && cached.cipherSuite === this.suite.id && cached.extendedMasterSecret === this.ems && ch.cipherSuites.indexOf(cached.cipherSuite) >= 0;
    const hello = marshalServerHello({
      version: DTLS12,
      random: this.serverRandom,
      sessionId: resume ? cached.id : this.sessionId,
      cipherSuite: hooks.forceCipherSuite ?? this.suite.id,
      compressionMethod: hooks.forceCompression ?? 0,
      extensions: ext,
    });
    if (ext.maxFragmentLength && ext.maxFragmentLength >= 1 && ext.maxFragmentLength <= 4) this.maxPlaintext = mflBytes(ext.maxFragmentLength);
    const items = [this.handshakeItem(HandshakeType.server_hello, hello, 0)];
    if (resume) {
      this.resumed = true;
      this.sessionId.set(cached.id.subarray(0, 32));
      this.master = cached.masterSecret.slice();
      this.installKeys();
      items.push(this.ccsItem());
      this.writeEpoch = 1;
      items.push(this.handshakeItem(HandshakeType.finished, verifyData(this.crypto, this.master, 'server finished', this.handshakeHash()), 1));
      this.phase = 'resume-finished';
    } else {
      const hint = typeof this.opts.hint === 'string' ? utf8Encode(this.opts.hint) : this.opts.hint;
      if (this.suite.keyExchange === 'ecdhe_ecdsa') {
        const cred = this.opts.certificate!;
        const own = cred.type === 'rpk' ? [encodeSpki(cred.publicKey ?? this.crypto.p256.publicKeyOf(cred.privateKey))] : cred.chain!;
        items.push(this.handshakeItem(HandshakeType.certificate, marshalCertificate(this.serverCertType, own), 0));
        const seed = this.host.randomBytes(32);
        const kp = this.crypto.p256.keyPairFromRandom(seed);
        wipe(seed);
        this.ecdhPrivate = kp.privateKey;
        const params = marshalEcdhParams(kp.publicKey);
        const digest = this.crypto.sha256(concat(this.clientRandom, this.serverRandom, params));
        const sig = this.crypto.p256.sign(cred.privateKey, digest, this.host.randomBytes(32));
        items.push(this.handshakeItem(HandshakeType.server_key_exchange, marshalEcdheEcdsaServerKeyExchange(params, sig), 0));
        if (cred.requireClientCertificate) {
          this.certificateRequested = true;
          items.push(this.handshakeItem(HandshakeType.certificate_request, marshalCertificateRequest({ certificateTypes: [ECDSA_SIGN], signatureAlgorithms: [ECDSA_SHA256] }), 0));
        }
      } else if (this.suite.keyExchange === 'ecdhe_psk') {
        const seed = this.host.randomBytes(32);
        const kp = this.crypto.p256.keyPairFromRandom(seed);
        wipe(seed);
        this.ecdhPrivate = kp.privateKey;
        items.push(this.handshakeItem(HandshakeType.server_key_exchange, marshalServerKeyExchange({ hint: hint ?? new Uint8Array(0), publicKey: kp.publicKey }), 0));
      } else if (hint && hint.length) {
        items.push(this.handshakeItem(HandshakeType.server_key_exchange, marshalServerKeyExchange({ hint }), 0));
      }
      items.push(this.handshakeItem(HandshakeType.server_hello_done, new Uint8Array(0), 0));
    }
    this.sendFlight(items, true);
  }

  private installKeys(): void {
    const kb = keyBlock(this.crypto, this.master!, this.clientRandom, this.serverRandom, this.suite.keyBlockLength);
    const { write, read } = this.suite.ciphers(this.crypto, kb, false, (n) => this.host.randomBytes(n));
    wipe(kb);
    this.writeStates[1] = { cipher: write, seq: 0 };
    this.pendingRead = read;
  }

  protected handleHandshake(msg: HandshakeMessage): void {
    if (this._state === 'established') {
      if (msg.type === HandshakeType.client_hello) this.sendAlert(AlertLevel.warning, AlertDescription.no_renegotiation);
      return;
    }
    const unexpected = () => new DtlsAlert(AlertLevel.fatal, AlertDescription.unexpected_message, `unexpected handshake message ${msg.type}`);
    if (this.phase === 'client-flight' && this.suite.keyExchange === 'ecdhe_ecdsa' && msg.type !== HandshakeType.finished) return this.onEcdsaClientMessage(msg);
    if (this.phase === 'client-flight' && msg.type === HandshakeType.client_key_exchange && !this.master) {
      if (!this.opts.psk) throw unexpected();
      const cke = unmarshalClientKeyExchange(msg.body, this.suite.keyExchange === 'ecdhe_psk');
      const psk = this.opts.psk(cke.identity);
      if (!psk) throw new DtlsAlert(AlertLevel.fatal, AlertDescription.unknown_psk_identity, 'unknown PSK identity');
      this.identity = cke.identity.slice();
      let other: Uint8Array | undefined;
      if (cke.publicKey) other = this.crypto.p256.ecdh(this.ecdhPrivate!, cke.publicKey);
      const pms = pskPremasterSecret(psk, other);
      wipe(psk, other, this.ecdhPrivate);
      this.transcript.bytes(msg.raw);
      this.master = this.ems ? extendedMasterSecret(this.crypto, pms, this.handshakeHash()) : masterSecret(this.crypto, pms, this.clientRandom, this.serverRandom);
      wipe(pms);
      this.installKeys();
      return;
    }
    if (msg.type === HandshakeType.finished && this.handshakeEpoch === 1 && this.master && (this.phase === 'client-flight' || this.phase === 'resume-finished')) {
      if (this.phase === 'client-flight' && this.certificateRequested && !this.clientVerified) throw unexpected();
      const got = unmarshalFinished(msg.body);
      const expected = verifyData(this.crypto, this.master, 'client finished', this.handshakeHash());
      if (!constantTimeEqual(got, expected)) throw new DtlsAlert(AlertLevel.fatal, AlertDescription.decrypt_error, 'client Finished does not verify');
      this.transcript.bytes(msg.raw);
      if (this.phase === 'client-flight') {
        const items = [this.ccsItem()];
        this.writeEpoch = 1;
        items.push(this.handshakeItem(HandshakeType.finished, verifyData(this.crypto, this.master, 'server finished', this.handshakeHash()), 1));
        this.sendFlight(items, false);
      }
      const sentLast = this.phase === 'client-flight';
      this.phase = 'done';
      this.established(sentLast);
      this.transcript.wipe();
      if (this.opts.resumption !== false && !this.resumed) {
        this.server.storeSession({ id: this.sessionId.slice(), masterSecret: this.master.slice(), cipherSuite: this.suite.id, extendedMasterSecret: this.ems });
      }
      this.server.connectionEstablished(this);
      return;
    }
    throw unexpected();
  }

  /** Flight 5 of ECDHE_ECDSA: [Certificate], ClientKeyExchange, [CertificateVerify] (RFC 8422 §2.2, RFC 5246 §7.4.8). */
  private onEcdsaClientMessage(msg: HandshakeMessage): void {
    const unexpected = () => new DtlsAlert(AlertLevel.fatal, AlertDescription.unexpected_message, `unexpected handshake message ${msg.type}`);
    const cred = this.opts.certificate!;
    switch (msg.type) {
      case HandshakeType.certificate: {
        if (!this.certificateRequested || this.clientPublicKey || this.master) throw unexpected();
        const certs = unmarshalCertificate(this.clientCertType, msg.body);
        if (certs.length === 0) throw new DtlsAlert(AlertLevel.fatal, AlertDescription.handshake_failure, 'client certificate required');
        try {
          this.clientPublicKey = cred.verifyPeer(this.clientCertType, certs);
        } catch (e) {
          throw certificateAlert(e);
        }
        this.transcript.bytes(msg.raw);
        return;
      }
      case HandshakeType.client_key_exchange: {
        if (this.master || (this.certificateRequested && !this.clientPublicKey)) throw unexpected();
        const point = unmarshalEcdhClientKeyExchange(msg.body);
        const pms = this.crypto.p256.ecdh(this.ecdhPrivate!, point);
        wipe(this.ecdhPrivate);
        this.transcript.bytes(msg.raw);
        this.master = this.ems ? extendedMasterSecret(this.crypto, pms, this.handshakeHash()) : masterSecret(this.crypto, pms, this.clientRandom, this.serverRandom);
        wipe(pms);
        this.installKeys();
        return;
      }
      case HandshakeType.certificate_verify: {
        if (!this.master || !this.clientPublicKey || this.clientVerified) throw unexpected();
        const sig = unmarshalCertificateVerify(msg.body);
        if (!this.crypto.p256.verify(this.clientPublicKey, this.handshakeHash(), sig)) throw new DtlsAlert(AlertLevel.fatal, AlertDescription.decrypt_error, 'CertificateVerify does not verify');
        this.clientVerified = true;
        this.transcript.bytes(msg.raw);
        return;
      }
      default:
        throw unexpected();
    }
  }

  /** The CID this server gave the client (null without RFC 9146). */
  get connectionId(): Uint8Array | null {
    return this.readCid;
  }

  /** @internal Where the datagram being handled came from, when that is not `peer` (set by the server around it). */
  candidate: { peer: string; reply: (d: Uint8Array) => void } | null = null;

  /**
   * RFC 9146 §6: the client moved. The address changes as soon as an authenticated record newer than any before
   * arrives from the new one, before that record's content is handled, so that the answer goes to the new address.
   */
  protected override onAuthenticatedNewer(): void {
    const c = this.candidate;
    if (!c) return;
    this.candidate = null;
    const old = this.peer;
    this.peer = c.peer;
    this.reply = c.reply;
    this.server.peerMoved(this, old);
  }

  /** Sends a HelloRequest (RFC 5246 §7.4.1.1); our client answers no_renegotiation. */
  requestRenegotiation(): void {
    if (this._state !== 'established') throw new DtlsError('state', 'not established');
    const msg = marshalHandshake(HandshakeType.hello_request, this.sendSeq++, new Uint8Array(0));
    this.reply(this.sealRecord(ContentType.handshake, this.writeEpoch, msg));
  }

  protected onTerminated(reason: Error | null): void {
    this.server.connectionClosed(this, reason);
  }

  protected override dispose(): void {
    super.dispose();
    wipe(this.master, this.ecdhPrivate);
    this.master = null;
  }
}

/** Datagram from a client that the server has no connection for: only a ClientHello matters. */
function firstClientHello(datagram: Uint8Array): { ch: ClientHello; raw: Uint8Array; messageSeq: number; recordSeq: number } | null {
  for (const rec of parseRecords(datagram)) {
    if (rec.type !== ContentType.handshake || rec.epoch !== 0) continue;
    try {
      const frags = unmarshalHandshakeFragments(rec.fragment);
      const f = frags[0];
      // Stateless: only an unfragmented ClientHello is considered before the cookie is verified.
      if (!f || f.type !== HandshakeType.client_hello || f.fragmentOffset !== 0 || f.fragmentLength !== f.length) return null;
      return { ch: unmarshalClientHello(f.body), raw: marshalHandshake(HandshakeType.client_hello, f.messageSeq, f.body), messageSeq: f.messageSeq, recordSeq: rec.sequence };
    } catch {
      return null;
    }
  }
  return null;
}

export class DtlsServer {
  /** Called when a client completes a handshake; the connection is a DatagramChannel. */
  onConnection: ((conn: DtlsServerConnection) => void) | null = null;
  /** Called when a connection moved to a new peer address by its CID (RFC 9146 §6); `conn.peer` is the new one. */
  onPeerMoved: ((conn: DtlsServerConnection, oldPeer: string) => void) | null = null;
  /** Called when a connection ends (close_notify: reason null). */
  onConnectionClosed: ((conn: DtlsServerConnection, reason: Error | null) => void) | null = null;
  private readonly connections = new Map<string, DtlsServerConnection>();
  private readonly sessions: DtlsSession[] = [];
  private readonly cookieSecret: Uint8Array;
  private readonly cookieLength: number;
  /** HelloVerifyRequests sent, for tests. */
  helloVerifyRequests = 0;

  constructor(
    private readonly host: Host,
    private readonly opts: DtlsServerOptions,
  ) {
    this.cookieSecret = host.randomBytes(32);
    this.cookieLength = opts.cookieLength ?? 16;
    if (this.cookieLength < 0 || this.cookieLength > 32) throw new DtlsError('bad-config', 'cookieLength must be 0..32');
  }

  private cookieFor(peer: string, ch: ClientHello): Uint8Array {
    const mac = this.host.crypto.hmacSha256(this.cookieSecret, concat(utf8Encode(peer), ch.random, ch.sessionId));
    return mac.subarray(0, this.cookieLength);
  }

  /** Connections by CID (hex), when RFC 9146 is on. */
  private readonly byCid = new Map<string, DtlsServerConnection>();
  /** Datagrams whose peer address changed and that moved a connection (RFC 9146 §6), for tests. */
  addressChanges = 0;

  /** @internal A fresh CID for a connection. */
  newConnectionId(conn: DtlsServerConnection): Uint8Array {
    const n = Math.max(1, Math.min(16, this.opts.connectionIdLength ?? 0));
    for (;;) {
      const cid = this.host.randomBytes(n);
      const key = toHex(cid);
      if (this.byCid.has(key)) continue;
      this.byCid.set(key, conn);
      return cid;
    }
  }

  /** Feeds one datagram from `peer` (any string naming the address); `reply` sends back to it. */
  handle(datagram: Uint8Array, peer: string, reply: (d: Uint8Array) => void, maxDatagram = this.opts.maxDatagramSize ?? 1400): void {
    const cid = peekCid(datagram, this.opts.connectionIdLength ?? 0);
    if (cid) {
      // RFC 9146 §6: the CID, not the address, names the connection; the address follows only an authenticated,
      // newer record (so a replayed or forged datagram from elsewhere cannot divert the traffic).
      const conn = this.byCid.get(toHex(cid));
      if (!conn || conn.state === 'closed') return;
      conn.candidate = conn.peer !== peer ? { peer, reply } : null;
      try {
        conn.receiveDatagram(datagram);
      } finally {
        conn.candidate = null;
      }
      return;
    }
    const existing = this.connections.get(peer);
    if (existing && existing.state !== 'closed') {
      // A new ClientHello (message_seq 0..1, epoch 0) on an established connection is a client that restarted.
      const hello = existing.state === 'established' ? firstClientHello(datagram) : null;
      // A late copy of the ClientHello that made this connection (same client random) is not a restarted client.
      if (hello && equalBytes(hello.ch.random, existing.clientHelloRandom)) return;
      if (!hello || hello.ch.cookie.length === 0 || !constantTimeEqual(hello.ch.cookie, this.cookieFor(peer, hello.ch))) {
        if (hello && hello.ch.cookie.length === 0) this.sendHelloVerify(hello, peer, reply);
        else existing.receiveDatagram(datagram);
        return;
      }
    }
    const hello = firstClientHello(datagram);
    if (!hello) return;
    if (this.cookieLength > 0 && (hello.ch.cookie.length === 0 || !constantTimeEqual(hello.ch.cookie, this.cookieFor(peer, hello.ch)))) {
      this.sendHelloVerify(hello, peer, reply);
      return;
    }
    const old = this.connections.get(peer);
    if (old && old.state !== 'closed') old.close();
    const conn = new DtlsServerConnection(this, peer, reply, this.host, this.opts, hello.recordSeq, maxDatagram);
    this.connections.set(peer, conn);
    conn.start(hello.ch, hello.raw, hello.messageSeq);
  }

  private sendHelloVerify(hello: { ch: ClientHello; messageSeq: number; recordSeq: number }, peer: string, reply: (d: Uint8Array) => void): void {
    this.helloVerifyRequests++;
    const body = marshalHelloVerifyRequest({ version: DTLS10, cookie: this.cookieFor(peer, hello.ch) });
    reply(marshalRecord(ContentType.handshake, 0, hello.recordSeq, marshalHandshake(HandshakeType.hello_verify_request, hello.messageSeq, body)));
  }

  /** Serves one in-memory channel (tests): every datagram on it is from `peer`. */
  attach(channel: DatagramChannel, peer = 'peer'): void {
    channel.onReceive = (d) => this.handle(d, peer, (r) => channel.send(r), channel.maxDatagramSize);
  }

  /** Serves an unconnected UDP socket; peers are keyed by "address:port". */
  listen(socket: UdpSocket): void {
    socket.onMessage = (d, address, port) => this.handle(d, `${address}:${port}`, (r) => socket.send(r, address, port));
  }

  connection(peer: string): DtlsServerConnection | undefined {
    return this.connections.get(peer);
  }

  /** @internal */
  findSession(id: Uint8Array): DtlsSession | null {
    for (const s of this.sessions) if (s.id.length === id.length && constantTimeEqual(s.id, id)) return s;
    return null;
  }

  /** @internal Keeps the 32 newest sessions. */
  storeSession(s: DtlsSession): void {
    this.sessions.push(s);
    while (this.sessions.length > 32) wipe(this.sessions.shift()!.masterSecret);
  }

  /** @internal A connection now answers to `conn.peer` instead of `old`. */
  peerMoved(conn: DtlsServerConnection, old: string): void {
    if (this.connections.get(old) === conn) this.connections.delete(old);
    const there = this.connections.get(conn.peer);
    if (there && there !== conn) there.close();
    this.connections.set(conn.peer, conn);
    this.addressChanges++;
    this.onPeerMoved?.(conn, old);
  }

  /** @internal */
  connectionEstablished(conn: DtlsServerConnection): void {
    this.onConnection?.(conn);
  }

  /** @internal */
  connectionClosed(conn: DtlsServerConnection, reason: Error | null): void {
    if (this.connections.get(conn.peer) === conn) this.connections.delete(conn.peer);
    const cid = conn.connectionId;
    if (cid && this.byCid.get(toHex(cid)) === conn) this.byCid.delete(toHex(cid));
    this.onConnectionClosed?.(conn, reason);
  }

  close(): void {
    for (const c of [...this.connections.values()]) c.close();
    for (const s of this.sessions) wipe(s.masterSecret);
    this.sessions.length = 0;
    wipe(this.cookieSecret);
  }
}

