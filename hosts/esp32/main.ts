/**
 * ESP32 app entry: the ESP32 Host checked end to end with the same self-check as the simulator.
 * NOT BUILT OR FLASHED here (no ESP-IDF): see README.md. The partition must be unencrypted for the
 * flash check, which clears bits in place (see flash-partition.ts on encrypted partitions).
 */
import '../sim/globals';
import { createEsp32Host } from './host';
import { selfCheck } from '../sim/self-check';

selfCheck(createEsp32Host({ layout: { keys: 4, counters: 4, journal: 8, secret: 1, selfcheck: 1 } }), 'ESP32');
