/**
 * XS memory figures from Moddable's instrumentation module (present in debug and `-i` instrumented builds;
 * in a plain release build every value reads back undefined and the line says so).
 * Slots are counted separately from chunks: an ESP32 has 16-byte slots, a 64-bit simulator 32-byte ones.
 */
import Instrumentation from 'instrumentation';

export function memoryLine(): string {
  const get = (name: 'XS Slot Heap Used' | 'XS Chunk Heap Used' | 'XS Stack Used'): number | undefined => {
    const i = Instrumentation.map(name);
    return i === undefined ? undefined : Instrumentation.get(i);
  };
  const slots = get('XS Slot Heap Used');
  const chunks = get('XS Chunk Heap Used');
  const stack = get('XS Stack Used');
  if (slots === undefined || chunks === undefined) return '[memory: no instrumentation in this build]';
  return `[memory: chunks ${chunks} B, slots ${slots} B, stack ${stack ?? '?'} B]`;
}
