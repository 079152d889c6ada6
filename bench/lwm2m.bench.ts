// LwM2M data model cost: the XS heap a device with the standard objects (0-5) holds, and a read of /3/0 in TLV and SenML JSON.
import { buildDevice } from './lwm2m-device';
import { nodeOpsPerSec, table, xsMeters } from './harness';

const ITERATIONS = 20;
const dm = buildDevice();
const caller = { kind: 'internal' } as const;
const node: Record<string, number> = {
  'build-device-objects-0-5': nodeOpsPerSec(() => buildDevice()),
  'read-3-0-tlv': nodeOpsPerSec(() => dm.handle({ kind: 'read', path: '/3/0', accept: 11542 }, caller)),
  'read-3-0-senml-json': nodeOpsPerSec(() => dm.handle({ kind: 'read', path: '/3/0', accept: 110 }, caller)),
};
const xs = await xsMeters('bench/lwm2m.xs.ts', ['baseline', ...Object.keys(node)], ITERATIONS);
// xsMeters runs a case once to warm up, then ITERATIONS times: that many devices are kept alive.
const perDevice = (xs['build-device-objects-0-5'].slotsAfterGc - xs.baseline.slotsAfterGc) / (ITERATIONS + 1);
table(
  'lwm2m data model',
  Object.keys(node).map((k) => ({
    operation: k,
    'node ops/s (median of 5)': Math.round(node[k]).toLocaleString('en-US'),
    'xs compute/op': xs[k].compute.toLocaleString('en-US'),
  })),
);
console.log(`XS heap of one device with objects 0-5 (live slots after gc, kept alive): ${Math.round(perDevice).toLocaleString('en-US')} slots, ~${((perDevice * 16) / 1024).toFixed(1)} KiB at 16 B/slot (chunks for strings and buffers not included)`);
