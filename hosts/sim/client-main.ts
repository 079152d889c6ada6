/**
 * Simulator app entry for the client scenario (client-app.ts). The manifest's config picks the Bootstrap-Server
 * and the DTLS suite: "ccm8" offers TLS_PSK_WITH_AES_128_CCM_8 (RFC 6655), "ecdhe" offers
 * TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256 (RFC 5489) only. Each run starts from a blank data directory.
 */
import config from 'mc/config';
import { File, Iterator } from 'file';
import { createSimHost } from './host';
import { runClientScenario } from './client-app';
import { meteredCrypto, newLivePeak, peakLine } from './memory';
import { moddableCrypto } from '../esp32/crypto-moddable';

const cfg = config as unknown as { bootstrapUri: string; suite: string; meter?: string; file: { root: string } };
const dataDir = `${cfg.file.root}xs-lwm2m-scenario/`;
// A blank device each run, so every run bootstraps (the scenario's first step).
if (File.exists(dataDir)) {
  for (const item of new Iterator(dataDir) as unknown as Iterable<{ name: string; length?: number }>) {
    if (item.length !== undefined) File.delete(dataDir + item.name);
  }
}
// `mcconfig -i ... meter=1`: a full collection before every crypto provider call, to find the handshake's live peak.
const peak = cfg.meter ? newLivePeak() : null;
runClientScenario(createSimHost({ dataDir, logLevel: 'warn', crypto: peak ? meteredCrypto(moddableCrypto, peak) : undefined }), {
  bootstrapUri: cfg.bootstrapUri,
  report: peak ? () => peakLine(peak) : undefined,
  cipherSuites: cfg.suite === 'ecdhe' ? [0xc037] : [0xc0a8],
});
