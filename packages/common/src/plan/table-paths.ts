import * as path from 'node:path';
import { defaultSideTablePath } from '../task/side-tables';
import type { QuerySpec } from './query-spec';

/**
 * The locations a query writes (its table, checkpoint and side tables) and the rules they obey.
 * The rules are lexical here; the driver applies them again to the real paths (symlinks of existing
 * ancestors resolved) and to its own state directory and allowed roots (driver/src/query/path-policy.ts).
 *
 *   - absolute: the driver never resolves a path against its own working directory (the job API and
 *     `tributary submit` resolve relative paths against the submitting process's directory);
 *   - not under /proc, /sys or /dev (pseudo filesystems: creating tables there fails in odd ways);
 *   - not the same as, nor inside, one another;
 *   - when the driver has a state directory or allowed roots: outside the former, inside one of the latter.
 */
export const SYSTEM_DIRS: readonly string[] = ['/proc', '/sys', '/dev'];

/** A location of the query, named as the user sets it (e.g. 'checkpointLocation'). */
export interface NamedPath { what: string; path: string }

/** The table path, checkpoint location and the side tables the query writes (defaults included), skipping missing ones. */
export function specPaths(spec: Pick<QuerySpec, 'sink' | 'options'>): NamedPath[] {
  const out: NamedPath[] = [];
  const sink = spec?.sink;
  const opts = spec?.options ?? {};
  const text = (p: unknown): p is string => typeof p === 'string' && p.trim() !== '';
  if (text(sink?.path)) out.push({ what: 'the table path', path: sink.path });
  if (text(sink?.checkpointLocation)) out.push({ what: 'checkpointLocation', path: sink.checkpointLocation });
  if ((opts.badRecords ?? 'quarantine') === 'quarantine') {
    const q = opts.quarantinePath ?? (text(sink?.path) ? defaultSideTablePath(sink.path, 'quarantine') : undefined);
    if (text(q)) out.push({ what: 'quarantinePath', path: q });
  }
  if (opts.lateRows === 'table' && sink?.outputMode !== 'complete') {
    const l = opts.lateRowsPath ?? (text(sink?.path) ? defaultSideTablePath(sink.path, 'lateRows') : undefined);
    if (text(l)) out.push({ what: 'lateRowsPath', path: l });
  }
  return out;
}

/** Whether `p` is `dir` or inside it (both absolute and normalized). */
export function isWithin(p: string, dir: string): boolean {
  const rel = path.posix.relative(dir, p);
  return rel === '' || (rel !== '..' && !rel.startsWith('../') && !path.posix.isAbsolute(rel));
}

export interface PathRuleOptions {
  /** The driver's state directory (absolute): no query location may overlap it. */
  stateDir?: string;
  /** When set, every location must be inside one of these absolute directories. */
  allowedRoots?: readonly string[];
}

/**
 * Every rule broken by `paths`, each a sentence naming the location; `shown` renders a path in
 * messages (the driver shows the real path beside the written one).
 */
export function pathRuleProblems(paths: NamedPath[], opts: PathRuleOptions = {}, shown = (p: NamedPath) => `'${p.path}'`): string[] {
  const problems: string[] = [];
  const absolute: NamedPath[] = [];
  for (const p of paths) {
    if (!path.posix.isAbsolute(p.path)) {
      problems.push(`${p.what} '${p.path}' is a relative path; give an absolute path (the driver does not resolve paths against its own working directory)`);
      continue;
    }
    const normal = { what: p.what, path: path.posix.resolve(p.path) };
    absolute.push(normal);
    const system = SYSTEM_DIRS.find((d) => isWithin(normal.path, d));
    if (system) problems.push(`${p.what} ${shown(p)} is under ${system}, a system directory; tables and checkpoints cannot live there`);
    if (opts.stateDir && (isWithin(normal.path, opts.stateDir) || isWithin(opts.stateDir, normal.path))) {
      problems.push(`${p.what} ${shown(p)} overlaps the driver's state directory ${opts.stateDir}; choose a location outside it`);
    }
    if (opts.allowedRoots && opts.allowedRoots.length > 0 && !opts.allowedRoots.some((r) => isWithin(normal.path, r))) {
      problems.push(`${p.what} ${shown(p)} is outside the driver's allowed roots (${opts.allowedRoots.join(', ')})`);
    }
  }
  for (let i = 0; i < absolute.length; i++) {
    for (let j = i + 1; j < absolute.length; j++) {
      const [a, b] = [absolute[i], absolute[j]];
      if (a.path === b.path) problems.push(`${b.what} '${b.path}' is the same location as ${a.what}; each needs a location of its own`);
      else if (isWithin(a.path, b.path)) problems.push(`${a.what} '${a.path}' is inside ${b.what} '${b.path}'; each needs a location of its own`);
      else if (isWithin(b.path, a.path)) problems.push(`${b.what} '${b.path}' is inside ${a.what} '${a.path}'; each needs a location of its own`);
    }
  }
  return problems;
}
