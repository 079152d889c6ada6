/** Alert protocol message (RFC 5246 §7.2): level(1) description(1). */
import { AlertDescription, AlertLevel } from './constants';
import { decodeError } from './errors';

export interface Alert {
  level: AlertLevel;
  description: AlertDescription;
}

export function marshalAlert(a: Alert): Uint8Array {
  return Uint8Array.of(a.level, a.description);
}

export function unmarshalAlert(data: Uint8Array): Alert {
  if (data.length !== 2) throw decodeError(`alert must be 2 bytes, got ${data.length}`);
  if (data[0] !== AlertLevel.warning && data[0] !== AlertLevel.fatal) throw decodeError(`unknown alert level ${data[0]}`);
  return { level: data[0], description: data[1] };
}
