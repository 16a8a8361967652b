import type { DocumentStore } from '../core/ports';
import type { CloudCredentials } from './credentials';
import { FileDocumentStore } from './file-store';
import { OssDocumentStore } from './oss-store';

/** Where the state lives, as STATE_URL says: an OSS bucket and prefix, or a directory. */
export type StateLocation =
  | { readonly kind: 'oss'; readonly bucket: string; readonly prefix: string; readonly endpoint: URL | undefined }
  | { readonly kind: 'file'; readonly path: string };

/** A 20,000-key state is a few hundred KB: room for a slow internal link, well inside a run. */
const OSS_TIMEOUT_MS = 30_000;

/**
 * The store for a location: OSS with the run's credentials in its region, or the filesystem.
 * Without an explicit endpoint OSS is reached at the region's internal endpoint (the function, in
 * the region), or its public one with `internal: false` (the CLI, anywhere).
 */
export function stateStoreFor(location: StateLocation, credentials: CloudCredentials, region: string, options: { readonly internal?: boolean } = {}): DocumentStore {
  if (location.kind === 'file') return new FileDocumentStore(location.path);
  return new OssDocumentStore({ bucket: location.bucket, prefix: location.prefix, region, ...(location.endpoint === undefined ? {} : { endpoint: location.endpoint }), internal: options.internal ?? true, credentials, timeoutMs: OSS_TIMEOUT_MS });
}
