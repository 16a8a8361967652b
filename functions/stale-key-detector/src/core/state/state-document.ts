/**
 * The state document: what the last runs learnt of each key, and which stale episodes the chat
 * was told of. Facts, never verdicts: each run judges again under its own rules (threshold,
 * exemptions, status from RAM's listing), so a state written under other settings stays valid.
 *
 * Stored as Brotli-compressed JSON, column by column (see the stored form below).
 */
import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';
import type { KeyStatus, ProductUse } from '../../model';

export const STATE_FORMAT = 'stale-key-detector/state';
export const STATE_VERSION = 1;

/** A stale episode: from the run that first saw the key stale until it is used, disabled, exempted or deleted. */
export interface Episode {
  /** The run instant that first saw the key stale: with the key, the episode's identity. */
  readonly openedAt: number;
  /** True once the chat accepted a message naming the key for this episode. */
  readonly delivered: boolean;
  /**
   * The instant of the state the opening run loaded, which had the key and no episode (not stale,
   * disabled, exempt, or not judged): the episode began after it. Undefined when that run had no
   * record of the key. Lets a merge tell the same crossing seen by two racing runs from a new
   * episode after a disable (state-chain.ts).
   */
  readonly since?: number;
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
//
// Column by column (one array per field, times as milliseconds before savedAt, user names and
// products in tables), then Brotli: columns of like values compress far better than a list of
// objects. The random AccessKeyIds, about 15 bytes each, are half of what is left.

type StoredProduct = [serviceName: string, serviceNameEn: string, source: string];
interface Stored {
  format: typeof STATE_FORMAT;
  version: number;
  accountId: string;
  region: string;
  generation: number;
  savedAt: number;
  products: StoredProduct[];
  users: string[];
  keys: {
    id: string[];
    /** Index into users. */
    user: number[];
    /** savedAt - CreateDate. */
    created: number[];
    /** 'A' (Active) or 'I' (Inactive) per key. */
    status: string;
    /** savedAt - checkedAt, or null: never checked. */
    checked: (number | null)[];
    /** Per key: product index, savedAt - usedAt, product index, ... */
    uses: number[][];
    /** Indexes of the keys to re-check. */
    recheck: number[];
    /** [key index, savedAt - openedAt, 1 delivered | 0] or, with `since`, [..., savedAt - since] (readers before it ignore the fourth). */
    episode: ([number, number, 0 | 1] | [number, number, 0 | 1, number])[];
    /** [key index, savedAt - toldBefore] */
    told: [number, number][];
  };
}

export function encodeState(document: StateDocument): Buffer {
  const { savedAt } = document;
  const products: StoredProduct[] = [];
  const productIndex = new Map<string, number>();
  const users: string[] = [];
  const userIndex = new Map<string, number>();
  const indexIn = <T>(table: T[], index: Map<string, number>, id: string, value: T): number => {
    let i = index.get(id);
    if (i === undefined) {
      i = table.push(value) - 1;
      index.set(id, i);
    }
    return i;
  };
  const keys: Stored['keys'] = { id: [], user: [], created: [], status: '', checked: [], uses: [], recheck: [], episode: [], told: [] };
  document.keys.forEach((k, i) => {
    keys.id.push(k.accessKeyId);
    keys.user.push(indexIn(users, userIndex, k.userName, k.userName));
    keys.created.push(savedAt - k.createdAt);
    keys.status += k.status === 'Active' ? 'A' : 'I';
    keys.checked.push(k.checkedAt === undefined ? null : savedAt - k.checkedAt);
    keys.uses.push(k.products.flatMap((p) => [indexIn(products, productIndex, JSON.stringify([p.serviceName, p.serviceNameEn, p.source]), [p.serviceName, p.serviceNameEn, p.source]), savedAt - p.usedAt]));
    if (k.recheck) keys.recheck.push(i);
    if (k.episode !== undefined) {
      const { openedAt, delivered, since } = k.episode;
      keys.episode.push(since === undefined ? [i, savedAt - openedAt, delivered ? 1 : 0] : [i, savedAt - openedAt, delivered ? 1 : 0, savedAt - since]);
    }
    if (k.toldBefore !== undefined) keys.told.push([i, savedAt - k.toldBefore]);
  });
  const stored: Stored = { format: STATE_FORMAT, version: STATE_VERSION, accountId: document.accountId, region: document.region, generation: document.generation, savedAt, products, users, keys };
  const json = Buffer.from(JSON.stringify(stored));
  // A window no larger than the document: a larger one finds nothing more, and at quality 9 its
  // tables cost more than the compressing itself for a small state (46 ms against 0.8 ms for 10 KB).
  const window = Math.min(constants.BROTLI_MAX_WINDOW_BITS, Math.max(constants.BROTLI_MIN_WINDOW_BITS, Math.ceil(Math.log2(json.length + 1))));
  return brotliCompressSync(json, {
    params: { [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT, [constants.BROTLI_PARAM_QUALITY]: 9, [constants.BROTLI_PARAM_LGWIN]: window, [constants.BROTLI_PARAM_SIZE_HINT]: json.length },
  });
}
// Quality 9, measured on a 20,000-key state (1.9 MB of JSON): 677 KB in 0.35 s of CPU, once a run,
// after the scan; quality 11 gives 614 KB (10% less) but takes about 2 s, which every hourly run
// would wait for (on a synthetic state: 490 KB in 0.25 s against 448 KB in 1.7 s); gzip -9 of
// the same JSON as rows 860 KB. Any quality reads back the same.

/**
 * The document in `bytes`, or why it cannot be used: not Brotli, not JSON, not this shape
 * (corrupt), a newer format version (future), another account or region (foreign). Checked field
 * by field by hand: the shape is small and fixed, and a schema library would be the function
 * bundle's largest dependency for one object.
 */
export function decodeState(bytes: Buffer, scope: StateScope): Decoded {
  let raw: unknown;
  try {
    raw = JSON.parse(brotliDecompressSync(bytes).toString('utf8'));
  } catch (error) {
    return { ok: false, problem: 'corrupt', reason: `not a Brotli-compressed JSON document (${error instanceof Error ? error.message : String(error)})` };
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
  const savedAt = natural(raw['savedAt'], 'savedAt');
  const at = (delta: unknown, where: string): number => {
    const t = savedAt - integer(delta, where);
    if (t < 0 || !Number.isSafeInteger(t)) throw new Error(`${where} is out of range`);
    return t;
  };
  const products = array(raw['products'], 'products').map((p, i) => {
    const t = array(p, `products[${i}]`);
    return [text(t[0], `products[${i}]`), text(t[1], `products[${i}]`), text(t[2], `products[${i}]`)] as const;
  });
  const users = array(raw['users'], 'users').map((u, i) => text(u, `users[${i}]`));
  const k = raw['keys'];
  if (!isObject(k)) throw new Error('keys is not an object');
  const ids = array(k['id'], 'keys.id').map((id, i) => text(id, `keys.id[${i}]`));
  const n = ids.length;
  const column = (name: string): unknown[] => {
    const c = array(k[name], `keys.${name}`);
    if (c.length !== n) throw new Error(`keys.${name} has ${c.length} entries for ${n} keys`);
    return c;
  };
  if (new Set(ids).size !== n) throw new Error('a key appears twice');
  const status = k['status'];
  if (typeof status !== 'string' || status.length !== n || !/^[AI]*$/.test(status)) throw new Error('keys.status is not one A or I per key');
  const [user, created, checked, uses] = [column('user'), column('created'), column('checked'), column('uses')];
  const flagged = <T>(name: string, read: (entry: unknown[], where: string) => T): Map<number, T> =>
    new Map(
      array(k[name], `keys.${name}`).map((e, j) => {
        const entry = array(e, `keys.${name}[${j}]`);
        const i = natural(entry[0], `keys.${name}[${j}]`);
        if (i >= n) throw new Error(`keys.${name}[${j}] names no key`);
        return [i, read(entry, `keys.${name}[${j}]`)];
      }),
    );
  const recheck = new Set(array(k['recheck'], 'keys.recheck').map((i, j) => natural(i, `keys.recheck[${j}]`)));
  const episodes = flagged('episode', (e, where): Episode => ({ openedAt: at(e[1], where), delivered: e[2] === 1, ...(e[3] === undefined ? {} : { since: at(e[3], where) }) }));
  const told = flagged('told', (e, where) => at(e[1], where));
  const keys = ids.map((accessKeyId, i): KeyRecord => {
    const userName = users[natural(user[i], `keys.user[${i}]`)];
    if (userName === undefined) throw new Error(`keys.user[${i}] names no user`);
    const flat = array(uses[i], `keys.uses[${i}]`);
    if (flat.length % 2 !== 0) throw new Error(`keys.uses[${i}] is not product, time pairs`);
    const productsOfKey = [];
    for (let j = 0; j < flat.length; j += 2) {
      const product = products[natural(flat[j], `keys.uses[${i}]`)];
      if (product === undefined) throw new Error(`keys.uses[${i}] names no product`);
      productsOfKey.push({ serviceName: product[0], serviceNameEn: product[1], source: product[2], usedAt: at(flat[j + 1], `keys.uses[${i}]`) });
    }
    const toldBefore = told.get(i);
    return {
      accessKeyId,
      userName,
      createdAt: at(created[i], `keys.created[${i}]`),
      status: status[i] === 'A' ? 'Active' : 'Inactive',
      checkedAt: checked[i] === null ? undefined : at(checked[i], `keys.checked[${i}]`),
      products: productsOfKey,
      recheck: recheck.has(i),
      episode: episodes.get(i),
      ...(toldBefore === undefined ? {} : { toldBefore }),
    };
  });
  return { ...scope, generation: natural(raw['generation'], 'generation'), savedAt, keys };
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
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new Error(`${where} is not a whole number`);
  return v;
}

function natural(v: unknown, where: string): number {
  const n = integer(v, where);
  if (n < 0) throw new Error(`${where} is negative`);
  return n;
}
