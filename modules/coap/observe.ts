/**
 * RFC 7641 Observe: the 24-bit sequence numbers, the freshness rule of §3.4, and the server's record
 * of one registered observer. When to notify (LwM2M pmin/pmax/gt/lt/st) is the caller's decision:
 * the endpoint only keeps the list, numbers and paces the notifications, and ends observations.
 */

export const OBSERVE_REGISTER = 0;
export const OBSERVE_DEREGISTER = 1;
export const OBSERVE_MODULO = 0x1000000;
/** §3.4: a notification more than 128 s newer is fresh whatever its number says. */
export const OBSERVE_REORDER_WINDOW_MS = 128_000;

/**
 * §3.4: is a notification (v2 received at t2) newer than the last one taken (v1 at t1)?
 * Numbers are compared in a 24-bit serial-number space, with half the space as the window.
 */
export function isFresher(v1: number, t1: number, v2: number, t2: number): boolean {
  return (v1 < v2 && v2 - v1 < 0x800000) || (v1 > v2 && v1 - v2 > 0x800000) || t2 > t1 + OBSERVE_REORDER_WINDOW_MS;
}

export type CancelReason = 'deregister' | 'reset' | 'timeout' | 'final-response' | 'replaced' | 'closed' | 'api';

/** One observer of one resource, identified by its token (this endpoint talks to a single peer). */
export interface Observation {
  /** Token in hex: the key `notify` and `cancelObservation` accept. */
  readonly key: string;
  readonly token: Uint8Array;
  readonly path: string[];
  readonly query: string[];
  readonly accept: number | undefined;
  readonly registeredAt: number;
  /** Notifications sent so far (the registration response not included). */
  notifications: number;
  /** Non-confirmable notifications since the last confirmable one. */
  sinceConfirmable: number;
  lastConfirmableAt: number;
}

/** "/3/0/1" style path of a Uri-Path list, the form notify() accepts as a target. */
export function pathString(path: readonly string[]): string {
  return '/' + path.join('/');
}
