/**
 * Column names as Spark's analyzer reads them (spark.sql.caseSensitive=false) and the messages it
 * gives when a name does not resolve.
 *
 *   'a'        column a, matched case-insensitively
 *   'a.b.c'    field c of field b of struct column a
 *   '`a.b`.c'  field c of the column literally named a.b (backticks quote a part; `` is one backtick)
 *   'a.*'      every field of struct a (select only); '*' every column
 */
import type { SqlField, SqlType } from '../schema/sql-type';
import { simpleString } from '../schema/sql-type';

/** The parts of a column name; throws Error with Spark's message for an unclosed backtick. */
export function nameParts(name: string): string[] {
  const parts: string[] = [];
  let part = '';
  let quoted = false;
  let wasQuoted = false;
  for (let i = 0; i < name.length; i++) {
    const ch = name[i];
    if (quoted) {
      if (ch === '`') {
        if (name[i + 1] === '`') { part += '`'; i++; } else quoted = false;
      } else part += ch;
    } else if (ch === '`') {
      quoted = true;
      wasQuoted = true;
    } else if (ch === '.') {
      parts.push(part);
      part = '';
      wasQuoted = false;
    } else part += ch;
  }
  if (quoted) throw new Error(`[PARSE_SYNTAX_ERROR] Syntax error at or near '${name}': unclosed backtick in column name`);
  parts.push(wasQuoted || part !== '*' ? part : '*');
  return parts;
}

/** Indices of the fields named `name` (case-insensitive). */
export function matchingFields(fields: readonly SqlField[], name: string): number[] {
  const lower = name.toLowerCase();
  const out: number[] = [];
  fields.forEach((f, i) => { if (f.name.toLowerCase() === lower) out.push(i); });
  return out;
}

export function backticked(name: string): string {
  return '`' + name.replace(/`/g, '``') + '`';
}

/**
 * [UNRESOLVED_COLUMN.WITH_SUGGESTION] in Spark 3.5's words ("A column or function parameter"; Spark
 * 4 says "A column, variable, or function parameter"), candidates ordered by edit distance, the
 * first five, as Spark orders them (StringUtils.orderSuggestedIdentifiersBySimilarity).
 */
export function unresolvedColumnMessage(name: string, candidates: readonly string[]): string {
  const shown = nameParts(name).map(backticked).join('.');
  if (candidates.length === 0) {
    return `[UNRESOLVED_COLUMN.WITHOUT_SUGGESTION] A column or function parameter with name ${shown} cannot be resolved.`;
  }
  const ordered = candidates
    .map((c, i) => ({ c, i, d: levenshtein(c, name) }))
    .sort((a, b) => a.d - b.d || a.i - b.i)
    .slice(0, 5)
    .map((x) => backticked(x.c));
  return `[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column or function parameter with name ${shown} cannot be resolved. Did you mean one of the following? [${ordered.join(', ')}].`;
}

export function ambiguousReferenceMessage(name: string, matches: readonly string[]): string {
  return `[AMBIGUOUS_REFERENCE] Reference ${backticked(name)} is ambiguous, could be: [${matches.map(backticked).join(', ')}].`;
}

export function fieldNotFoundMessage(field: string, struct: readonly SqlField[]): string {
  return `[FIELD_NOT_FOUND] No such struct field ${backticked(field)} in ${struct.map((f) => backticked(f.name)).join(', ')}.`;
}

export function notAStructMessage(what: string, type: SqlType): string {
  return `[INVALID_EXTRACT_BASE_FIELD_TYPE] Can't extract a value from "${what}". Need a complex type [STRUCT, ARRAY, MAP] but got "${sqlTypeName(type)}".`;
}

/** A type as Spark's DataType.sql spells it: INT, BIGINT, DECIMAL(12,2), STRUCT<a: INT>, ARRAY<STRING>. */
export function sqlTypeName(t: SqlType): string {
  switch (t.kind) {
    case 'struct': return `STRUCT<${t.fields.map((f) => `${f.name}: ${sqlTypeName(f.type)}${f.nullable ? '' : ' NOT NULL'}`).join(', ')}>`;
    case 'array': return `ARRAY<${sqlTypeName(t.element)}>`;
    default: return simpleString(t).toUpperCase();
  }
}

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length];
}
