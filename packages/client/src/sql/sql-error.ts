import { InvalidArgumentError } from '@tributary/common';

/** A place in SQL text: line and column, both from 1. */
export interface SqlPosition {
  line: number;
  column: number;
}

/**
 * An error in SQL text (syntax, an unsupported construct, or a problem the job API finds), with
 * where it is: "line 3, column 8: …". An InvalidArgumentError, as the job API's other refusals.
 */
export class SqlError extends InvalidArgumentError {
  constructor(readonly reason: string, readonly position: SqlPosition, code?: string) {
    super(`line ${position.line}, column ${position.column}: ${reason}`, code === undefined ? undefined : { code });
  }
}

/** A construct Spark SQL has that Tributary's SQL does not run, named, with the way that works where there is one. */
export function unsupportedSql(construct: string, at: SqlPosition, instead?: string): SqlError {
  return new SqlError(`${construct} is not supported${instead === undefined ? '' : `; ${instead}`}`, at, 'UNSUPPORTED');
}
