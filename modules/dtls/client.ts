/**
 * DTLS 1.2 client (RFC 6347) for the PSK profiles of LwM2M (RFC 7925): TLS_PSK_WITH_AES_128_CCM_8
 * and TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256, with the cookie exchange, max_fragment_length,
 * extended_master_secret, renegotiation_info/SCSV, session resumption and an optional key log.
 *
 * Flights (RFC 6347 §4.2.4):  1 ClientHello -> 2 HelloVerifyRequest -> 3 ClientHello(cookie)
 *   -> 4 ServerHello [ServerKeyExchange] ServerHelloDone -> 5 ClientKeyExchange CCS Finished -> 6 CCS Finished.
 * Resumed: 3 ClientHello(session_id) -> 4 ServerHello CCS Finished -> 5 CCS Finished.
 */
import { concat, constantTimeEqual, utf8Encode, wipe } from '../bytes/index';
import type { Host } from '../host';
import type { DatagramChannel } from '../transport/types';
import { type CipherSuite, suiteById } from './cipherSuite';
import { AlertDescription, AlertLevel, CertificateType, CipherSuiteId, DTLS10, DTLS12, ECDSA_SHA256, ECDSA_SIGN, HandshakeType } from './constants';
import { certificateAlert, type EcdsaCredentials } from './credentials';
import { encodeSpki } from '../x509/keys';
import { marshalCertificate, unmarshalCertificate } from './handshake/certificate';
import { unmarshalCertificateRequest } from './handshake/certificateRequest';
import { marshalCertificateVerify, marshalEcdhClientKeyExchange, unmarshalEcdheEcdsaServerKeyExchange } from './handshake/signed';
import { type ConnectionLimits, DtlsConnection } from './connection';
import { DtlsAlert, DtlsError } from './errors';
import type { Extensions } from './extensions/index';
import { type MaxFragmentLength, mflBytes, mflFromBytes } from './extensions/maxFragmentLength';
import { SECP256R1 } from './extensions/supportedGroups';
import { MAX_CID } from './extensions/connectionId';
import type { RetransmitOptions } from './flight';
import { marshalClientHello } from './handshake/clientHello';
import { unmarshalFinished } from './handshake/finished';
import type { HandshakeMessage } from './handshake/reassembler';
import { unmarshalHelloVerifyRequest } from './handshake/helloVerifyRequest';
import { marshalClientKeyExchange, MAX_PSK_IDENTITY, unmarshalServerKeyExchange } from './handshake/keyExchange';
import { type ServerHello, unmarshalServerHello, unmarshalServerHelloDone } from './handshake/serverHello';
import { extendedMasterSecret, keyBlock, masterSecret, pskPremasterSecret, verifyData } from './keys';
import { type DtlsSession, exportSession, importSession } from './session';
import type { SleepState } from './sleep';
import { ReplayWindow } from './replay';

export interface DtlsClientOptions {
  /** The pre-shared key (1..64 bytes) of the PSK suites. Copied; the copy is wiped on close. */
  psk?: Uint8Array;
  /** PSK identity (UTF-8 string or bytes, up to 128 bytes per RFC 4279 / LwM2M). */
  identity?: Uint8Array | string;
  /** Key and peer check of TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 (raw public key or X.509). */
  certificate?: EcdsaCredentials;
  /** Suites to offer, in preference order. Default: TLS_PSK_WITH_AES_128_CCM_8 only, or with `certificate` TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8. */
  cipherSuites?: CipherSuiteId[];
  /** Offer max_fragment_length (RFC 6066) with this record size. */
  maxFragmentLength?: 512 | 1024 | 2048 | 4096;
  /** Offer extended_master_secret (RFC 7627). Default true. */
  extendedMasterSecret?: boolean;
  /** Abort when the server does not agree to EMS. Default false. */
  requireExtendedMasterSecret?: boolean;
  /** Secure-renegotiation signal: the SCSV (2 bytes, default), the empty extension (5 bytes), or none. */
  renegotiationInfo?: 'scsv' | 'extension' | 'none';
  /** Retransmission timer; default RFC 7925 (9 s initial, doubling to 60 s, 5 retransmissions). */
  retransmit?: RetransmitOptions;
  /** A session to resume (abbreviated handshake); falls back to a full handshake if the server declines. */
  session?: DtlsSession;
  limits?: ConnectionLimits;
  /**
   * Offer DTLS Connection ID (RFC 9146) with this CID of ours (0..32 bytes; empty: we want none in records to
   * us but will send the server's). Only with CCM_8 suites.
   */
  connectionId?: Uint8Array;
  /**
   * Wake a sleeping connection instead of a handshake (see sleep.ts / `DtlsClient.wake`): the sealed state, and
   * where every write sequence number comes from from now on (a durable, reserved-ahead counter).
   */
  wake?: { state: SleepState; nextSequence: () => number };
  /** Misbehaviour for negative tests of servers only. */
  test?: { omitCertificateVerify?: boolean };
}

type Phase = 'idle' | 'hello' | 'server-flight' | 'await-finished' | 'resume-finished' | 'done';

/** The most HelloVerifyRequests we follow before calling the server broken. */
const MAX_HELLO_VERIFY = 2;

export class DtlsClient extends DtlsConnection {
  private readonly psk: Uint8Array;
  private readonly identity: Uint8Array;
  private readonly suites: CipherSuite[];
  private readonly opts: DtlsClientOptions;
  private phase: Phase = 'idle';
  private clientRandom: Uint8Array = new Uint8Array(0);
  private serverRandom: Uint8Array = new Uint8Array(0);
  private cookie: Uint8Array = new Uint8Array(0);
  private helloVerifyCount = 0;
  private offered: Extensions = {};
  private suite: CipherSuite | null = null;
  private sessionId: Uint8Array = new Uint8Array(0);
  private master: Uint8Array | null = null;
  private emsNegotiated = false;
  private mfl: MaxFragmentLength | undefined;
  private serverKeyExchange: { hint: Uint8Array; publicKey?: Uint8Array } | null = null;
  private readonly privateKey: Uint8Array | null = null;
  private keyBlock: Uint8Array | null = null;
  /** Set once the connection was sealed for sleep or woken: write sequence numbers then come from here. */
  private sequenceSource: (() => number) | null = null;
  /** True when this connection was restored from a sealed sleep state (no handshake). */
  woken = false;
  /** ECDHE_ECDSA: the certificate types the server chose (RFC 7250), its key, whether it asked for ours. */
  private serverCertType = CertificateType.X509;
  private clientCertType = CertificateType.X509;
  private serverPublicKey: Uint8Array | null = null;
  private certificateRequested = false;
  private settle: { resolve: () => void; reject: (e: Error) => void } | null = null;
  /** The identity hint the server sent, if any. */
  identityHint: Uint8Array | null = null;
  /** True after an abbreviated (resumed) handshake. */
  resumed = false;

  constructor(
    host: Host,
    private readonly lower: DatagramChannel,
    options: DtlsClientOptions,
  ) {
    super(host, lower.maxDatagramSize, options.retransmit, options.limits);
    const cert = options.certificate;
    if (options.wake) {
      this.identity = new Uint8Array(0);
      this.psk = new Uint8Array(0);
      this.opts = options;
      this.suites = [];
      lower.onReceive = (d) => this.receiveDatagram(d);
      lower.onClose = (reason) => this.terminate(reason ?? new DtlsError('closed', 'transport closed'));
      this.restoreFromSleep(options.wake.state, options.wake.nextSequence);
      return;
    }
    if (options.psk !== undefined || !cert) {
      if (!(options.psk instanceof Uint8Array) || options.psk.length < 1 || options.psk.length > 64) throw new DtlsError('bad-config', 'psk must be 1..64 bytes');
    }
    const identity = options.identity ?? new Uint8Array(0);
    this.identity = typeof identity === 'string' ? utf8Encode(identity) : identity.slice();
    if (this.identity.length > MAX_PSK_IDENTITY) throw new DtlsError('bad-config', `psk identity longer than ${MAX_PSK_IDENTITY} bytes`);
    this.psk = options.psk ? options.psk.slice() : new Uint8Array(0);
    if (cert) {
      if (!(cert.privateKey instanceof Uint8Array) || cert.privateKey.length !== 32) throw new DtlsError('bad-config', 'certificate.privateKey must be a 32-byte P-256 scalar');
      if (cert.type === 'x509' && !cert.chain?.length) throw new DtlsError('bad-config', 'certificate.chain is needed for X.509');
      this.privateKey = cert.privateKey.slice();
    }
    this.opts = options;
    const ids = options.cipherSuites ?? [cert ? CipherSuiteId.TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 : CipherSuiteId.TLS_PSK_WITH_AES_128_CCM_8];
    this.suites = [];
    for (const id of ids) {
      const s = suiteById(id);
      if (!s) throw new DtlsError('bad-config', `unsupported cipher suite 0x${id.toString(16)}`);
      if ((s.keyExchange === 'ecdhe_ecdsa') !== !!cert && (s.keyExchange === 'ecdhe_ecdsa' || !options.psk)) throw new DtlsError('bad-config', `${s.name} needs ${s.keyExchange === 'ecdhe_ecdsa' ? 'certificate' : 'psk'} credentials`);
      this.suites.push(s);
    }
    if (!this.suites.length) throw new DtlsError('bad-config', 'no cipher suite');
    lower.onReceive = (d) => this.receiveDatagram(d);
    lower.onClose = (reason) => this.terminate(reason ?? new DtlsError('closed', 'transport closed'));
  }

  protected transmit(d: Uint8Array): void {
    this.lower.send(d);
  }

  /** Runs the handshake; resolves when application data may flow. */
  connect(): Promise<void> {
    if (this.phase !== 'idle') return Promise.reject(new DtlsError('state', 'connect() may be called once'));
    return new Promise<void>((resolve, reject) => {
      this.settle = { resolve, reject };
      this.clientRandom = this.makeRandom();
      const mfl = this.opts.maxFragmentLength;
      const ecdhe = this.suites.some((s) => s.keyExchange !== 'psk');
      const ecdsa = this.suites.some((s) => s.keyExchange === 'ecdhe_ecdsa');
      // RFC 7250 §4: a client that only has a raw public key says so; X.509 is the default and needs no extension.
      const rpk = ecdsa && this.opts.certificate?.type === 'rpk' ? [CertificateType.RawPublicKey] : undefined;
      const cid = this.opts.connectionId;
      if (cid && (cid.length > MAX_CID || this.suites.some((s) => s.keyExchange === 'ecdhe_psk'))) throw new DtlsError('bad-config', 'connectionId: at most 32 bytes, and only with CCM_8 suites');
      this.offered = {
        connectionId: cid ? cid.slice() : undefined,
        signatureAlgorithms: ecdsa ? [ECDSA_SHA256] : undefined,
        clientCertificateTypes: rpk,
        serverCertificateTypes: rpk,
        renegotiationInfo: this.opts.renegotiationInfo === 'extension' || undefined,
        extendedMasterSecret: this.opts.extendedMasterSecret !== false || undefined,
        maxFragmentLength: mfl ? mflFromBytes(mfl) : undefined,
        supportedGroups: ecdhe ? [SECP256R1] : undefined,
        ecPointFormats: ecdhe ? [0] : undefined,
      };
      this.phase = 'hello';
      try {
        this.sendClientHello();
      } catch (e) {
        this.fail(e instanceof DtlsError ? e : new DtlsError('closed', String(e)));
      }
    });
  }

  private makeRandom(): Uint8Array {
    // RFC 5246: gmt_unix_time(4) + 28 random bytes; a constrained device may not know the time,
    // and nothing depends on it, so all 32 bytes are random.
    const r = this.host.randomBytes(32);
    if (r.length !== 32) throw new DtlsError('bad-config', 'host.randomBytes returned the wrong length');
    return r;
  }

  private sendClientHello(): void {
    this.transcript.reset();
    const suites = this.suites.map((s) => s.id as number);
    if ((this.opts.renegotiationInfo ?? 'scsv') === 'scsv') suites.push(CipherSuiteId.TLS_EMPTY_RENEGOTIATION_INFO_SCSV);
    const body = marshalClientHello({
      version: DTLS12,
      random: this.clientRandom,
      sessionId: this.opts.session?.id ?? new Uint8Array(0),
      cookie: this.cookie,
      cipherSuites: suites,
      compressionMethods: [0],
      extensions: this.offered,
    });
    // Server messages answer with the same message_seq as this hello.
    this.reassembler.next = this.sendSeq;
    this.sendFlight([this.handshakeItem(HandshakeType.client_hello, body, 0)], true);
  }

  protected isEndOfPeerFlight(type: HandshakeType): boolean {
    return type === HandshakeType.server_hello_done || type === HandshakeType.finished || type === HandshakeType.hello_verify_request;
  }

  protected handleHandshake(msg: HandshakeMessage): void {
    if (this._state === 'established') {
      if (msg.type === HandshakeType.hello_request) this.sendAlert(AlertLevel.warning, AlertDescription.no_renegotiation);
      return;
    }
    const unexpected = () => new DtlsAlert(AlertLevel.fatal, AlertDescription.unexpected_message, `unexpected handshake message ${msg.type} in phase ${this.phase}`);
    switch (this.phase) {
      case 'hello':
        if (msg.type === HandshakeType.hello_verify_request) return this.onHelloVerifyRequest(msg.body);
        if (msg.type === HandshakeType.server_hello) return this.onServerHello(msg);
        if (msg.type === HandshakeType.hello_request) return;
        throw unexpected();
      case 'server-flight':
        if (this.suite!.keyExchange === 'ecdhe_ecdsa') return this.onEcdsaServerFlight(msg);
        if (msg.type === HandshakeType.server_key_exchange && !this.serverKeyExchange) {
          this.transcript.bytes(msg.raw);
          this.serverKeyExchange = unmarshalServerKeyExchange(msg.body, this.suite!.keyExchange === 'ecdhe_psk');
          if (this.serverKeyExchange.hint.length) this.identityHint = this.serverKeyExchange.hint.slice();
          return;
        }
        if (msg.type === HandshakeType.server_hello_done) {
          unmarshalServerHelloDone(msg.body);
          if (this.suite!.keyExchange === 'ecdhe_psk' && !this.serverKeyExchange?.publicKey) throw unexpected();
          this.transcript.bytes(msg.raw);
          return this.sendClientFinishedFlight();
        }
        throw unexpected();
      case 'await-finished':
      case 'resume-finished':
        if (msg.type === HandshakeType.finished && this.handshakeEpoch === 1) return this.onServerFinished(msg);
        throw unexpected();
      default:
        throw unexpected();
    }
  }

  /** RFC 8422 §2.2 flight 4: Certificate, ServerKeyExchange (signed), [CertificateRequest], ServerHelloDone. */
  private onEcdsaServerFlight(msg: HandshakeMessage): void {
    const unexpected = () => new DtlsAlert(AlertLevel.fatal, AlertDescription.unexpected_message, `unexpected handshake message ${msg.type} in the server flight`);
    const cred = this.opts.certificate!;
    switch (msg.type) {
      case HandshakeType.certificate: {
        if (this.serverPublicKey) throw unexpected();
        const certs = unmarshalCertificate(this.serverCertType, msg.body);
        if (certs.length === 0) throw new DtlsAlert(AlertLevel.fatal, AlertDescription.bad_certificate, 'the server sent no certificate');
        try {
          this.serverPublicKey = cred.verifyPeer(this.serverCertType, certs);
        } catch (e) {
          throw certificateAlert(e);
        }
        this.transcript.bytes(msg.raw);
        return;
      }
      case HandshakeType.server_key_exchange: {
        if (!this.serverPublicKey || this.serverKeyExchange) throw unexpected();
        const ske = unmarshalEcdheEcdsaServerKeyExchange(msg.body);
        const digest = this.crypto.sha256(concat(this.clientRandom, this.serverRandom, ske.params));
        if (!this.crypto.p256.verify(this.serverPublicKey, digest, ske.signature)) throw new DtlsAlert(AlertLevel.fatal, AlertDescription.decrypt_error, 'ServerKeyExchange signature does not verify');
        this.serverKeyExchange = { hint: new Uint8Array(0), publicKey: ske.publicKey.slice() };
        this.transcript.bytes(msg.raw);
        return;
      }
      case HandshakeType.certificate_request: {
        if (!this.serverKeyExchange || this.certificateRequested) throw unexpected();
        const cr = unmarshalCertificateRequest(msg.body);
        if (cr.certificateTypes.indexOf(ECDSA_SIGN) < 0 || cr.signatureAlgorithms.indexOf(ECDSA_SHA256) < 0) {
          throw new DtlsAlert(AlertLevel.fatal, AlertDescription.handshake_failure, 'the server does not accept an ECDSA P-256 / SHA-256 client certificate');
        }
        const want = cred.type === 'rpk' ? CertificateType.RawPublicKey : CertificateType.X509;
        if (this.clientCertType !== want) throw new DtlsAlert(AlertLevel.fatal, AlertDescription.unsupported_certificate, `server wants a client certificate of type ${this.clientCertType}; we have ${cred.type}`);
        this.certificateRequested = true;
        this.transcript.bytes(msg.raw);
        return;
      }
      case HandshakeType.server_hello_done:
        if (!this.serverKeyExchange) throw unexpected();
        unmarshalServerHelloDone(msg.body);
        this.transcript.bytes(msg.raw);
        return this.sendClientFinishedFlight();
      default:
        throw unexpected();
    }
  }

  private onHelloVerifyRequest(body: Uint8Array): void {
    const hvr = unmarshalHelloVerifyRequest(body);
    if (hvr.version !== DTLS12 && hvr.version !== DTLS10) throw new DtlsAlert(AlertLevel.fatal, AlertDescription.protocol_version, 'HelloVerifyRequest with an unknown version');
    if (++this.helloVerifyCount > MAX_HELLO_VERIFY) throw new DtlsAlert(AlertLevel.fatal, AlertDescription.unexpected_message, 'too many HelloVerifyRequests');
    this.cookie = hvr.cookie.slice();
    this.sendClientHello();
  }

  private onServerHello(msg: HandshakeMessage): void {
    const sh: ServerHello = unmarshalServerHello(msg.body);
    if (sh.version !== DTLS12) throw new DtlsAlert(AlertLevel.fatal, AlertDescription.protocol_version, `server chose version 0x${sh.version.toString(16)}`);
    const suite = this.suites.find((s) => s.id === sh.cipherSuite);
    if (!suite) throw new DtlsAlert(AlertLevel.fatal, AlertDescription.illegal_parameter, `server chose cipher suite 0x${sh.cipherSuite.toString(16)}, which we did not offer`);
    if (sh.compressionMethod !== 0) throw new DtlsAlert(AlertLevel.fatal, AlertDescription.illegal_parameter, 'server chose a compression method we did not offer');
    this.checkServerExtensions(sh.extensions);
    this.suite = suite;
    // RFC 7250 §4: without the extension in the ServerHello the type is X.509.
    this.serverCertType = sh.extensions.serverCertificateTypes?.[0] ?? CertificateType.X509;
    // RFC 9146 §3: from epoch 1 on we send the server's CID and expect ours.
    if (sh.extensions.connectionId) {
      this.writeCid = sh.extensions.connectionId.slice();
      this.readCid = this.offered.connectionId!.slice();
    }
    this.clientCertType = sh.extensions.clientCertificateTypes?.[0] ?? CertificateType.X509;
    // The server type is one we offered (checkServerExtensions: RPK only when we asked, X.509 when absent); the
    // client type is only answered with a CertificateRequest (RFC 7250 §4) and checked there.
    this.serverRandom = sh.random.slice();
    this.sessionId = sh.sessionId.slice();
    this.emsNegotiated = !!sh.extensions.extendedMasterSecret;
    this.mfl = sh.extensions.maxFragmentLength;
    if (this.mfl) this.maxPlaintext = mflBytes(this.mfl);
    this.transcript.bytes(msg.raw);
    const session = this.opts.session;
    if (session && sh.sessionId.length > 0 && constantTimeEqual(sh.sessionId, session.id)) {
      // RFC 5246 §7.4.1.3 / RFC 7627 §5.3: a resumed session keeps its suite and its EMS mode.
      if (session.cipherSuite !== suite.id) throw new DtlsAlert(AlertLevel.fatal, AlertDescription.illegal_parameter, 'resumed session with a different cipher suite');
      if (session.extendedMasterSecret !== this.emsNegotiated) throw new DtlsAlert(AlertLevel.fatal, AlertDescription.handshake_failure, 'resumed session with a different extended_master_secret mode');
      this.master = session.masterSecret.slice();
      this.installKeys();
      this.resumed = true;
      this.phase = 'resume-finished';
      return;
    }
    if (this.opts.requireExtendedMasterSecret && !this.emsNegotiated) throw new DtlsAlert(AlertLevel.fatal, AlertDescription.handshake_failure, 'server does not support extended_master_secret');
    this.phase = 'server-flight';
  }

  /** RFC 5246 §7.4.1.4: a server may only answer extensions the client offered. */
  private checkServerExtensions(e: Extensions): void {
    const refuse = (what: string) => new DtlsAlert(AlertLevel.fatal, AlertDescription.unsupported_extension, `server sent ${what}, which we did not offer`);
    if (e.unknown?.length) throw refuse(`extension ${e.unknown[0].type}`);
    if (e.supportedGroups) throw refuse('supported_groups');
    if (e.signatureAlgorithms) throw refuse('signature_algorithms');
    if (e.connectionId && !this.offered.connectionId) throw refuse('connection_id');
    for (const [got, offered, name] of [[e.clientCertificateTypes, this.offered.clientCertificateTypes, 'client_certificate_type'], [e.serverCertificateTypes, this.offered.serverCertificateTypes, 'server_certificate_type']] as const) {
      if (!got) continue;
      if (!offered) throw refuse(name);
      if (offered.indexOf(got[0]) < 0) throw new DtlsAlert(AlertLevel.fatal, AlertDescription.illegal_parameter, `server chose a ${name} we did not offer`);
    }
    if (e.ecPointFormats && !this.offered.ecPointFormats) throw refuse('ec_point_formats');
    if (e.extendedMasterSecret && !this.offered.extendedMasterSecret) throw refuse('extended_master_secret');
    if (e.maxFragmentLength !== undefined) {
      if (!this.offered.maxFragmentLength) throw refuse('max_fragment_length');
      if (e.maxFragmentLength !== this.offered.maxFragmentLength) throw new DtlsAlert(AlertLevel.fatal, AlertDescription.illegal_parameter, 'server answered a different max_fragment_length');
    }
    const renegOffered = this.offered.renegotiationInfo || (this.opts.renegotiationInfo ?? 'scsv') === 'scsv';
    if (e.renegotiationInfo && !renegOffered) throw refuse('renegotiation_info');
  }

  private installKeys(): void {
    const suite = this.suite!;
    const kb = keyBlock(this.crypto, this.master!, this.clientRandom, this.serverRandom, suite.keyBlockLength);
    const { write, read } = suite.ciphers(this.crypto, kb, true, (n) => this.host.randomBytes(n));
    // Kept (and wiped on close) only so that the connection can be sealed for sleep.
    wipe(this.keyBlock);
    this.keyBlock = kb;
    this.writeStates[1] = { cipher: write, seq: 0 };
    this.pendingRead = read;
    this.exportKeys(this.clientRandom, this.master!);
  }

  /**
   * Hook for a test/tool subclass that writes an NSS key log (tools/dtls-key-log.ts). Never an option: no device
   * configuration can switch on something that reveals the master secret. A no-op here.
   */
  protected exportKeys(_clientRandom: Uint8Array, _master: Uint8Array): void {}

  private sendClientFinishedFlight(): void {
    const suite = this.suite!;
    let other: Uint8Array | undefined;
    let publicKey: Uint8Array | undefined;
    if (suite.keyExchange !== 'psk') {
      const seed = this.host.randomBytes(32);
      const kp = this.crypto.p256.keyPairFromRandom(seed);
      wipe(seed); // the ephemeral private key can be derived from it
      publicKey = kp.publicKey;
      other = this.crypto.p256.ecdh(kp.privateKey, this.serverKeyExchange!.publicKey!);
      wipe(kp.privateKey);
    }
    const items = [];
    let pms: Uint8Array;
    if (suite.keyExchange === 'ecdhe_ecdsa') {
      const cred = this.opts.certificate!;
      if (this.certificateRequested) {
        const own = cred.type === 'rpk' ? [encodeSpki(cred.publicKey ?? this.crypto.p256.publicKeyOf(this.privateKey!))] : cred.chain!;
        items.push(this.handshakeItem(HandshakeType.certificate, marshalCertificate(this.clientCertType, own), 0));
      }
      items.push(this.handshakeItem(HandshakeType.client_key_exchange, marshalEcdhClientKeyExchange(publicKey!), 0));
      // RFC 8422 §5.10: the premaster secret is the x-coordinate of the shared point.
      pms = other!;
    } else {
      items.push(this.handshakeItem(HandshakeType.client_key_exchange, marshalClientKeyExchange({ identity: this.identity, publicKey }), 0));
      pms = pskPremasterSecret(this.psk, other);
      wipe(other);
    }
    // The transcript through ClientKeyExchange is both RFC 7627's session_hash and the input of our
    // Finished (§7.4.9: every handshake message before it; CCS is not one): hash it once.
    const hash = this.handshakeHash();
    this.master = this.emsNegotiated ? extendedMasterSecret(this.crypto, pms, hash) : masterSecret(this.crypto, pms, this.clientRandom, this.serverRandom);
    wipe(pms);
    let finishedHash = hash;
    if (this.certificateRequested && !this.opts.test?.omitCertificateVerify) {
      // RFC 5246 §7.4.8: CertificateVerify signs every handshake message before it, i.e. the same hash.
      const sig = this.crypto.p256.sign(this.privateKey!, hash, this.host.randomBytes(32));
      items.push(this.handshakeItem(HandshakeType.certificate_verify, marshalCertificateVerify(sig), 0));
      finishedHash = this.handshakeHash();
    }
    this.installKeys();
    items.push(this.ccsItem());
    this.writeEpoch = 1;
    const vd = verifyData(this.crypto, this.master, 'client finished', finishedHash);
    items.push(this.handshakeItem(HandshakeType.finished, vd, 1));
    this.phase = 'await-finished';
    this.sendFlight(items, true);
  }

  private onServerFinished(msg: HandshakeMessage): void {
    const got = unmarshalFinished(msg.body);
    const expected = verifyData(this.crypto, this.master!, 'server finished', this.handshakeHash());
    if (!constantTimeEqual(got, expected)) throw new DtlsAlert(AlertLevel.fatal, AlertDescription.decrypt_error, 'server Finished does not verify');
    this.transcript.bytes(msg.raw);
    if (this.phase === 'resume-finished') {
      const items = [this.ccsItem()];
      this.writeEpoch = 1;
      items.push(this.handshakeItem(HandshakeType.finished, verifyData(this.crypto, this.master!, 'client finished', this.handshakeHash()), 1));
      this.sendFlight(items, false);
    }
    const sentLast = this.phase === 'resume-finished';
    this.phase = 'done';
    // The PSK is not needed again on this connection (a new one gets it from its own options).
    wipe(this.psk);
    this.established(sentLast);
    this.transcript.wipe();
    const s = this.settle;
    this.settle = null;
    s?.resolve();
  }

  /**
   * The state to seal before deep sleep (epoch, keys, CIDs, replay window; plus the resumption session). The
   * caller must make every later write sequence number come from a durable counter raised to `nextSequence`
   * (see `sleepInto` in sleep-store.ts), then drop the connection without close_notify (`suspend()`).
   */
  sleepState(): { state: SleepState; nextSequence: number } | null {
    if (this._state !== 'established' || !this.keyBlock || !this.suite) return null;
    const session = this.exportSession();
    const blob = session ? exportSession(session) : new Uint8Array(0);
    if (session) wipe(session.masterSecret);
    return {
      state: {
        cipherSuite: this.suite.id,
        maxFragmentLength: this.mfl ?? 0,
        epoch: this.writeEpoch,
        ownCid: this.readCid ? this.readCid.slice() : null,
        peerCid: this.writeCid ? this.writeCid.slice() : null,
        window: this.readWindow.snapshot(),
        keyBlock: this.keyBlock.slice(),
        session: blob,
      },
      nextSequence: this.writeStates[this.writeEpoch].seq,
    };
  }

  /** From now on write sequence numbers come from `next` (a durable counter already raised past the last one used). */
  useSequenceSource(next: () => number): void {
    this.sequenceSource = next;
  }

  protected override nextWriteSeq(ws: { seq: number }): number {
    if (this.sequenceSource && this.writeEpoch > 0 && ws === this.writeStates[this.writeEpoch]) {
      const v = this.sequenceSource();
      ws.seq = v + 1;
      return v;
    }
    return ws.seq++;
  }

  /** Drops the connection for deep sleep: no close_notify (the server keeps it), keys wiped here, transport closed. */
  suspend(): void {
    if (this._state === 'closed') return;
    this.terminate(null);
    const lower = this.lower;
    lower.onReceive = null;
    lower.onClose = null;
    lower.close();
  }

  private restoreFromSleep(s: SleepState, next: () => number): void {
    const suite = suiteById(s.cipherSuite);
    if (!suite || s.keyBlock.length !== suite.keyBlockLength) throw new DtlsError('bad-config', 'sleep state for an unknown suite');
    this.suite = suite;
    const { write, read } = suite.ciphers(this.crypto, s.keyBlock, true, (n) => this.host.randomBytes(n));
    this.keyBlock = s.keyBlock.slice();
    this.writeStates[s.epoch] = { cipher: write, seq: 0 };
    this.writeEpoch = s.epoch;
    this.readCipher = read;
    this.readEpoch = s.epoch;
    this.readWindow = ReplayWindow.restore(s.window[0], s.window[1], s.window[2]);
    this.readCid = s.ownCid ? s.ownCid.slice() : null;
    this.writeCid = s.peerCid ? s.peerCid.slice() : null;
    if (s.maxFragmentLength) {
      this.mfl = s.maxFragmentLength as MaxFragmentLength;
      this.maxPlaintext = mflBytes(this.mfl);
    }
    if (s.session.length) {
      const sess = importSession(s.session);
      this.sessionId = sess.id;
      this.master = sess.masterSecret;
      this.emsNegotiated = sess.extendedMasterSecret;
    }
    this.sequenceSource = next;
    this.woken = true;
    this.resumed = true;
    this.phase = 'done';
    this.established(false);
  }

  /** The session for later resumption (a copy: the caller stores it sealed and wipes it). Null before the handshake. */
  exportSession(): DtlsSession | null {
    if (this._state !== 'established' || !this.master || this.sessionId.length === 0 || !this.suite) return null;
    return { id: this.sessionId.slice(), masterSecret: this.master.slice(), cipherSuite: this.suite.id, extendedMasterSecret: this.emsNegotiated, maxFragmentLength: this.mfl };
  }

  /** Negotiated parameters, for logs and tests (no secrets). */
  /** The negotiated CIDs (RFC 9146): ours (in records to us) and the server's (in records we send); null without. */
  get connectionIds(): { own: Uint8Array; peer: Uint8Array } | null {
    return this.readCid && this.writeCid ? { own: this.readCid.slice(), peer: this.writeCid.slice() } : null;
  }

  get negotiated(): { cipherSuite: number | null; extendedMasterSecret: boolean; maxFragmentLength: number | null; sessionId: Uint8Array; resumed: boolean; certificateType: CertificateType | null } {
    return { certificateType: this.suite?.keyExchange === 'ecdhe_ecdsa' ? this.serverCertType : null, cipherSuite: this.suite?.id ?? null, extendedMasterSecret: this.emsNegotiated, maxFragmentLength: this.mfl ? mflBytes(this.mfl) : null, sessionId: this.sessionId.slice(), resumed: this.resumed };
  }

  protected onTerminated(reason: Error | null): void {
    const s = this.settle;
    this.settle = null;
    if (s) s.reject(reason ?? new DtlsError('closed', 'closed before the handshake completed'));
  }

  protected override dispose(): void {
    super.dispose();
    wipe(this.psk, this.master, this.privateKey, this.keyBlock);
    this.master = null;
  }

  override close(): void {
    super.close();
    const lower = this.lower;
    lower.onReceive = null;
    lower.onClose = null;
    lower.close();
  }
}
