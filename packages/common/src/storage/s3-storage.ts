import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { InvalidArgumentError, TributaryError, UnavailableError } from '../errors';
import { retryWithBackoff, type RetryPolicy } from '../retry';
import { noObject, parseObjectStoreLocation, type ListedObject, type ObjectInfo, type Storage } from './storage';

/**
 * Storage on S3 and S3-compatible object stores, through the AWS SDK v3 (the one module that uses it).
 * Locations are `s3://bucket/key` (`s3a://`, Hadoop's name for the same thing, is accepted too).
 *
 * Put-if-absent is `PutObject` with `If-None-Match: *`. The store creates the object only when no
 * object has that key, atomically, so of any number of racing writers on any hosts exactly one gets
 * 200 and every other one 412 Precondition Failed (→ false). A 409 ConditionalRequestConflict says
 * another conditional write on the key was in flight at the same moment and this one was not
 * applied: it is retried with backoff, and then answers 200 or 412 like any other. No lock service
 * and no DynamoDB table are involved.
 *
 * A write whose response was lost (connection reset after the store applied it) is retried by the
 * SDK and the retry answers 412: the winner would be told it lost. So a 412 that came on an SDK
 * retry is checked by reading the object back — if it holds exactly our bytes, our earlier try
 * created it and the answer is true. (Two writers of byte-identical contents cannot be told apart
 * this way; every name Tributary writes once carries content unique to its writer.)
 *
 * Put is a plain `PutObject`: S3 replaces objects atomically (a reader sees the old or the new one).
 *
 * Directories are key prefixes: `list` is `ListObjectsV2` on `<key>/`, with delimiter '/' unless
 * recursive, page after page; names are relative to the directory; names with a part starting with
 * '.' are left out, like the local implementation's temp files. S3 listings are strongly consistent
 * today, but nothing relies on that: the contract never trusts a listing for correctness.
 *
 * Configuration, each from the option or else the usual AWS environment:
 * - endpoint: `endpoint`, else AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL, else AWS's own endpoints;
 * - region: `region`, else AWS_REGION, else AWS_DEFAULT_REGION, else (with a custom endpoint)
 *   us-east-1, else the SDK's shared config (~/.aws/config, AWS_PROFILE);
 * - credentials: `credentials`, else AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN),
 *   else the SDK's default chain (AWS_PROFILE and ~/.aws, web identity, container and instance
 *   metadata);
 * - path-style addressing (`http://host/bucket/key`, which most S3-compatible servers need):
 *   `forcePathStyle`, else TRIBUTARY_S3_PATH_STYLE=true|false, else on exactly when a custom
 *   endpoint is set.
 *
 * Failures of the store surface as errors that name the operation and the location: an
 * UnavailableError (retriable) when the store could not be reached or answered 5xx/429 after the
 * SDK's own retries, a TributaryError with code STORAGE_FAILED otherwise (no such bucket, access
 * denied, no credentials found, ...).
 */
export interface S3StorageOptions {
  endpoint?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  forcePathStyle?: boolean;
  /** How 409 ConditionalRequestConflict answers to a put-if-absent are retried. */
  conflictRetry?: RetryPolicy;
  /** Keys asked for per ListObjectsV2 page (S3's maximum, 1000, by default). */
  listPageSize?: number;
  /** Environment to read the AWS variables from (process.env by default). */
  env?: NodeJS.ProcessEnv;
  /** A ready client to use instead of building one from the settings above. */
  client?: S3Client;
}

export const S3_CONFLICT_RETRY: Readonly<RetryPolicy> = Object.freeze({
  initialDelayMs: 50,
  maxDelayMs: 2_000,
  factor: 2,
  jitter: 0.5,
  deadlineMs: 30_000,
});

const S3_SCHEMES = new Set(['s3', 's3a']);

type Sdk = typeof import('@aws-sdk/client-s3');
let sdk: Sdk | undefined;
/** The SDK, loaded on first use: processes that never touch S3 do not pay for loading it. */
function awsSdk(): Sdk {
  sdk ??= require('@aws-sdk/client-s3') as Sdk;
  return sdk;
}

/** The S3 client settings `S3StorageOptions` and the environment give (exported for tests and docs). */
export function s3ClientConfig(options: S3StorageOptions = {}): S3ClientConfig {
  const env = options.env ?? process.env;
  const endpoint = options.endpoint ?? nonEmpty(env.AWS_ENDPOINT_URL_S3) ?? nonEmpty(env.AWS_ENDPOINT_URL);
  const region =
    options.region ?? nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION) ?? (endpoint !== undefined ? 'us-east-1' : undefined);
  const pathStyleEnv = nonEmpty(env.TRIBUTARY_S3_PATH_STYLE);
  if (pathStyleEnv !== undefined && pathStyleEnv !== 'true' && pathStyleEnv !== 'false') {
    throw new InvalidArgumentError(`TRIBUTARY_S3_PATH_STYLE must be 'true' or 'false', not '${pathStyleEnv}'`);
  }
  const forcePathStyle = options.forcePathStyle ?? (pathStyleEnv !== undefined ? pathStyleEnv === 'true' : endpoint !== undefined);
  const config: S3ClientConfig = { forcePathStyle };
  if (endpoint !== undefined) config.endpoint = endpoint;
  if (region !== undefined) config.region = region;
  // A copy: the SDK annotates the credentials object it is given.
  if (options.credentials !== undefined) config.credentials = { ...options.credentials };
  else if (nonEmpty(env.AWS_ACCESS_KEY_ID) !== undefined && nonEmpty(env.AWS_SECRET_ACCESS_KEY) !== undefined) {
    // What the SDK's chain would take from process.env first, read from `env` (which may be another).
    config.credentials = {
      accessKeyId: env.AWS_ACCESS_KEY_ID!,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY!,
      ...(nonEmpty(env.AWS_SESSION_TOKEN) !== undefined ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    };
  }
  return config;
}

export class S3Storage implements Storage {
  private readonly sdk = awsSdk();
  private readonly client: S3Client;
  private readonly ownsClient: boolean;
  private readonly conflictRetry: RetryPolicy;
  private readonly listPageSize: number;

  constructor(options: S3StorageOptions = {}) {
    this.client = options.client ?? new this.sdk.S3Client(s3ClientConfig(options));
    this.ownsClient = options.client === undefined;
    this.conflictRetry = options.conflictRetry ?? S3_CONFLICT_RETRY;
    this.listPageSize = options.listPageSize ?? 1000;
  }

  async putIfAbsent(location: string, contents: string | Uint8Array): Promise<boolean> {
    const { bucket, key } = objectOf(location);
    const body = bytesOf(contents);
    return retryWithBackoff(
      `S3 put-if-absent of ${location} (409 ConditionalRequestConflict)`,
      async () => {
        try {
          await this.client.send(new this.sdk.PutObjectCommand({ Bucket: bucket, Key: key, Body: body, IfNoneMatch: '*' }));
          return true;
        } catch (error) {
          if (isConditionalConflict(error)) throw error;
          if (httpStatus(error) !== 412) throw storeFailure('put-if-absent', location, error);
          if (sdkAttempts(error) <= 1) return false;
          const held = await this.get(location);
          return held !== undefined && Buffer.from(held).equals(body);
        }
      },
      this.conflictRetry,
      { isRetriable: isConditionalConflict },
    );
  }

  async put(location: string, contents: string | Uint8Array): Promise<void> {
    const { bucket, key } = objectOf(location);
    try {
      await this.client.send(new this.sdk.PutObjectCommand({ Bucket: bucket, Key: key, Body: bytesOf(contents) }));
    } catch (error) {
      throw storeFailure('put', location, error);
    }
  }

  async get(location: string): Promise<Uint8Array | undefined> {
    const { bucket, key } = objectOf(location);
    try {
      const out = await this.client.send(new this.sdk.GetObjectCommand({ Bucket: bucket, Key: key }));
      return await out.Body!.transformToByteArray();
    } catch (error) {
      if (isNoSuchKey(error)) return undefined;
      throw storeFailure('get', location, error);
    }
  }

  async getRange(location: string, start: number, end: number): Promise<Uint8Array> {
    const { bucket, key } = objectOf(location);
    const from = Math.max(0, Math.floor(start));
    const to = Math.floor(end);
    if (to <= from) {
      // An empty range cannot be asked for in a Range header; the object must still exist.
      if ((await this.head(location)) === undefined) throw noObject(location);
      return new Uint8Array(0);
    }
    let bytes: Uint8Array;
    let ranged: boolean;
    try {
      const out = await this.client.send(new this.sdk.GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${from}-${to - 1}` }));
      bytes = await out.Body!.transformToByteArray();
      ranged = out.ContentRange !== undefined;
    } catch (error) {
      if (isNoSuchKey(error)) throw noObject(location);
      // 416: the object exists and `from` is at or past its end.
      if (httpStatus(error) === 416) return new Uint8Array(0);
      throw storeFailure('ranged get', location, error);
    }
    // A store that ignores Range answers 200 with the whole object.
    return ranged ? bytes : bytes.subarray(Math.min(from, bytes.length), Math.min(to, bytes.length));
  }

  async head(location: string): Promise<ObjectInfo | undefined> {
    const { bucket, key } = objectOf(location);
    try {
      const out = await this.client.send(new this.sdk.HeadObjectCommand({ Bucket: bucket, Key: key }));
      return { size: out.ContentLength ?? 0, modifiedMs: out.LastModified?.getTime() ?? 0 };
    } catch (error) {
      // HEAD has no body, so a missing bucket looks like a missing key here (both 404).
      if (httpStatus(error) === 404) return undefined;
      throw storeFailure('head', location, error);
    }
  }

  async list(dir: string, options: { recursive?: boolean } = {}): Promise<ListedObject[]> {
    const { bucket, key } = locationOf(dir);
    const prefix = key.replace(/\/+$/, '') === '' ? '' : `${key.replace(/\/+$/, '')}/`;
    const out: ListedObject[] = [];
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(
          new this.sdk.ListObjectsV2Command({
            Bucket: bucket,
            Prefix: prefix,
            Delimiter: options.recursive === true ? undefined : '/',
            ContinuationToken: token,
            MaxKeys: this.listPageSize,
          }),
        );
      } catch (error) {
        throw storeFailure('list', dir, error);
      }
      for (const object of page.Contents ?? []) {
        const name = (object.Key ?? '').slice(prefix.length);
        // '' is the directory's own marker object, 'x/' a marker below it: neither is an object of the listing.
        if (name === '' || name.endsWith('/') || name.split('/').some((part) => part.startsWith('.'))) continue;
        out.push({ name, size: object.Size ?? 0, modifiedMs: object.LastModified?.getTime() ?? 0 });
      }
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return out;
  }

  async delete(location: string): Promise<void> {
    const { bucket, key } = objectOf(location);
    try {
      await this.client.send(new this.sdk.DeleteObjectCommand({ Bucket: bucket, Key: key }));
    } catch (error) {
      // S3 answers 204 for a missing key; some compatible stores answer 404.
      if (httpStatus(error) === 404 && !isNoSuchBucket(error)) return;
      throw storeFailure('delete', location, error);
    }
  }

  /** Closes the client's connections (only a client this storage built itself). */
  close(): void {
    if (this.ownsClient) this.client.destroy();
  }
}

function locationOf(location: string): { bucket: string; key: string } {
  let parsed;
  try {
    parsed = parseObjectStoreLocation(location);
  } catch (error) {
    throw new InvalidArgumentError(`not an S3 location: '${location}' (expected s3://bucket/key)`, { cause: error });
  }
  if (!S3_SCHEMES.has(parsed.scheme)) throw new InvalidArgumentError(`not an S3 location: '${location}' (expected s3://bucket/key)`);
  return { bucket: parsed.bucket, key: parsed.key };
}

function objectOf(location: string): { bucket: string; key: string } {
  const parsed = locationOf(location);
  if (parsed.key === '' || parsed.key.endsWith('/')) {
    throw new InvalidArgumentError(`S3 location '${location}' names a bucket or a directory, not an object`);
  }
  return parsed;
}

function bytesOf(contents: string | Uint8Array): Buffer {
  return typeof contents === 'string' ? Buffer.from(contents, 'utf8') : Buffer.from(contents.buffer, contents.byteOffset, contents.byteLength);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

interface SdkError {
  name?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
}

function httpStatus(error: unknown): number | undefined {
  return (error as SdkError | undefined)?.$metadata?.httpStatusCode;
}

function errorName(error: unknown): string | undefined {
  const e = error as SdkError | undefined;
  return e?.Code ?? e?.name;
}

function sdkAttempts(error: unknown): number {
  return (error as SdkError | undefined)?.$metadata?.attempts ?? 1;
}

/** 409 on a conditional write: S3 names it ConditionalRequestConflict; any 409 there means "not applied, try again". */
function isConditionalConflict(error: unknown): boolean {
  return httpStatus(error) === 409;
}

function isNoSuchBucket(error: unknown): boolean {
  return errorName(error) === 'NoSuchBucket';
}

function isNoSuchKey(error: unknown): boolean {
  return errorName(error) === 'NoSuchKey' || (httpStatus(error) === 404 && !isNoSuchBucket(error));
}

/** A connection that failed or timed out (a Node system error such as ECONNREFUSED, or the SDK's timeouts). */
function isTransportError(error: unknown): boolean {
  const e = error as (NodeJS.ErrnoException & { name?: string }) | undefined;
  return typeof e?.code === 'string' || e?.name === 'TimeoutError' || e?.name === 'RequestTimeout';
}

function storeFailure(operation: string, location: string, error: unknown): TributaryError {
  if (error instanceof TributaryError) return error;
  const status = httpStatus(error);
  const name = errorName(error) ?? (error as NodeJS.ErrnoException | undefined)?.code ?? 'Error';
  const message = error instanceof Error ? error.message : String(error);
  const text = `S3 ${operation} of ${location} failed: ${name}${status !== undefined ? ` (HTTP ${status})` : ''}: ${message}`;
  if ((status === undefined && isTransportError(error)) || (status !== undefined && (status >= 500 || status === 429))) {
    return new UnavailableError(text, { code: 'STORAGE_UNAVAILABLE', cause: error });
  }
  return new TributaryError(text, { code: 'STORAGE_FAILED', cause: error });
}
