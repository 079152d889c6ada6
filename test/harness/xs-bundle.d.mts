export const root: string;
export const DEVICE_LIKE_GLOBALS: string;
export function bundleForXs(entries: string[], opts?: { prelude?: string }): Promise<string>;
export function readPrelude(): string;
