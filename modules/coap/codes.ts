/** RFC 7252 §3 message types and §12.1 codes (class.detail packed as class << 5 | detail). */

export const MessageType = { CON: 0, NON: 1, ACK: 2, RST: 3 } as const;
Object.freeze(MessageType);
export type MessageType = 0 | 1 | 2 | 3;
export const TYPE_NAMES = ['CON', 'NON', 'ACK', 'RST'] as const;
Object.freeze(TYPE_NAMES);

export function code(cls: number, detail: number): number {
  return (cls << 5) | detail;
}
export function codeClass(c: number): number {
  return c >> 5;
}
/** "2.05" style, as the RFC prints codes. */
export function codeString(c: number): string {
  const d = c & 31;
  return `${c >> 5}.${d < 10 ? '0' : ''}${d}`;
}

export const EMPTY = 0;

/** Request methods (RFC 7252 §12.1.1, RFC 8132 FETCH/PATCH/iPATCH). */
export const Method = {
  GET: 1,
  POST: 2,
  PUT: 3,
  DELETE: 4,
  FETCH: 5,
  PATCH: 6,
  iPATCH: 7,
} as const;
Object.freeze(Method);
export type MethodName = keyof typeof Method;

/** Response codes (RFC 7252 §12.1.2, RFC 7959 §2.9 2.31 / 4.08 / 4.13). */
export const Code = {
  Created: code(2, 1),
  Deleted: code(2, 2),
  Valid: code(2, 3),
  Changed: code(2, 4),
  Content: code(2, 5),
  Continue: code(2, 31),
  BadRequest: code(4, 0),
  Unauthorized: code(4, 1),
  BadOption: code(4, 2),
  Forbidden: code(4, 3),
  NotFound: code(4, 4),
  MethodNotAllowed: code(4, 5),
  NotAcceptable: code(4, 6),
  RequestEntityIncomplete: code(4, 8),
  PreconditionFailed: code(4, 12),
  RequestEntityTooLarge: code(4, 13),
  UnsupportedContentFormat: code(4, 15),
  InternalServerError: code(5, 0),
  NotImplemented: code(5, 1),
  ServiceUnavailable: code(5, 3),
  ProxyingNotSupported: code(5, 5),
} as const;
Object.freeze(Code);

export function isRequestCode(c: number): boolean {
  return c >= 1 && c <= 31;
}
export function isResponseCode(c: number): boolean {
  const k = c >> 5;
  return k === 2 || k === 4 || k === 5;
}
