/**
 * What the Delta sink refuses of a query's output, checked at submit: column names (Delta without
 * column mapping refuses ' ,;{}()\n\t=' in any name, nested ones included, and names equal but for
 * case), and the partition columns (top-level output columns of a scalar type, at least one data
 * column left).
 */
import { isScalar, simpleString, type SqlField, type SqlType } from '../schema/sql-type';
import { matchingFields } from './names';

const DELTA_INVALID_NAME_CHARS = ' ,;{}()\n\t=';

export function outputProblems(output: readonly SqlField[], partitionBy: unknown): string[] {
  const problems: string[] = [];
  nameProblems(output, '', problems);
  if (partitionBy === undefined) return problems;
  if (!Array.isArray(partitionBy)) return [...problems, `partitionBy must be a list of column names, got ${JSON.stringify(partitionBy)}`];
  const lower = partitionBy.map((n) => (typeof n === 'string' ? n.toLowerCase() : n));
  if (new Set(lower).size !== lower.length) problems.push(`partitionBy names a column twice: ${JSON.stringify(partitionBy)}`);
  if (partitionBy.length > 0 && partitionBy.length >= output.length) problems.push('cannot use all columns for partition columns (Delta needs at least one data column)');
  for (const name of partitionBy) {
    const at = typeof name === 'string' ? matchingFields(output, name) : [];
    if (at.length !== 1) {
      problems.push(`partitionBy column ${JSON.stringify(name)} is not an output column; output columns: ${output.map((c) => c.name).join(', ')}`);
    } else if (!isScalar(output[at[0]].type)) {
      problems.push(`partitionBy column '${output[at[0]].name}' is ${simpleString(output[at[0]].type)}; Delta partition columns must be of a primitive type`);
    }
  }
  return problems;
}

function nameProblems(fields: readonly SqlField[], prefix: string, problems: string[]): void {
  const seen = new Map<string, string>();
  for (const f of fields) {
    const full = prefix + f.name;
    if (f.name === '') problems.push(`an output column${prefix === '' ? '' : ` inside ${prefix.slice(0, -1)}`} has no name; give it an alias`);
    else if ([...f.name].some((ch) => DELTA_INVALID_NAME_CHARS.includes(ch))) {
      problems.push(`output column name ${JSON.stringify(full)} contains invalid character(s) among ' ,;{}()\\n\\t=' that Delta refuses; give it an alias`);
    }
    const twin = seen.get(f.name.toLowerCase());
    if (twin !== undefined) problems.push(`output column '${full}' appears twice${twin === f.name ? '' : ` (as '${prefix + twin}'; Delta column names are case-insensitive)`}`);
    else seen.set(f.name.toLowerCase(), f.name);
    const inner = structOf(f.type);
    if (inner !== null) nameProblems(inner, `${full}.`, problems);
  }
}

function structOf(t: SqlType): readonly SqlField[] | null {
  if (t.kind === 'struct') return t.fields;
  if (t.kind === 'array') return structOf(t.element);
  return null;
}
