/**
 * The simulator's OSS buckets and objects (FakeCloud.objects). Tests read, plant, corrupt and
 * delete objects here directly; the OSS route (oss-route.ts) serves them to the real ali-oss client.
 */
import { createHash } from 'node:crypto';

export const DEFAULT_BUCKETS: readonly string[] = ['stale-key-state'];

export interface StoredObject {
  readonly body: Buffer;
  /** As OSS gives it for a simple upload: the MD5 in upper-case hex, in double quotes. */
  readonly etag: string;
  readonly contentType: string;
  /** Wall clock of the write (ms). */
  readonly lastModified: number;
}

export class ObjectStore {
  private readonly buckets = new Map<string, Map<string, StoredObject>>();

  constructor(buckets: readonly string[] = DEFAULT_BUCKETS) {
    for (const bucket of buckets) this.addBucket(bucket);
  }

  addBucket(bucket: string): void {
    if (!this.buckets.has(bucket)) this.buckets.set(bucket, new Map());
  }

  hasBucket(bucket: string): boolean {
    return this.buckets.has(bucket);
  }

  /** The object's bytes (a copy), or undefined. */
  get(bucket: string, key: string): Buffer | undefined {
    const body = this.object(bucket, key)?.body;
    return body === undefined ? undefined : Buffer.from(body);
  }

  /** Writes or replaces an object, as a PutObject would (the bucket must exist). */
  put(bucket: string, key: string, body: Buffer | string, contentType = 'application/octet-stream', now = Date.now()): StoredObject {
    const bytes = Buffer.from(body);
    const stored: StoredObject = {
      body: bytes,
      etag: `"${createHash('md5').update(bytes).digest('hex').toUpperCase()}"`,
      contentType,
      lastModified: now,
    };
    this.objectsOf(bucket).set(key, stored);
    return stored;
  }

  /**
   * Writes only when there is no object by that name (x-oss-forbid-overwrite: true): undefined,
   * writing nothing, when there is one. Check and write happen in one turn of the event loop, so
   * two concurrent creates never both succeed.
   */
  create(bucket: string, key: string, body: Buffer, contentType?: string, now?: number): StoredObject | undefined {
    if (this.objectsOf(bucket).has(key)) return undefined;
    return this.put(bucket, key, body, contentType, now);
  }

  /** True when there was an object to delete. */
  delete(bucket: string, key: string): boolean {
    return this.objectsOf(bucket).delete(key);
  }

  /** Every object name in the bucket, sorted. */
  keys(bucket: string): string[] {
    return [...this.objectsOf(bucket).keys()].sort();
  }

  object(bucket: string, key: string): StoredObject | undefined {
    return this.buckets.get(bucket)?.get(key);
  }

  private objectsOf(bucket: string): Map<string, StoredObject> {
    const objects = this.buckets.get(bucket);
    if (objects === undefined) throw new Error(`the simulator has no bucket "${bucket}" (FakeCloudOptions.buckets)`);
    return objects;
  }
}
