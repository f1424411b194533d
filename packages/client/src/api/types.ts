import type { FieldSpec, FieldType } from '@tributary/common';

/** A column type as PySpark spells it (IntegerType(), DecimalType(10, 2), …), carrying the plan's FieldType. */
export class DataType {
  constructor(readonly fieldType: FieldType, private readonly sparkName: string) {}
  /** Spark's simpleString: 'int', 'string', 'decimal(10,2)', 'timestamp'. */
  simpleString(): string {
    return this.sparkName;
  }
  toString(): string {
    return this.sparkName;
  }
}

export function IntegerType(): DataType {
  return new DataType('int', 'int');
}
export function LongType(): DataType {
  return new DataType('long', 'bigint');
}
export function StringType(): DataType {
  return new DataType('string', 'string');
}
export function TimestampType(): DataType {
  return new DataType('timestamp', 'timestamp');
}
export function DoubleType(): DataType {
  return new DataType('double', 'double');
}
export function BooleanType(): DataType {
  return new DataType('boolean', 'boolean');
}
/** DecimalType() is decimal(10,0), as in Spark. */
export function DecimalType(precision = 10, scale = 0): DataType {
  return new DataType({ decimal: [precision, scale] }, `decimal(${precision},${scale})`);
}

export class StructField {
  constructor(readonly name: string, readonly dataType: DataType, readonly nullable = true) {}
  toFieldSpec(): FieldSpec {
    return { name: this.name, type: this.dataType.fieldType, nullable: this.nullable };
  }
}

export class StructType {
  readonly fields: StructField[];
  constructor(fields: StructField[] = []) {
    this.fields = [...fields];
  }
  add(name: string, dataType: DataType, nullable = true): StructType {
    return new StructType([...this.fields, new StructField(name, dataType, nullable)]);
  }
  fieldNames(): string[] {
    return this.fields.map((f) => f.name);
  }
  toFieldSpecs(): FieldSpec[] {
    return this.fields.map((f) => f.toFieldSpec());
  }
}

/** The type names accepted by Column.cast(text), as Spark SQL spells them. */
export function dataTypeFromName(name: string): DataType | undefined {
  const n = name.trim().toLowerCase();
  const decimal = /^(?:decimal|numeric|dec)(?:\((\d+)\s*,\s*(\d+)\))?$/.exec(n);
  if (decimal !== null) return decimal[1] === undefined ? DecimalType() : DecimalType(Number(decimal[1]), Number(decimal[2]));
  switch (n) {
    case 'int': case 'integer': return IntegerType();
    case 'bigint': case 'long': return LongType();
    case 'string': return StringType();
    case 'timestamp': return TimestampType();
    case 'double': return DoubleType();
    case 'boolean': return BooleanType();
    default: return undefined;
  }
}
