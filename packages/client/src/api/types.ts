import {
  arrayType, BINARY, BOOLEAN, DATE, decimalType, DOUBLE, INT, LONG, MAX_DECIMAL_PRECISION, simpleString, sqlField, STRING,
  structType, TIMESTAMP, type SqlField, type SqlType,
} from '@tributary/common';
import { invalid, unsupported } from './unsupported';

/**
 * A column type as PySpark spells it (IntegerType(), DecimalType(10, 2), ArrayType(StringType()),
 * new StructType([...])), carrying the engine's SqlType (schema/sql-type.ts).
 */
export class DataType {
  constructor(readonly sqlType: SqlType) {}
  /** Spark's simpleString: 'int', 'bigint', 'decimal(10,2)', 'array<string>', 'struct<a:int>'. */
  simpleString(): string {
    return simpleString(this.sqlType);
  }
  toString(): string {
    return this.simpleString();
  }
}

export function BooleanType(): DataType {
  return new DataType(BOOLEAN);
}
export function IntegerType(): DataType {
  return new DataType(INT);
}
export function LongType(): DataType {
  return new DataType(LONG);
}
export function DoubleType(): DataType {
  return new DataType(DOUBLE);
}
export function StringType(): DataType {
  return new DataType(STRING);
}
export function BinaryType(): DataType {
  return new DataType(BINARY);
}
export function TimestampType(): DataType {
  return new DataType(TIMESTAMP);
}
export function DateType(): DataType {
  return new DataType(DATE);
}

/** DecimalType() is decimal(10,0), as in Spark; precision 1..38, scale 0..precision. */
export function DecimalType(precision = 10, scale = 0): DataType {
  if (!Number.isInteger(precision) || !Number.isInteger(scale)) throw invalid(`DecimalType(${precision}, ${scale}): precision and scale must be integers`);
  if (precision < 1 || precision > MAX_DECIMAL_PRECISION) throw invalid(`Decimal precision ${precision} exceeds max precision ${MAX_DECIMAL_PRECISION}`);
  if (scale < 0 || scale > precision) throw invalid(`Decimal scale (${scale}) cannot be greater than precision (${precision}).`);
  return new DataType(decimalType(precision, scale));
}

/** ArrayType(elementType, containsNull = true). */
export function ArrayType(elementType: DataType, containsNull = true): DataType {
  return new DataType(arrayType(dataTypeOf(elementType, 'ArrayType').sqlType, containsNull));
}

export class StructField {
  constructor(readonly name: string, readonly dataType: DataType, readonly nullable = true) {
    if (typeof name !== 'string' || name === '') throw invalid('StructField needs a non-empty name');
    dataTypeOf(dataType, `StructField('${name}')`);
  }
  toSqlField(): SqlField {
    return sqlField(this.name, this.dataType.sqlType, this.nullable);
  }
}

/** new StructType([StructField…]).add(name, type, nullable): a struct type; add returns a new one. */
export class StructType extends DataType {
  readonly fields: readonly StructField[];
  constructor(fields: readonly StructField[] = []) {
    for (const f of fields) if (!(f instanceof StructField)) throw invalid(`StructType takes StructFields, got ${String(f)}`);
    super(structType(fields.map((f) => f.toSqlField())));
    this.fields = [...fields];
  }
  add(field: StructField): StructType;
  add(name: string, dataType: DataType | string, nullable?: boolean): StructType;
  add(fieldOrName: StructField | string, dataType?: DataType | string, nullable = true): StructType {
    if (fieldOrName instanceof StructField) return new StructType([...this.fields, fieldOrName]);
    if (dataType === undefined) throw invalid(`StructType.add('${fieldOrName}') needs a data type`);
    const type = typeof dataType === 'string' ? parseTypeName(dataType) : dataType;
    return new StructType([...this.fields, new StructField(fieldOrName, type, nullable)]);
  }
  fieldNames(): string[] {
    return this.fields.map((f) => f.name);
  }
  toSqlFields(): SqlField[] {
    return this.fields.map((f) => f.toSqlField());
  }
}

function dataTypeOf(t: unknown, where: string): DataType {
  if (!(t instanceof DataType)) throw invalid(`${where} needs a DataType such as IntegerType(), got ${String(t)}`);
  return t;
}

/** A DataType for a SqlType (struct types become StructType, keeping field names and nullability). */
export function dataTypeFor(t: SqlType): DataType {
  if (t.kind === 'struct') return new StructType(t.fields.map((f) => new StructField(f.name, dataTypeFor(f.type), f.nullable)));
  return new DataType(t);
}

const TYPE_NAMES: Record<string, SqlType> = {
  boolean: BOOLEAN, int: INT, integer: INT, bigint: LONG, long: LONG, double: DOUBLE, string: STRING, binary: BINARY,
  timestamp: TIMESTAMP, timestamp_ltz: TIMESTAMP, date: DATE,
};
/** Spark type names Tributary has no column type for yet, with the type to use instead. */
const UNSUPPORTED_TYPE_NAMES: Record<string, string> = {
  tinyint: 'int', byte: 'int', smallint: 'int', short: 'int', float: 'double', real: 'double',
  timestamp_ntz: 'timestamp', void: 'a typed column', interval: 'a duration in a window or watermark', map: 'a struct',
  char: 'string', varchar: 'string', variant: 'string',
};

/**
 * A type as Spark SQL names it in `cast('…')` and DDL: 'int', 'bigint', 'decimal(12,2)', 'decimal'
 * (= decimal(10,0)), 'string', 'timestamp', 'date', 'array<string>', 'struct<a:int,b:string>' (also
 * 'struct<a int>'). Case-insensitive. Names of types Tributary has no column type for are refused
 * by name; unknown names are refused as unknown.
 */
export function parseTypeName(text: string): DataType {
  if (typeof text !== 'string') throw invalid(`a type name must be a string, got ${String(text)}`);
  const parser = new TypeNameParser(text);
  const t = parser.type();
  parser.end();
  return dataTypeFor(t);
}

class TypeNameParser {
  private pos = 0;
  constructor(private readonly text: string) {}

  type(): SqlType {
    const word = this.word();
    if (word === 'array') {
      this.expect('<');
      const element = this.type();
      this.expect('>');
      return arrayType(element);
    }
    if (word === 'struct') return this.struct();
    if (word === 'decimal' || word === 'dec' || word === 'numeric') return this.decimal();
    const known = TYPE_NAMES[word];
    if (known !== undefined) return known;
    const instead = UNSUPPORTED_TYPE_NAMES[word];
    if (instead !== undefined) throw unsupported(`type '${word}' (in '${this.text}')`, `use ${instead}`);
    throw invalid(`cannot parse type '${this.text}': unknown type '${word}'`);
  }

  end(): void {
    this.skipSpaces();
    if (this.pos < this.text.length) this.fail(`unexpected '${this.text.slice(this.pos)}'`);
  }

  private struct(): SqlType {
    this.expect('<');
    const fields: SqlField[] = [];
    if (!this.accept('>')) {
      do {
        const name = this.fieldName();
        this.accept(':');
        const type = this.type();
        // Spark's colType / complexColType: name type [NOT NULL] [COMMENT 'text'] (the comment is not kept).
        const nullable = !this.keywords('not', 'null');
        if (this.keywords('comment')) this.quoted();
        fields.push(sqlField(name, type, nullable));
      } while (this.accept(','));
      this.expect('>');
    }
    return structType(fields);
  }

  private decimal(): SqlType {
    if (!this.accept('(')) return DecimalType().sqlType;
    const precision = this.integer();
    const scale = this.accept(',') ? this.integer() : 0;
    this.expect(')');
    return DecimalType(precision, scale).sqlType;
  }

  private word(): string {
    this.skipSpaces();
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.pos));
    if (m === null) return this.fail('expected a type name');
    this.pos += m[0].length;
    return m[0].toLowerCase();
  }

  private fieldName(): string {
    this.skipSpaces();
    if (this.text[this.pos] === '`') {
      const close = this.text.indexOf('`', this.pos + 1);
      if (close < 0) this.fail('unclosed `');
      const name = this.text.slice(this.pos + 1, close);
      this.pos = close + 1;
      return name;
    }
    const m = /^[A-Za-z0-9_]+/.exec(this.text.slice(this.pos));
    if (m === null) return this.fail('expected a field name');
    this.pos += m[0].length;
    return m[0];
  }

  /** Consumes the words (any case) when they come next; false, consuming nothing, when they do not. */
  private keywords(...words: string[]): boolean {
    const start = this.pos;
    for (const w of words) {
      this.skipSpaces();
      const m = /^[A-Za-z]+/.exec(this.text.slice(this.pos));
      if (m === null || m[0].toLowerCase() !== w) { this.pos = start; return false; }
      this.pos += m[0].length;
    }
    return true;
  }

  /** A 'single' or "double" quoted text (a backslash escapes the next character). */
  private quoted(): string {
    this.skipSpaces();
    const q = this.text[this.pos];
    if (q !== "'" && q !== '"') return this.fail('expected a quoted comment');
    let out = '';
    for (let i = this.pos + 1; i < this.text.length; i++) {
      const c = this.text[i];
      if (c === '\\' && i + 1 < this.text.length) { out += this.text[++i]; continue; }
      if (c === q) { this.pos = i + 1; return out; }
      out += c;
    }
    return this.fail('unclosed comment');
  }

  private integer(): number {
    this.skipSpaces();
    const m = /^\d+/.exec(this.text.slice(this.pos));
    if (m === null) return this.fail('expected an integer');
    this.pos += m[0].length;
    return Number(m[0]);
  }

  private accept(ch: string): boolean {
    this.skipSpaces();
    if (this.text[this.pos] !== ch) return false;
    this.pos += 1;
    return true;
  }

  private expect(ch: string): void {
    if (!this.accept(ch)) this.fail(`expected '${ch}'`);
  }

  private skipSpaces(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) this.pos += 1;
  }

  private fail(reason: string): never {
    throw invalid(`cannot parse type '${this.text}': ${reason} at position ${this.pos}`);
  }
}

/**
 * A schema as DDL, as from_json and PySpark take it: 'customer_id INT, amount DECIMAL(10,2), ts TIMESTAMP'
 * (also 'a: INT, …' and 'struct<…>'), with parseTypeName's type names.
 */
export function parseDdlSchema(ddl: string): StructType {
  if (typeof ddl !== 'string' || ddl.trim() === '') throw invalid(`a DDL schema must be text such as 'a INT, b STRING', got ${String(ddl)}`);
  const text = ddl.trim();
  const t = parseTypeName(/^struct\s*</i.test(text) ? text : `struct<${text}>`);
  if (!(t instanceof StructType)) throw invalid(`'${ddl}' is not a struct schema`);
  return t;
}

/** The type names accepted by Column.cast(text); undefined for an unknown or unsupported name. */
export function dataTypeFromName(name: string): DataType | undefined {
  try {
    return parseTypeName(name);
  } catch {
    return undefined;
  }
}
