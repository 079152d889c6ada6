export interface XsMemory { chunks: number; slots: number; stackSlots: number }
export function snapshotMemory(worker: { makeSnapshotStream(description?: string): AsyncIterable<Uint8Array> }): Promise<XsMemory>;
export function esp32Bytes(m: { chunks: number; slots: number }): number;
