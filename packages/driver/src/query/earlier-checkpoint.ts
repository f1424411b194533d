import type { ResolvedQuery } from '@tributary/common';

/**
 * Why a checkpoint cannot be resumed by this version, or null. Checkpoints whose metadata has no
 * resolved query (metadata v1) were written by versions that ran the seed job on its own kernels:
 * their state is in the seed's partial format, which nothing here reads any more. Refused rather
 * than misread; the query itself can run again on a new checkpoint location.
 */
export function earlierFormatRefusal(checkpointDir: string, existing: { resolvedQuery?: ResolvedQuery }): string | null {
  if (existing.resolvedQuery !== undefined) return null;
  return `the checkpoint at ${checkpointDir} was written by an earlier version of Tributary (query metadata v1, without a resolved query): `
    + 'its state is in the seed job\'s former partial format, which this version no longer reads. '
    + 'Run the query with a new checkpoint location (and a new table path, since the old table\'s batches belong to the old checkpoint).';
}
