/**
 * A local LwM2M Bootstrap Server for end-to-end tests and the demo, not a product.
 * OMA LwM2M 1.1 Core §6.1 / Transport §6.3 Bootstrap interface over CoAP (UDP), optionally DTLS 1.2 with PSK,
 * raw public keys or X.509 and Connection ID (the options of tools/server-common.ts):
 *   client: Bootstrap-Request  POST /bs?ep=<name>[&pct=<format>]  -> 2.04
 *   then this server, on the same association and in this order: the plan's Bootstrap-Delete (DELETE),
 *   Bootstrap-Discover (GET, Accept 40) if asked, Bootstrap-Write (PUT), Bootstrap-Read (GET),
 *   and Bootstrap-Finish (POST /bs), recording every result code.
 * A Bootstrap-Request for an endpoint without a plan, or with a bad query, gets 4.00.
 *
 * CLI (for the demo): node --import tsx tools/bootstrap-server.ts --plans plans.json [--port 5693] [--psk identity:hexkey]
 *   plans.json: [{ "endpoint": "dev1", "deleteFirst": ["/0","/1"], "writes": [{ "path": "/0/0", "hex": "...", "contentFormat": 11542 }] }]
 */
import { readFileSync } from 'node:fs';
import { fromHex, utf8Decode, utf8Encode } from '../modules/bytes/index';
import { Code, Method, type CoapConfig, type CoapRequest, type IncomingRequest, type ResponseSpec } from '../modules/coap/index';
import type { DatagramChannel } from '../modules/transport/types';
import { CoapPeerListener, Waiters, parseServerArgs, runAsProgram, type ServerOptions } from './server-common';

export type { ServerOptions } from './server-common';

export interface BootstrapPlan {
  endpoint: string;
  /** Bootstrap-Delete paths, sent first, e.g. ['/0', '/1'] (or ['/'] for everything). */
  deleteFirst?: string[];
  /** Bootstrap-Write (PUT) operations, in order. */
  writes: { path: string; payload: Uint8Array; contentFormat: number }[];
  /** Send a Bootstrap-Discover (GET / with Accept: application/link-format) after the deletes. */
  discover?: boolean;
  /** Bootstrap-Read paths (1.1: Server and Access Control objects), sent after the writes; results recorded. */
  read?: string[];
  /** Accept format for Bootstrap-Read (default: none, the client chooses). */
  readAccept?: number;
}

export interface BootstrapResult {
  op: 'delete' | 'discover' | 'write' | 'read' | 'finish';
  path: string;
  /** CoAP response code (0x44 = 2.04); 0 when no response came (timeout, reset, association gone). */
  code: number;
  payload?: Uint8Array;
  contentFormat?: number;
  error?: string;
}

export interface BootstrapFinish {
  finishCode: number;
  results: BootstrapResult[];
}

export interface BootstrapRequestRecord {
  endpoint: string;
  peer: string;
  query: string[];
  identity?: string;
  at: number;
}

export class BootstrapTestServer {
  private readonly plans = new Map<string, BootstrapPlan>();
  private readonly finished = new Map<string, BootstrapFinish>();
  private readonly running = new Set<string>();
  private readonly runningPeers = new Set<string>();
  private readonly waiters = new Waiters();
  /** Every Bootstrap-Request received, oldest first. */
  readonly requests: BootstrapRequestRecord[] = [];
  private listener!: CoapPeerListener;
  private stopped = false;

  private constructor(opts: ServerOptions & { plans: BootstrapPlan[] }) {
    for (const p of opts.plans) this.plans.set(p.endpoint, p);
  }

  static async start(opts: ServerOptions & { plans: BootstrapPlan[] }): Promise<BootstrapTestServer> {
    const s = new BootstrapTestServer(opts);
    s.listener = await CoapPeerListener.open(opts, (peer) => (req) => s.handle(peer, req), 'bootstrap-server');
    s.listener.inUse = (peer) => s.runningPeers.has(peer);
    return s;
  }

  get port(): number {
    return this.listener.port;
  }

  /** Adds or replaces the plan for an endpoint. */
  setPlan(plan: BootstrapPlan): void {
    this.plans.set(plan.endpoint, plan);
  }

  /** Resolves with the outcome of the most recent bootstrap sequence of `endpoint` that reached Finish. */
  waitForFinish(endpoint: string, timeoutMs = 15000): Promise<BootstrapFinish> {
    return this.waiters.wait(() => this.finished.get(endpoint), timeoutMs, `Bootstrap-Finish of ${endpoint}`);
  }

  private handle(peer: string, req: IncomingRequest): ResponseSpec {
    if (!(req.path.length === 1 && req.path[0] === 'bs')) return text(Code.NotFound, 'no such resource');
    if (req.method !== Method.POST) return { code: Code.MethodNotAllowed };
    const params = new Map<string, string>();
    for (const q of req.query) {
      const i = q.indexOf('=');
      const k = i < 0 ? q : q.slice(0, i);
      if (params.has(k) || (k !== 'ep' && k !== 'pct')) return text(Code.BadRequest, `bad parameter ${k}`);
      params.set(k, i < 0 ? '' : q.slice(i + 1));
    }
    const ep = params.get('ep');
    if (!ep) return text(Code.BadRequest, 'ep is required');
    const identity = this.listener.peer(peer)?.identity;
    this.requests.push({ endpoint: ep, peer, query: req.query.slice(), identity, at: Date.now() });
    const plan = this.plans.get(ep);
    if (!plan) {
      this.listener.log(`Bootstrap-Request from ${ep} (${peer}): no plan`);
      return text(Code.BadRequest, 'unknown endpoint');
    }
    if (this.running.has(ep)) return { code: Code.Changed }; // a retransmitted request after a lost ACK: one sequence is enough
    this.listener.log(`Bootstrap-Request from ${ep} (${peer}${identity ? `, identity ${identity}` : ''})`);
    this.running.add(ep);
    this.runningPeers.add(peer);
    this.finished.delete(ep);
    // After the 2.04 has gone out (the handler's answer is sent when it returns).
    setTimeout(() => {
      this.runPlan(peer, plan)
        .catch((e) => this.listener.log(`bootstrap of ${ep} failed: ${e instanceof Error ? e.message : e}`))
        .finally(() => {
          this.running.delete(ep);
          this.runningPeers.delete(peer);
        });
    }, 0);
    return { code: Code.Changed };
  }

  private async runPlan(peer: string, plan: BootstrapPlan): Promise<void> {
    const results: BootstrapResult[] = [];
    const op = async (kind: BootstrapResult['op'], path: string, req: CoapRequest): Promise<number> => {
      let r: BootstrapResult;
      try {
        const res = await this.listener.request(peer, req);
        r = { op: kind, path, code: res.code };
        if (res.payload.length) r.payload = res.payload;
        const cf = res.options.find((o) => o.number === 12);
        if (cf) r.contentFormat = cf.value.reduce((n, b) => n * 256 + b, 0);
      } catch (e) {
        r = { op: kind, path, code: 0, error: e instanceof Error ? e.message : String(e) };
      }
      results.push(r);
      this.listener.log(`  ${kind} ${path} -> ${plan.endpoint}: ${r.code ? codeText(r.code) : r.error}`);
      return r.code;
    };
    for (const path of plan.deleteFirst ?? []) await op('delete', path, { method: 'DELETE', path });
    if (plan.discover) await op('discover', '/', { method: 'GET', path: '/', accept: 40 });
    for (const w of plan.writes) await op('write', w.path, { method: 'PUT', path: w.path, payload: w.payload, contentFormat: w.contentFormat });
    for (const path of plan.read ?? []) await op('read', path, { method: 'GET', path, accept: plan.readAccept });
    const finishCode = await op('finish', '/bs', { method: 'POST', path: '/bs' });
    this.finished.set(plan.endpoint, { finishCode, results });
    this.waiters.poke();
  }

  /** Adds a peer reached over another channel (SMS, tools/sms-gateway.ts) under `key`, e.g. 'sms:+15550001'. */
  attachPeer(key: string, channel: DatagramChannel, identity?: string, coap?: Partial<CoapConfig>): void {
    this.listener.attach(key, channel, identity, coap);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.waiters.failAll(new Error('server stopped'));
    this.listener.close();
  }
}

function text(code: number, msg: string): ResponseSpec {
  return { code, payload: utf8Encode(msg), contentFormat: 0 };
}

function codeText(c: number): string {
  const d = c & 31;
  return `${c >> 5}.${d < 10 ? '0' : ''}${d}`;
}

/** Readable form of a recorded payload, for logs. */
export function payloadPreview(p: Uint8Array | undefined): string {
  if (!p) return '';
  try {
    return utf8Decode(p);
  } catch {
    return `<${p.length} bytes>`;
  }
}

// ------------------------------------------------------------------ CLI (demo)

interface PlanJson {
  endpoint: string;
  deleteFirst?: string[];
  discover?: boolean;
  read?: string[];
  writes: { path: string; hex?: string; text?: string; contentFormat: number }[];
}

runAsProgram(import.meta.url, (argv) => {
  const opts: ServerOptions & { plans: BootstrapPlan[] } = { port: 5693, log: (l) => console.log(l), plans: [] };
  parseServerArgs(argv, opts, (a, next) => {
    if (a !== '--plans') return false;
    const list = JSON.parse(readFileSync(next(), 'utf8')) as PlanJson[];
    for (const p of list) {
      opts.plans.push({
        endpoint: p.endpoint,
        deleteFirst: p.deleteFirst,
        discover: p.discover,
        read: p.read,
        writes: p.writes.map((w) => ({ path: w.path, contentFormat: w.contentFormat, payload: w.hex !== undefined ? fromHex(w.hex) : utf8Encode(w.text ?? '') })),
      });
    }
    return true;
  });
  return BootstrapTestServer.start(opts);
});
