// Whole XS memory of an xsnap machine, chunks included, from a heap snapshot. xsnap's meters give only the
// live slot count (currentHeapCount) and the space reserved from the OS (allocate); neither counts the chunks
// (strings, array items, ArrayBuffers, byte code, closures' tables) that a module or a buffer really uses.
// A snapshot holds exactly the live memory after a collection: its BLOC atom is every live chunk (compacted,
// headers included) and its HEAP atom every live slot; we read just those atom sizes (XS snapshot format:
// 4-byte big-endian size including the 8-byte header, then a 4-character type; XS_M encloses the rest).
const SLOT_BYTES_XSNAP = 32; // sizeof(txSlot) on 64-bit; an ESP32 slot is 16 bytes

/** @returns {Promise<{chunks: number, slots: number, stackSlots: number}>} */
export async function snapshotMemory(worker) {
  const parts = [];
  for await (const c of worker.makeSnapshotStream('memory')) parts.push(c);
  const buf = Buffer.concat(parts);
  const sizes = {};
  let off = 8; // inside XS_M
  while (off + 8 <= buf.length) {
    const size = buf.readUInt32BE(off);
    const type = buf.toString('latin1', off + 4, off + 8);
    sizes[type] = size - 8;
    if (size < 8) break;
    off += size;
    if (type === 'STAC') break;
  }
  if (sizes.BLOC === undefined || sizes.HEAP === undefined) throw new Error('unexpected XS snapshot layout');
  return { chunks: sizes.BLOC, slots: Math.round(sizes.HEAP / SLOT_BYTES_XSNAP), stackSlots: Math.round((sizes.STAC ?? 0) / SLOT_BYTES_XSNAP) };
}

/** ESP32-equivalent bytes: chunk bytes plus 16 bytes per slot (chunks hold 8-byte pointers on 64-bit, so this overstates a 32-bit device a little). */
export const esp32Bytes = (m) => m.chunks + m.slots * 16;
