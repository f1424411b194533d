/**
 * Errors raised by the aggregation kernels. Neither is retriable: running the same data again fails
 * the same way.
 */
import { TributaryError } from '@tributary/common';

/** A SUM reached |sum| ≥ 10^20 cents, beyond DECIMAL(20,2): the query fails, naming window and key. */
export class DecimalOverflowError extends TributaryError {
  constructor(message: string) {
    super(message, { code: 'DECIMAL_OVERFLOW' });
  }
}

/** Encoded partials or state that do not follow the documented format (a bug or a corrupt blob). */
export class CorruptAggregateDataError extends TributaryError {
  constructor(message: string) {
    super(message, { code: 'CORRUPT_AGGREGATE_DATA' });
  }
}

/** A SUM over long values left the int64 range (Spark wraps silently; Tributary fails, naming window and key). */
export class LongOverflowError extends TributaryError {
  constructor(message: string) {
    super(message, { code: 'LONG_OVERFLOW' });
  }
}
