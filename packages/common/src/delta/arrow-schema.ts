/**
 * Delta column types as Arrow types, as Tributary writes them to Parquet:
 * timestamp → Timestamp(µs, "UTC") (Parquet INT64 TIMESTAMP(MICROS, isAdjustedToUTC=true)),
 * timestamp_ntz → Timestamp(µs) without zone, decimal(p,s) → Decimal128(p,s), date → Date32.
 */
import * as arrow from 'apache-arrow';
import { InvalidArgumentError } from '../errors';
import { DataType, StructType } from './schema';

export function toArrowSchema(schema: StructType): arrow.Schema {
  return new arrow.Schema(schema.fields.map((f) => new arrow.Field(f.name, toArrowType(f.type), f.nullable)));
}

export function toArrowType(type: DataType): arrow.DataType {
  switch (type.kind) {
    case 'decimal':
      return new arrow.Decimal(type.scale, type.precision, 128);
    case 'struct':
      return new arrow.Struct(type.fields.map((f) => new arrow.Field(f.name, toArrowType(f.type), f.nullable)));
    case 'array':
      return new arrow.List(new arrow.Field('element', toArrowType(type.elementType), type.containsNull));
    case 'map':
      return new arrow.Map_(
        new arrow.Field(
          'entries',
          new arrow.Struct<{ key: arrow.DataType; value: arrow.DataType }>([
            new arrow.Field('key', toArrowType(type.keyType), false),
            new arrow.Field('value', toArrowType(type.valueType), type.valueContainsNull),
          ]),
          false,
        ),
      ) as arrow.DataType;
    case 'primitive':
      switch (type.name) {
        case 'string':
          return new arrow.Utf8();
        case 'long':
          return new arrow.Int64();
        case 'integer':
          return new arrow.Int32();
        case 'short':
          return new arrow.Int16();
        case 'byte':
          return new arrow.Int8();
        case 'float':
          return new arrow.Float32();
        case 'double':
          return new arrow.Float64();
        case 'boolean':
          return new arrow.Bool();
        case 'binary':
          return new arrow.Binary();
        case 'date':
          return new arrow.DateDay();
        case 'timestamp':
          return new arrow.TimestampMicrosecond('UTC');
        case 'timestamp_ntz':
          return new arrow.TimestampMicrosecond();
      }
  }
  throw new InvalidArgumentError(`no Arrow type for ${JSON.stringify(type)}`);
}
