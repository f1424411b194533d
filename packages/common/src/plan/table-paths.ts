import * as path from 'node:path';
import { isObjectStoreLocation, parseObjectStoreLocation } from '../storage/storage';
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
 *
 * Object-store locations (`s3://bucket/key`) obey the same rules, compared within their bucket
 * (`s3a://` is the same store as `s3://`), and one more: no empty, '.' or '..' part. An object key
 * is literal — `s3://b/a/../c` is not `s3://b/c` to S3 — so such a location would slip past the
 * allowed roots and overlap checks in appearance only: it is refused.
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
  // A CDC query's routes (docs/cdc.md, "Several source tables"): a table each.
  const routes = sink?.applyChanges?.routes;
  if (Array.isArray(routes)) for (const r of routes) if (text(r?.path)) out.push({ what: `the table of route ${r.sourceTable}`, path: r.path });
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

/**
 * An object-store location as an absolute POSIX path of its own namespace ('/' + NUL + scheme +
 * '/' + bucket + '/' + key), so that containment and overlap are decided by `isWithin` as for local
 * paths, and no local path can equal one; undefined when a part of the key is empty, '.' or '..'.
 */
export function objectLocationPath(location: string): string | undefined {
  const { scheme, bucket, key } = parseObjectStoreLocation(location);
  const parts = key.replace(/\/+$/, '').split('/');
  if (key !== '' && parts.some((part) => part === '' || part === '.' || part === '..')) return undefined;
  return ['', `\0${scheme === 's3a' ? 's3' : scheme}`, bucket, ...(key === '' ? [] : parts)].join('/');
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
  /** Written locations of the normalized object-store ones, for messages. */
  const written = new Map<string, string>();
  const rootOf = (r: string): string => (isObjectStoreLocation(r) ? objectLocationPath(r) ?? r : r);
  const stateDir = opts.stateDir === undefined ? undefined : rootOf(opts.stateDir);
  const allowedRoots = opts.allowedRoots?.map(rootOf);
  for (const p of paths) {
    if (isObjectStoreLocation(p.path)) {
      const normal = objectLocationPath(p.path);
      if (normal === undefined) {
        problems.push(`${p.what} '${p.path}' has an empty, '.' or '..' part; object-store keys are literal, give the location without them`);
        continue;
      }
      written.set(normal, p.path);
      absolute.push({ what: p.what, path: normal });
      if (stateDir && (isWithin(normal, stateDir) || isWithin(stateDir, normal))) {
        problems.push(`${p.what} '${p.path}' overlaps the driver's state directory ${opts.stateDir}; choose a location outside it`);
      }
      if (allowedRoots && allowedRoots.length > 0 && !allowedRoots.some((r) => isWithin(normal, r))) {
        problems.push(`${p.what} '${p.path}' is outside the driver's allowed roots (${opts.allowedRoots!.join(', ')})`);
      }
      continue;
    }
    if (!path.posix.isAbsolute(p.path)) {
      problems.push(`${p.what} '${p.path}' is a relative path; give an absolute path (the driver does not resolve paths against its own working directory)`);
      continue;
    }
    const normal = { what: p.what, path: path.posix.resolve(p.path) };
    absolute.push(normal);
    const system = SYSTEM_DIRS.find((d) => isWithin(normal.path, d));
    if (system) problems.push(`${p.what} ${shown(p)} is under ${system}, a system directory; tables and checkpoints cannot live there`);
    if (stateDir && (isWithin(normal.path, stateDir) || isWithin(stateDir, normal.path))) {
      problems.push(`${p.what} ${shown(p)} overlaps the driver's state directory ${opts.stateDir}; choose a location outside it`);
    }
    if (allowedRoots && allowedRoots.length > 0 && !allowedRoots.some((r) => isWithin(normal.path, r))) {
      problems.push(`${p.what} ${shown(p)} is outside the driver's allowed roots (${(opts.allowedRoots ?? []).join(', ')})`);
    }
  }
  const show = (p: NamedPath): NamedPath => ({ what: p.what, path: written.get(p.path) ?? p.path });
  for (let i = 0; i < absolute.length; i++) {
    for (let j = i + 1; j < absolute.length; j++) {
      const [a, b] = [show(absolute[i]), show(absolute[j])];
      const [na, nb] = [absolute[i].path, absolute[j].path];
      if (na === nb) problems.push(`${b.what} '${b.path}' is the same location as ${a.what}; each needs a location of its own`);
      else if (isWithin(na, nb)) problems.push(`${a.what} '${a.path}' is inside ${b.what} '${b.path}'; each needs a location of its own`);
      else if (isWithin(nb, na)) problems.push(`${b.what} '${b.path}' is inside ${a.what} '${a.path}'; each needs a location of its own`);
    }
  }
  return problems;
}
