// CoAP codec cost on typical LwM2M messages: a Register request and a 2.05 Read response (TLV).
import { cases, registerBytes, readResponseBytes } from './coap.xs';
import { nodeOpsPerSec, table, xsMeters } from './harness';

const names = Object.keys(cases);
const node: Record<string, number> = {};
for (const n of names) node[n] = nodeOpsPerSec(cases[n]);
const xs = await xsMeters('bench/coap.xs.ts', names, 50);
table(
  `coap codec (Register ${registerBytes.length} B, Read response ${readResponseBytes.length} B)`,
  names.map((k) => ({
    operation: k,
    'node ops/s (median of 5)': Math.round(node[k]).toLocaleString('en-US'),
    'xs compute/op': xs[k].compute.toLocaleString('en-US'),
    'xs live slots after gc': xs[k].slotsAfterGc.toLocaleString('en-US'),
  })),
);
