/**
 * Simulator app entry for the client scenario (client-app.ts). The manifest's config picks the Bootstrap-Server
 * and the DTLS suite: "ccm8" offers TLS_PSK_WITH_AES_128_CCM_8 (RFC 6655), "ecdhe" offers
 * TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256 (RFC 5489) only. Each run starts from a blank data directory.
 */
import config from 'mc/config';
import { File, Iterator } from 'file';
import { createSimHost } from './host';
import { runClientScenario } from './client-app';

const cfg = config as unknown as { bootstrapUri: string; suite: string; file: { root: string } };
const dataDir = `${cfg.file.root}xs-lwm2m-scenario/`;
// A blank device each run, so every run bootstraps (the scenario's first step).
if (File.exists(dataDir)) {
  for (const item of new Iterator(dataDir) as unknown as Iterable<{ name: string; length?: number }>) {
    if (item.length !== undefined) File.delete(dataDir + item.name);
  }
}
runClientScenario(createSimHost({ dataDir, logLevel: 'warn' }), {
  bootstrapUri: cfg.bootstrapUri,
  cipherSuites: cfg.suite === 'ecdhe' ? [0xc037] : [0xc0a8],
});
