/**
 * The snapshot of the main table an update-mode reduce task merges against, at the version the
 * driver names (it commits against that version). Kept per table between batches and advanced with
 * the commits since, so a batch reads only the new commits of the log; the reduce tasks of one
 * executor share one read.
 */
import { readSnapshot, Snapshot, Storage, updateSnapshot } from '@tributary/common';

export class TableSnapshots {
  private readonly byTable = new Map<string, Promise<Snapshot>>();

  constructor(private readonly storage: Storage) {}

  at(tablePath: string, version: number): Promise<Snapshot> {
    const known = this.byTable.get(tablePath);
    const next = (async () => {
      const held = known ? await known.catch(() => undefined) : undefined;
      if (held && held.version === version) return held;
      if (held && held.version < version) return updateSnapshot(this.storage, held, { version });
      return readSnapshot(this.storage, tablePath, { version });
    })();
    this.byTable.set(tablePath, next);
    return next;
  }
}
