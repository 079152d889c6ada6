// XS side of the lwm2m benchmark: building devices with the standard objects (kept alive, to weigh them) and reads of /3/0.
import { buildDevice } from './lwm2m-device';

const dm = buildDevice();
const kept: unknown[] = [];
const caller = { kind: 'internal' } as const;

(globalThis as any).benchCases = {
  baseline: () => {},
  'build-device-objects-0-5': () => kept.push(buildDevice()),
  'read-3-0-tlv': () => dm.handle({ kind: 'read', path: '/3/0', accept: 11542 }, caller),
  'read-3-0-senml-json': () => dm.handle({ kind: 'read', path: '/3/0', accept: 110 }, caller),
};
