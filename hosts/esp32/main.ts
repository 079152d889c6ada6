/**
 * ESP32 app entry: the same client scenario as the simulator's ESP32-profile build (hosts/sim/client-app.ts),
 * with the same creation settings, on the ESP32 Host. The Bootstrap-Server URI comes from the manifest's config
 * (a machine on the board's Wi-Fi network running tools/sim-scenario.ts --address <its IP>).
 * NOT BUILT OR FLASHED here (no ESP-IDF): see README.md.
 */
import config from 'mc/config';
import { createEsp32Host } from './host';
import { runClientScenario } from '../sim/client-app';

const cfg = config as unknown as { bootstrapUri: string; suite: string };
runClientScenario(createEsp32Host({ layout: { keys: 4, counters: 4, journal: 8, secret: 1 } }), {
  bootstrapUri: cfg.bootstrapUri,
  cipherSuites: cfg.suite === 'ecdhe' ? [0xc037] : [0xc0a8],
});
