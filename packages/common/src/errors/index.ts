/**
 * One error base for Tributary. `retriable` tells the scheduler whether running the same work again
 * may succeed (a broker restart, a lost executor); a programming error or bad input never is.
 * `code` is a stable machine-readable name, used in progress reports and over gRPC.
 */
export class TributaryError extends Error {
  readonly retriable: boolean;
  readonly code: string;
  constructor(message: string, opts: { code?: string; retriable?: boolean; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = opts.code ?? 'INTERNAL';
    this.retriable = opts.retriable ?? false;
  }
}

/** The environment is not there right now (Kafka, Redis, an executor): retrying may help. */
export class UnavailableError extends TributaryError {
  constructor(message: string, opts: { code?: string; cause?: unknown } = {}) {
    super(message, { code: opts.code ?? 'UNAVAILABLE', retriable: true, cause: opts.cause });
  }
}

/** A job, plan or request that can never succeed as given. */
export class InvalidArgumentError extends TributaryError {
  constructor(message: string, opts: { code?: string; cause?: unknown } = {}) {
    super(message, { code: opts.code ?? 'INVALID_ARGUMENT', retriable: false, cause: opts.cause });
  }
}

/** Data the query needs is gone (e.g. offsets deleted by retention with failOnDataLoss). */
export class DataLossError extends TributaryError {
  constructor(message: string, opts: { cause?: unknown } = {}) {
    super(message, { code: 'DATA_LOSS', retriable: false, cause: opts.cause });
  }
}

/** A write from an attempt that is no longer current; the work was superseded, not failed. */
export class FencedError extends TributaryError {
  constructor(message: string) {
    super(message, { code: 'FENCED', retriable: false });
  }
}

/** A caller that did not prove who it is (no or a wrong bearer token, no client certificate). */
export class UnauthenticatedError extends TributaryError {
  constructor(message: string) {
    super(message, { code: 'UNAUTHENTICATED', retriable: false });
  }
}

/** A caller that proved who it is, but whose role may not make this call (e.g. a client certificate registering as an executor). */
export class PermissionDeniedError extends TributaryError {
  constructor(message: string) {
    super(message, { code: 'PERMISSION_DENIED', retriable: false });
  }
}

/**
 * Whether running the same work again may succeed: a TributaryError says so itself; an operating
 * system error (a Node error with a `syscall`, e.g. EIO, ENOSPC, ECONNRESET from file or socket
 * I/O) is transient; anything else — a programming error, bad input — is not.
 */
export function isRetriable(error: unknown): boolean {
  if (error instanceof TributaryError) return error.retriable;
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).syscall === 'string';
}
