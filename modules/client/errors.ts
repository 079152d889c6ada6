export type ClientErrorCode =
  | 'bad-config'
  | 'bad-uri'
  | 'unsupported-security'
  | 'no-account'
  | 'bootstrap-failed'
  | 'registration-failed'
  | 'stopped';

/** Failures of the client layer; messages name the server URI or path, never key material. */
export class ClientError extends Error {
  override name = 'ClientError';
  constructor(
    readonly code: ClientErrorCode,
    message: string,
  ) {
    super(message);
  }
}
