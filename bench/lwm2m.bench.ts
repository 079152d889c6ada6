// LwM2M data model cost: XS heap with the standard objects (0-5) loaded, and a read of /3/0 in TLV and SenML JSON.
import { DataModel } from '../modules/lwm2m/data-model';
import { DeviceObject } from '../modules/lwm2m/objects/device';
import { nodeOpsPerSec, table, xsMeters } from './harness';

const dm = new DataModel();
dm.register(new DeviceObject({ manufacturer: 'Open Mobile Alliance', model: 'Lightweight M2M Client', serial: '345000123', firmwareVersion: '1.0', binding: 'U' }));
const caller = { kind: 'internal' } as const;
const node: Record<string, number> = {
  'standard-objects-loaded': NaN,
  'read-3-0-tlv': nodeOpsPerSec(() => dm.handle({ kind: 'read', path: '/3/0', accept: 11542 }, caller)),
  'read-3-0-senml-json': nodeOpsPerSec(() => dm.handle({ kind: 'read', path: '/3/0', accept: 110 }, caller)),
};
const xs = await xsMeters('bench/lwm2m.xs.ts', Object.keys(node));
table(
  'lwm2m data model',
  Object.keys(node).map((k) => ({
    operation: k,
    'node ops/s (median of 5)': Number.isNaN(node[k]) ? '-' : Math.round(node[k]).toLocaleString('en-US'),
    'xs compute/op': xs[k].compute.toLocaleString('en-US'),
    'xs live slots after gc': xs[k].slotsAfterGc.toLocaleString('en-US'),
  })),
);
