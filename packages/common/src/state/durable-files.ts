import type { StateVersion } from '../batch/batch-id';
import { InvalidArgumentError, UnavailableError } from '../errors';
import { sweepStaleTempFiles } from '../storage/local-storage';
import { joinLocation, type Storage } from '../storage/storage';
import { BlobName, STATE_FORMAT_VERSION, blobFileName, metadataPath, parseBlobFileName, partitionDir } from './layout';

/** Temp files older than this are debris of a crashed local writer; `removeBelow` removes them. */
const STALE_TEMP_FILE_MS = 60 * 60 * 1000;

/**
 * The durable copy of state under the checkpoint location (layout in layout.ts), in its Storage. A
 * blob file is written once with `put` (atomic replace): files carry the attempt in their name, so
 * attempts never share a file and a put cannot clobber another attempt's state. Which blobs exist
 * is learnt by listing a partition's directory; the commit log, not the listing, says which attempt
 * of a version counts.
 */
export class DurableStateFiles {
  constructor(
    private readonly storage: Storage,
    private readonly checkpointDir: string,
  ) {}

  /**
   * Creates `state/_metadata` if absent (put-if-absent, so concurrent openers agree), and refuses a
   * directory written in another format or for another query.
   */
  async ensureMetadata(queryId: string): Promise<void> {
    const file = metadataPath(this.checkpointDir);
    const content = JSON.stringify({ formatVersion: STATE_FORMAT_VERSION, queryId }) + '\n';
    await this.storage.putIfAbsent(file, content);
    const bytes = await this.storage.get(file);
    if (bytes === undefined) throw new UnavailableError(`${file} vanished right after it was written`);
    const found = JSON.parse(Buffer.from(bytes).toString('utf8')) as { formatVersion?: unknown; queryId?: unknown };
    if (found.formatVersion !== STATE_FORMAT_VERSION) {
      throw new InvalidArgumentError(
        `${file}: state format version ${String(found.formatVersion)} is not supported (this build reads ${STATE_FORMAT_VERSION})`,
      );
    }
    if (found.queryId !== queryId) {
      throw new InvalidArgumentError(`${file} belongs to query ${String(found.queryId)}, not ${queryId}`);
    }
  }

  async write(partition: number, blob: BlobName, bytes: Uint8Array): Promise<void> {
    const location = this.locationOf(partition, blob);
    try {
      await this.storage.put(location, bytes);
    } catch (error) {
      throw new UnavailableError(`durable state write of ${location} failed: ${(error as Error).message}`, {
        code: 'STATE_DURABLE_WRITE',
        cause: error,
      });
    }
  }

  /** The file's bytes, or undefined when it does not exist. */
  async read(partition: number, blob: BlobName): Promise<Uint8Array | undefined> {
    return this.storage.get(this.locationOf(partition, blob));
  }

  async list(partition: number): Promise<BlobName[]> {
    const blobs: BlobName[] = [];
    for (const name of await this.names(partition)) {
      const blob = parseBlobFileName(name);
      if (blob !== undefined) blobs.push(blob);
    }
    return blobs;
  }

  /** Deletes every blob of a version below `cutoff`, of any attempt (and, locally, stale temp files). */
  async removeBelow(partition: number, cutoff: StateVersion): Promise<void> {
    const dir = partitionDir(this.checkpointDir, partition);
    for (const name of await this.names(partition)) {
      const version = parseBlobFileName(name)?.version;
      if (version !== undefined && version < cutoff) await this.storage.delete(joinLocation(dir, name));
    }
    await sweepStaleTempFiles(this.storage, dir, STALE_TEMP_FILE_MS).catch(() => 0);
  }

  private locationOf(partition: number, blob: BlobName): string {
    return joinLocation(partitionDir(this.checkpointDir, partition), blobFileName(blob));
  }

  private async names(partition: number): Promise<string[]> {
    return (await this.storage.list(partitionDir(this.checkpointDir, partition))).map((o) => o.name);
  }
}
