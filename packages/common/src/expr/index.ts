export { resolveCall, resolveCase, checkLikePattern, supportedFunctions, DATE_TRUNC_UNITS, type ResolveContext } from './function-catalog';
export { resolveCast, canCast, castForcesNull, sqlTypeName } from './cast-rules';
export { literal, isNullLiteral, type LiteralExpr } from './literal';
export { adjustPrecisionScale, decimalResultType, widerDecimal, type DecimalOp } from './decimal-types';
export { changePrecision, divHalfUp, divPow10HalfUp, divideDecimal38, formatDecimal, parseDecimalText, pow10n, roundSignificant } from './decimal-value';
export {
  civilFromDays, formatDateText, sparkTrim, formatTimestampText, parseDateText, parseTimestampText, timeZoneOffsetSeconds,
  MICROS_PER_DAY, MICROS_PER_SECOND,
} from './datetime-text';
export { parseDateFormat, type DateFormatToken } from './date-format-pattern';
export { parseJsonPath, type JsonPathStep } from './json-path';
