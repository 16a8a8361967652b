/**
 * The state document: what the last runs learnt of each key, and which stale episodes the chat
 * was told of. Facts, never verdicts: each run judges again under its own rules (threshold,
 * exemptions, status from RAM's listing), so a state written under other settings stays valid.
 *
 * Stored as gzip-compressed JSON. Products are kept once in a table and referred to by index,
 * which keeps a 20,000-key document in the low hundreds of KB.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import type { KeyStatus, ProductUse } from '../../model';

export const STATE_FORMAT = 'stale-key-detector/state';
export const STATE_VERSION = 1;

/** A stale episode: from the run that first saw the key stale until it is used, disabled, exempted or deleted. */
export interface Episode {
  /** The run instant that first saw the key stale: with the key, the episode's identity. */
  readonly openedAt: number;
  /** True once the chat accepted a message naming the key for this episode. */
  readonly delivered: boolean;
}

export interface KeyRecord {
  readonly accessKeyId: string;
  readonly userName: string;
  readonly createdAt: number;
  readonly status: KeyStatus;
  /** The run instant of the last successful look-up; undefined when it never had one. */
  readonly checkedAt: number | undefined;
  /** What that look-up answered. */
  readonly products: readonly ProductUse[];
  /** The last run could not check the key (look-up failed, user unlisted, time limit): look it up next time. */
  readonly recheck: boolean;
  readonly episode: Episode | undefined;
  /**
   * Set while a key is not judged since a run without a state: crossings before this instant
   * were the window rule's to alert (before the state existed), so they count as told.
   */
  readonly toldBefore?: number | undefined;
}

/** Which account and region a state belongs to: a state of another is never used. */
export interface StateScope {
  readonly accountId: string;
  readonly region: string;
}

export interface StateDocument extends StateScope {
  /** The place in the generation chain (core/state/state-chain.ts). */
  readonly generation: number;
  /** The instant of the run that wrote it. */
  readonly savedAt: number;
  readonly keys: readonly KeyRecord[];
}

type Decoded = { readonly ok: true; readonly document: StateDocument } | { readonly ok: false; readonly problem: 'corrupt' | 'future' | 'foreign'; readonly reason: string };

// ---- the stored form ----

type StoredProduct = [serviceName: string, serviceNameEn: string, source: string];
type StoredUse = [product: number, usedAt: number];
interface StoredKey {
  id: string;
  user: string;
  created: number;
  status: KeyStatus;
  checked?: number;
  uses?: StoredUse[];
  recheck?: true;
  episode?: [openedAt: number, delivered: 0 | 1];
  told?: number;
}
interface Stored {
  format: typeof STATE_FORMAT;
  version: number;
  accountId: string;
  region: string;
  generation: number;
  savedAt: number;
  products: StoredProduct[];
  keys: StoredKey[];
}

export function encodeState(document: StateDocument): Buffer {
  const products: StoredProduct[] = [];
  const index = new Map<string, number>();
  const productIndex = (p: ProductUse): number => {
    const id = JSON.stringify([p.serviceName, p.serviceNameEn, p.source]);
    let i = index.get(id);
    if (i === undefined) {
      i = products.push([p.serviceName, p.serviceNameEn, p.source]) - 1;
      index.set(id, i);
    }
    return i;
  };
  const keys = document.keys.map((k): StoredKey => ({
    id: k.accessKeyId,
    user: k.userName,
    created: k.createdAt,
    status: k.status,
    ...(k.checkedAt === undefined ? {} : { checked: k.checkedAt }),
    ...(k.products.length === 0 ? {} : { uses: k.products.map((p): StoredUse => [productIndex(p), p.usedAt]) }),
    ...(k.recheck ? { recheck: true as const } : {}),
    ...(k.episode === undefined ? {} : { episode: [k.episode.openedAt, k.episode.delivered ? 1 : 0] as [number, 0 | 1] }),
    ...(k.toldBefore === undefined ? {} : { told: k.toldBefore }),
  }));
  const stored: Stored = { format: STATE_FORMAT, version: STATE_VERSION, accountId: document.accountId, region: document.region, generation: document.generation, savedAt: document.savedAt, products, keys };
  return gzipSync(JSON.stringify(stored));
}

/**
 * The document in `bytes`, or why it cannot be used: not gzip, not JSON, not this shape
 * (corrupt), a newer format version (future), another account or region (foreign). Checked field
 * by field by hand: the shape is small and fixed, and a schema library would be the function
 * bundle's largest dependency for one object.
 */
export function decodeState(bytes: Buffer, scope: StateScope): Decoded {
  let raw: unknown;
  try {
    raw = JSON.parse(gunzipSync(bytes).toString('utf8'));
  } catch (error) {
    return { ok: false, problem: 'corrupt', reason: `not a gzip-compressed JSON document (${error instanceof Error ? error.message : String(error)})` };
  }
  if (!isObject(raw) || raw['format'] !== STATE_FORMAT) return { ok: false, problem: 'corrupt', reason: `not a ${STATE_FORMAT} document` };
  const version = raw['version'];
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) return { ok: false, problem: 'corrupt', reason: 'its version is missing' };
  if (version > STATE_VERSION) return { ok: false, problem: 'future', reason: `it is format version ${version}, newer than this detector's ${STATE_VERSION}` };
  if (raw['accountId'] !== scope.accountId || raw['region'] !== scope.region) {
    return { ok: false, problem: 'foreign', reason: `it belongs to account ${String(raw['accountId']).slice(0, 40)}, region ${String(raw['region']).slice(0, 40)}` };
  }
  try {
    return { ok: true, document: readStored(raw, scope) };
  } catch (error) {
    return { ok: false, problem: 'corrupt', reason: error instanceof Error ? error.message : String(error) };
  }
}

function readStored(raw: Record<string, unknown>, scope: StateScope): StateDocument {
  const products = array(raw['products'], 'products').map((p, i) => {
    const t = array(p, `products[${i}]`);
    return [text(t[0], `products[${i}]`), text(t[1], `products[${i}]`), text(t[2], `products[${i}]`)] as const;
  });
  const seen = new Set<string>();
  const keys = array(raw['keys'], 'keys').map((k, i): KeyRecord => {
    const where = `keys[${i}]`;
    if (!isObject(k)) throw new Error(`${where} is not an object`);
    const accessKeyId = text(k['id'], `${where}.id`);
    if (seen.has(accessKeyId)) throw new Error(`${where}: key ${accessKeyId} appears twice`);
    seen.add(accessKeyId);
    const status = k['status'];
    if (status !== 'Active' && status !== 'Inactive') throw new Error(`${where}.status is not Active or Inactive`);
    const uses = k['uses'] === undefined ? [] : array(k['uses'], `${where}.uses`);
    const episode = k['episode'] === undefined ? undefined : array(k['episode'], `${where}.episode`);
    return {
      accessKeyId,
      userName: text(k['user'], `${where}.user`),
      createdAt: instant(k['created'], `${where}.created`),
      status,
      checkedAt: k['checked'] === undefined ? undefined : instant(k['checked'], `${where}.checked`),
      products: uses.map((u, j) => {
        const use = array(u, `${where}.uses[${j}]`);
        const product = products[integer(use[0], `${where}.uses[${j}]`)];
        if (product === undefined) throw new Error(`${where}.uses[${j}] names no product`);
        return { serviceName: product[0], serviceNameEn: product[1], source: product[2], usedAt: instant(use[1], `${where}.uses[${j}]`) };
      }),
      recheck: k['recheck'] === true,
      episode: episode === undefined ? undefined : { openedAt: instant(episode[0], `${where}.episode`), delivered: episode[1] === 1 },
      ...(k['told'] === undefined ? {} : { toldBefore: instant(k['told'], `${where}.told`) }),
    };
  });
  return { ...scope, generation: integer(raw['generation'], 'generation'), savedAt: instant(raw['savedAt'], 'savedAt'), keys };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function array(v: unknown, where: string): unknown[] {
  if (!Array.isArray(v)) throw new Error(`${where} is not a list`);
  return v;
}

function text(v: unknown, where: string): string {
  if (typeof v !== 'string' || v === '') throw new Error(`${where} is not a text`);
  return v;
}

function integer(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new Error(`${where} is not a whole number`);
  return v;
}

/** Epoch ms; the judge still checks each use's plausibility at its own run's time. */
const instant = integer;
