export type StoreErrorCode =
  /** Flash contents are structurally broken in a way no power cut can produce (bit rot or tampering). */
  | 'corrupt'
  /** A sealed record failed authentication: modified, swapped between names, or replayed under another version. */
  | 'tampered'
  /** The region was sealed under another device secret (its key-check record does not open). */
  | 'wrong-secret'
  /** The live records plus the new one do not fit in one sector. */
  | 'full'
  /** A name or value outside the documented limits. */
  | 'bad-argument'
  /** A counter would pass its configured maximum. */
  | 'exhausted'
  /** A flash operation failed earlier; the in-memory view may be stale, so mount the region again. */
  | 'needs-remount'
  /** The region's geometry cannot hold a journal (fewer than two sectors, tiny sectors). */
  | 'bad-geometry';

/**
 * The only error the store modules throw themselves. `code` is stable for callers; messages name
 * offsets and record names, never secret bytes. Errors of the flash itself (I/O, a simulated
 * power cut) pass through untouched, since the store cannot know better than the host what they mean.
 */
export class StoreError extends Error {
  override name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
  ) {
    super(message);
  }
}
