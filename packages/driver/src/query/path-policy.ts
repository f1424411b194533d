/**
 * Where a submitted query may write, as this driver sees it. The lexical rules of
 * common/plan/table-paths.ts (absolute, not under /proc /sys /dev, not inside one another) are applied
 * again to the real locations — symlinks of the existing ancestors resolved — together with the
 * driver's own rules: outside its state directory and, when `--allowed-roots` is set, inside one of
 * those roots. Then each location is probed: its nearest existing ancestor must be a writable
 * directory and the location itself, if it exists, a directory.
 *
 * Rule problems are INVALID_ARGUMENT (the job names a bad place); filesystem problems are
 * FAILED_PRECONDITION (the place is fine, the machine is not ready), each naming the path and the
 * reason (EACCES, ENOTDIR, EEXIST, …).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError, isObjectStoreLocation, NamedPath, pathRuleProblems, QuerySpec, specPaths, TributaryError } from '@tributary/common';

/** Filesystem errors that mean "this location cannot be used" rather than a passing fault. */
const PRECONDITION_ERRNOS = new Set(['EACCES', 'EPERM', 'ENOTDIR', 'EEXIST', 'EISDIR', 'EROFS', 'ELOOP', 'ENAMETOOLONG', 'ENOSPC', 'EDQUOT']);

export class PathPolicy {
  private readonly stateDir: string;
  private readonly allowedRoots: string[];

  /** `stateDir` and `allowedRoots` absolute; both are compared by their real locations. */
  constructor(stateDir: string, allowedRoots: readonly string[] = []) {
    for (const r of allowedRoots) {
      if (!path.isAbsolute(r) && !isObjectStoreLocation(r)) throw new InvalidArgumentError(`allowed root '${r}' is neither an absolute path nor an object-store location`);
    }
    this.stateDir = isObjectStoreLocation(stateDir) ? stateDir : realLocation(stateDir);
    this.allowedRoots = allowedRoots.map((r) => (isObjectStoreLocation(r) ? r : realLocation(r)));
  }

  /** Throws InvalidArgumentError listing every broken rule, else TributaryError(FAILED_PRECONDITION) for the first unusable location. */
  check(spec: Pick<QuerySpec, 'sink' | 'options'>): void {
    // Object-store locations (s3://…) have no real path to resolve or directory to probe: they obey
    // the lexical rules as written (table-paths.ts: inside the allowed roots, no '..' part, no
    // overlap), and no local check touches them.
    const all = specPaths(spec);
    const objects = all.filter((p) => isObjectStoreLocation(p.path));
    const written = all.filter((p) => !isObjectStoreLocation(p.path));
    const relative = pathRuleProblems(written.filter((p) => !path.isAbsolute(p.path)));
    const real = written.filter((p) => path.isAbsolute(p.path)).map((p) => ({ written: p, real: { what: p.what, path: realLocation(p.path) } }));
    const shownOf = new Map(real.map((r) => [r.real, r.written]));
    const shown = (p: NamedPath): string => {
      const w = shownOf.get(p);
      return w === undefined || path.resolve(w.path) === p.path ? `'${p.path}'` : `'${w.path}' (really '${p.path}')`;
    };
    const problems = [...relative, ...pathRuleProblems([...real.map((r) => r.real), ...objects], { stateDir: this.stateDir, allowedRoots: this.allowedRoots }, shown)];
    if (problems.length > 0) {
      const noun = problems.length === 1 ? 'problem' : 'problems';
      throw new InvalidArgumentError(`invalid query (${problems.length} ${noun}):\n- ${problems.join('\n- ')}`);
    }
    for (const r of real) {
      const reason = probeLocation(r.real.path);
      if (reason !== undefined) throw new TributaryError(`${r.written.what} '${r.written.path}' cannot be used: ${reason}`, { code: 'FAILED_PRECONDITION' });
    }
  }
}

/** The real location of an absolute path: the realpath of its longest existing ancestor, joined with the rest. */
export function realLocation(p: string): string {
  let existing = path.resolve(p);
  const rest: string[] = [];
  for (;;) {
    try {
      return path.join(fs.realpathSync(existing), ...rest);
    } catch {
      const parent = path.dirname(existing);
      if (parent === existing) return path.resolve(p);
      rest.unshift(path.basename(existing));
      existing = parent;
    }
  }
}

/** Why a directory cannot be created or used at `p` (absolute, real), or undefined when it can. */
export function probeLocation(p: string): string | undefined {
  let at = p;
  for (;;) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(at);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if ((code === 'ENOENT' || code === 'ENOTDIR') && path.dirname(at) !== at) { at = path.dirname(at); continue; }
      return `${at} cannot be examined (${code ?? (err as Error).message})`;
    }
    if (!stat.isDirectory()) {
      return at === p ? `it exists and is not a directory (EEXIST as a file)` : `${at} is a file, not a directory (ENOTDIR)`;
    }
    try {
      fs.accessSync(at, at === p ? fs.constants.R_OK | fs.constants.W_OK | fs.constants.X_OK : fs.constants.W_OK | fs.constants.X_OK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'EACCES';
      return at === p ? `the directory is not readable and writable by the driver (${code})` : `${at} is not writable by the driver, so the directory cannot be created (${code})`;
    }
    return undefined;
  }
}

/**
 * A filesystem error met while opening a query's checkpoint or tables, as the client should see it:
 * FAILED_PRECONDITION naming the path and the errno; other errors unchanged.
 */
export function asPreconditionError(err: unknown): unknown {
  const e = err as NodeJS.ErrnoException;
  if (!(err instanceof Error) || err instanceof TributaryError || typeof e.code !== 'string' || !PRECONDITION_ERRNOS.has(e.code)) return err;
  const where = e.path ?? 'a query location';
  return new TributaryError(`cannot use ${where}: ${e.code} (${e.message})`, { code: 'FAILED_PRECONDITION', cause: err });
}
