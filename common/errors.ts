/**
 * Typed errors that cross the UI/host boundary. A code a program can branch on, plus a message a person can act on.
 */
export const errorCodes = [
  'BAD_ARGUMENT',
  'UNKNOWN_OPERATION',
  'NOT_FOUND',
  'FILE_NOT_FOUND',
  'NOT_SQLITE',
  'NOT_A_PROJECT',
  'NEWER_VERSION',
  'DAMAGED',
  'ALREADY_EXISTS',
  'READ_ONLY',
  'UNAUTHORIZED',
  'BAD_INPUT',
  'FILE_TOO_LARGE',
  'CANCELLED',
  'BUSY',
  'LOCKED',
  'DISK_FULL',
  'NO_PROJECT',
  'NOT_SUPPORTED',
  /** The project file is encrypted and no passphrase was given. */
  'ENCRYPTED',
  /** The passphrase given for an encrypted project does not open it. */
  'WRONG_KEY',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

export interface ErrorPayload {
  code: ErrorCode;
  message: string;
}

export class StoreyError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreyError';
    this.code = code;
  }

  toPayload(): ErrorPayload {
    return { code: this.code, message: this.message };
  }
}

/** Turns anything thrown into a payload; unknown failures become INTERNAL with their message kept. */
export function toErrorPayload(error: unknown): ErrorPayload {
  if (error instanceof StoreyError) return error.toPayload();
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'INTERNAL', message };
}
