/**
 * What Tributary can read and write (PROTOCOL.md, "Reader/Writer Version Requirements",
 * "Table Features"). A table needing more is refused, naming what it needs.
 *
 * Reading: reader version 1, or 3 with features limited to READER_FEATURES (version 2 means column
 * mapping). Writing: writer version 2 (append-only tables and column invariants, the latter by
 * refusing tables that declare invariants), or 7 with features limited to WRITER_FEATURES.
 */
import { TributaryError } from '../errors';
import { Metadata, Protocol } from './actions';
import { DataType, parseSchemaString } from './schema';

/** Reader features whose reader duties Tributary meets. */
export const READER_FEATURES: ReadonlySet<string> = new Set(['timestampNtz', 'vacuumProtocolCheck']);
/** Writer features whose writer duties Tributary meets. */
export const WRITER_FEATURES: ReadonlySet<string> = new Set(['appendOnly', 'invariants']);

export class UnsupportedTableError extends TributaryError {
  constructor(message: string) {
    super(message, { code: 'DELTA_UNSUPPORTED_FEATURE', retriable: false });
  }
}

export function assertReadable(protocol: Protocol, table: string): void {
  const v = protocol.minReaderVersion;
  if (v === 1) return;
  if (v === 2) throw new UnsupportedTableError(`${table}: reader version 2 (columnMapping) is not supported`);
  if (v === 3) {
    const missing = (protocol.readerFeatures ?? []).filter((f) => !READER_FEATURES.has(f));
    if (missing.length > 0) throw new UnsupportedTableError(`${table}: unsupported reader features: ${missing.join(', ')}`);
    return;
  }
  throw new UnsupportedTableError(`${table}: reader version ${v} is not supported (Tributary reads versions 1 and 3)`);
}

const WRITER_VERSION_DUTIES: Record<number, string> = {
  3: 'checkpoint stats settings, CHECK constraints',
  4: 'changeDataFeed, generatedColumns',
  5: 'columnMapping',
  6: 'identityColumns',
};

export function assertWritable(protocol: Protocol, metadata: Metadata, table: string): void {
  assertReadable(protocol, table);
  const v = protocol.minWriterVersion;
  if (v === 7) {
    const missing = (protocol.writerFeatures ?? []).filter((f) => !WRITER_FEATURES.has(f));
    if (missing.length > 0) throw new UnsupportedTableError(`${table}: unsupported writer features: ${missing.join(', ')}`);
  } else if (v > 2) {
    const duties = WRITER_VERSION_DUTIES[v] ?? 'unknown duties';
    throw new UnsupportedTableError(`${table}: writer version ${v} (${duties}) is not supported (Tributary writes version 2)`);
  }
  const invariantsActive = v <= 6 ? v >= 2 : (protocol.writerFeatures ?? []).includes('invariants');
  if (invariantsActive) {
    const column = findInvariantColumn(parseSchemaString(metadata.schemaString), '');
    if (column !== undefined) {
      throw new UnsupportedTableError(`${table}: column '${column}' has a delta.invariants expression, which Tributary cannot enforce`);
    }
  }
}

export function isAppendOnly(protocol: Protocol, metadata: Metadata): boolean {
  const supported = protocol.minWriterVersion === 7 ? (protocol.writerFeatures ?? []).includes('appendOnly') : protocol.minWriterVersion >= 2;
  return supported && metadata.configuration['delta.appendOnly']?.toLowerCase() === 'true';
}

function findInvariantColumn(type: DataType, prefix: string): string | undefined {
  if (type.kind === 'struct') {
    for (const f of type.fields) {
      const name = prefix + f.name;
      if (f.metadata['delta.invariants'] !== undefined) return name;
      const inner = findInvariantColumn(f.type, name + '.');
      if (inner !== undefined) return inner;
    }
  } else if (type.kind === 'array') {
    return findInvariantColumn(type.elementType, prefix);
  } else if (type.kind === 'map') {
    return findInvariantColumn(type.valueType, prefix);
  }
  return undefined;
}
