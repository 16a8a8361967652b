/**
 * The interfaces the core calls, owned by the core: adapters implement them (adapters/ram.ts,
 * adapters/actiontrail.ts, adapters/dingtalk.ts), tests and the bench may pass their own. Each
 * method is one API call: pacing and retries are the core's.
 */
import type { AccessKey, Mentions, ProductUse, RamUser } from '../model';

/** One ListUsers page as RAM answered it: IsTruncated and Marker unchecked (the scan checks them). */
export interface UsersPage {
  readonly users: RamUser[];
  readonly isTruncated: boolean;
  readonly marker: string | undefined;
}

/** The RAM calls the detector makes. */
export interface RamApi {
  listUsersPage(marker: string | undefined): Promise<UsersPage>;
  listAccessKeys(user: RamUser): Promise<AccessKey[]>;
}

/** The ActionTrail call the detector makes. */
export interface ActionTrailApi {
  lastUsedProducts(accessKeyId: string): Promise<ProductUse[]>;
}

/** One message for the chat: a markdown title and text, who it mentions, and its idempotency key. */
export interface ChatMessage {
  readonly title: string;
  readonly text: string;
  /** Mentioned in the message (the text carries the "@..." the chat needs); none when undefined. */
  readonly mentions: Mentions | undefined;
  /** A message with a msgUuid the chat has seen is shown only once. */
  readonly msgUuid: string;
}

/** Where reports and alerts go. */
export interface Notifier {
  send(message: ChatMessage): Promise<void>;
}

/**
 * Where the state lives (an OSS prefix, a directory): small named documents, read whole and
 * written whole. Names are relative ("<account>/<region>/g000042.json.br"). The state's
 * generation chain needs one guarantee from the store, create-only writes (OSS
 * x-oss-forbid-overwrite, a file opened with O_EXCL): see core/state/state-chain.ts.
 */
export interface DocumentStore {
  /** Where, for reports and logs: "oss://bucket/prefix/" or a path; never a secret. */
  readonly location: string;
  /** The document's bytes, or undefined when there is none by that name. */
  read(name: string): Promise<Buffer | undefined>;
  /** Writes a document that must not exist yet: false, writing nothing, when one does. */
  create(name: string, body: Buffer): Promise<boolean>;
  /** Writes or replaces a document. */
  replace(name: string, body: Buffer): Promise<void>;
}
