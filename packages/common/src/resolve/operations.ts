/**
 * The DataFrame operations besides the aggregation, each over a stage (its filters so far and its
 * columns as expressions over the stage input): select (with '*' and 'a.*'), withColumn,
 * withColumnRenamed, drop, filter, withWatermark. Names match case-insensitively, as Spark's
 * analyzer with spark.sql.caseSensitive=false; withColumnRenamed and drop ignore names that match
 * no column, as Spark does.
 */
import { parseDuration } from '../plan/duration';
import type { ExprSpec, LogicalOp } from '../plan/logical-plan';
import type { RExpr } from '../plan/resolved-query';
import { simpleString, type SqlField } from '../schema/sql-type';
import { matchingFields, nameParts, sqlTypeName } from './names';
import { ResolveProblem } from './problem';
import { fieldOf, requireBoolean, resolveColumn, resolveExpr, type ExprEnv, type Resolved, type ScopeColumn } from './resolve-expr';

/** Columns of a stage: filters in order, then the columns as expressions over the stage input. */
export interface Stage {
  filters: RExpr[];
  scope: ScopeColumn[];
}

/** One non-aggregate operation over a stage. */
export function applyOp(
  op: LogicalOp, stage: Stage, env: ExprEnv, problems: string[], noteJson: (r: Resolved) => void, onWatermark: (delayMicros: number) => void,
): Stage {
  const resolveAll = <T, R>(items: readonly T[], f: (item: T) => R[]): R[] => {
    const out: R[] = [];
    for (const item of items) {
      try {
        out.push(...f(item));
      } catch (e) {
        if (!(e instanceof ResolveProblem)) throw e;
        problems.push(e.message);
      }
    }
    return out;
  };
  const scope = stage.scope;
  switch (op.op) {
    case 'select': {
      if (!Array.isArray(op.exprs)) throw new ResolveProblem('select needs a list of columns');
      const columns = resolveAll(op.exprs, (e) => selectItem(e, scope, env));
      columns.forEach(noteJson);
      return { filters: stage.filters, scope: columns.map((r) => ({ name: r.name, expr: r.expr, eventTime: r.eventTime })) };
    }
    case 'withColumn': {
      requireName(op.name, 'withColumn');
      const r = resolveExpr(op.expr, scope, env);
      noteJson({ ...r, name: op.name });
      const column: ScopeColumn = { name: op.name, expr: r.expr, eventTime: r.eventTime };
      const at = matchingFields(scope.map(asField), op.name);
      const next = scope.map((c, i) => (at.includes(i) ? column : c));
      return { filters: stage.filters, scope: at.length > 0 ? next : [...scope, column] };
    }
    case 'withColumnRenamed': {
      requireName(op.from, 'withColumnRenamed');
      requireName(op.to, 'withColumnRenamed');
      const at = matchingFields(scope.map(asField), op.from);
      return { filters: stage.filters, scope: scope.map((c, i) => (at.includes(i) ? { ...c, name: op.to } : c)) };
    }
    case 'drop': {
      if (!Array.isArray(op.columns)) throw new ResolveProblem('drop needs a list of column names');
      op.columns.forEach((n) => requireName(n, 'drop'));
      const gone = new Set(op.columns.flatMap((n) => matchingFields(scope.map(asField), n)));
      return { filters: stage.filters, scope: scope.filter((_, i) => !gone.has(i)) };
    }
    case 'filter': {
      const r = resolveExpr(op.condition, scope, env);
      return { filters: [...stage.filters, requireBoolean(r, 'filter')], scope };
    }
    case 'withWatermark': {
      const r = resolveColumn(op.column, scope);
      if (nameParts(op.column).length > 1) throw new ResolveProblem(`withWatermark needs a top-level column; add the field ${op.column} as a column with withColumn first`);
      if (r.expr.type.kind !== 'timestamp') {
        throw new ResolveProblem(`[EVENT_TIME_IS_NOT_ON_TIMESTAMP_TYPE] The event time \`${r.name}\` has the invalid type "${sqlTypeName(r.expr.type)}", but expected "TIMESTAMP".`);
      }
      let delay: number;
      try {
        delay = parseDuration(op.delay);
      } catch (e) {
        throw new ResolveProblem(`watermark delay: ${(e as Error).message}`);
      }
      onWatermark(delay);
      const at = matchingFields(scope.map(asField), op.column)[0];
      return { filters: stage.filters, scope: scope.map((c, i) => ({ ...c, eventTime: i === at })) };
    }
    default:
      throw new ResolveProblem(`unknown operation ${JSON.stringify((op as { op: unknown }).op)}`);
  }
}

function asField(c: ScopeColumn): SqlField {
  return { name: c.name, type: c.expr.type, nullable: c.expr.nullable };
}

/** One select item: '*', 'a.*' (every field of struct a), or an expression. */
function selectItem(spec: ExprSpec, scope: readonly ScopeColumn[], env: ExprEnv): Resolved[] {
  if (spec?.kind === 'col' && typeof spec.name === 'string') {
    let parts: string[];
    try {
      parts = nameParts(spec.name);
    } catch (e) {
      throw new ResolveProblem((e as Error).message);
    }
    if (parts[parts.length - 1] === '*') {
      if (parts.length === 1) return scope.map((c) => ({ name: c.name, sql: c.name, expr: c.expr, eventTime: c.eventTime }));
      const struct = resolveColumn(parts.slice(0, -1).map((p) => '`' + p.replace(/`/g, '``') + '`').join('.'), scope);
      if (struct.expr.type.kind !== 'struct') {
        throw new ResolveProblem(`[CANNOT_RESOLVE_STAR_EXPAND] Cannot resolve ${spec.name} given input columns: ${struct.sql} is ${simpleString(struct.expr.type)}, not a struct`);
      }
      return struct.expr.type.fields.map((f) => ({ name: f.name, sql: `${struct.sql}.${f.name}`, expr: fieldOf(struct.expr, f.name, struct.sql), eventTime: false }));
    }
  }
  return [resolveExpr(spec, scope, env)];
}

function requireName(name: unknown, where: string): void {
  if (typeof name !== 'string') throw new ResolveProblem(`${where} needs a column name (a string), got ${JSON.stringify(name)}`);
}
