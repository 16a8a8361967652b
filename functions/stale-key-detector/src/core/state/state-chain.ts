/**
 * The state as a chain of generations, so that overlapping runs (a manual invoke during a timer
 * run) neither lose a delivered mark nor corrupt the document:
 *  - a run reads the newest generation N and, when done, writes N+1 with a create-only write
 *    (OSS x-oss-forbid-overwrite, a file opened with O_EXCL), which succeeds for one writer only;
 *  - a writer that finds N+1 taken reads it, merges its own facts and marks into it (merge below)
 *    and tries N+2: nothing a finished run wrote is ever overwritten;
 *  - `head.json` names the newest generation so a reader need not list the prefix (the policy
 *    grants GetObject and PutObject only). It is a hint: a reader searches past it for newer ones.
 * Old generations are never deleted by the detector (no DeleteObject right): an OSS lifecycle
 * rule on the prefix expires them (README). A missing generation reads as "no state".
 */
import type { DocumentStore } from '../ports';
import { decodeState, encodeState, type KeyRecord, type StateDocument, type StateScope } from './state-document';

/** Writers racing for the next generation before a save gives up. */
const MAX_SAVE_ATTEMPTS = 5;

export type LoadedState =
  | { readonly status: 'loaded'; readonly document: StateDocument }
  | { readonly status: 'missing' | 'unreadable' | 'corrupt' | 'future' | 'foreign'; readonly reason: string; readonly generation: number };

const folder = (scope: StateScope): string => `${encodeURIComponent(scope.accountId)}/${encodeURIComponent(scope.region)}`;
const headName = (scope: StateScope): string => `${folder(scope)}/head.json`;
const generationName = (scope: StateScope, generation: number): string => `${folder(scope)}/g${String(generation).padStart(9, '0')}.json.br`;

/** The newest generation's document, or why there is none to use. Never throws. */
export async function loadState(store: DocumentStore, scope: StateScope): Promise<LoadedState> {
  let generation = 0;
  try {
    generation = await newestGeneration(store, scope);
    if (generation === 0) return { status: 'missing', reason: `no state at ${store.location} yet`, generation };
    const bytes = await store.read(generationName(scope, generation));
    if (bytes === undefined) return { status: 'missing', reason: `generation ${generation} is gone (expired?)`, generation };
    const decoded = decodeState(bytes, scope);
    if (!decoded.ok) return { status: decoded.problem, reason: decoded.reason, generation };
    if (decoded.document.generation !== generation) return { status: 'corrupt', reason: `generation ${generation} says it is ${decoded.document.generation}`, generation };
    return { status: 'loaded', document: decoded.document };
  } catch (error) {
    return { status: 'unreadable', reason: error instanceof Error ? error.message : String(error), generation };
  }
}

async function newestGeneration(store: DocumentStore, scope: StateScope): Promise<number> {
  const head = await store.read(headName(scope));
  let hint = 0;
  if (head !== undefined) {
    try {
      const parsed: unknown = JSON.parse(head.toString('utf8'));
      const g = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)['generation'] : undefined;
      if (typeof g === 'number' && Number.isSafeInteger(g) && g >= 0) hint = g;
    } catch {
      // A broken hint: search from the start.
    }
  }
  return newestFrom(store, scope, hint);
}

/**
 * The newest generation at or after `from` (`from` itself when none after it exists). Generations
 * above `from` are contiguous (each is created right after the one before; expiry removes the
 * oldest first), so a galloping search finds the newest in O(log n) reads, however far a stale or
 * broken head lags.
 */
async function newestFrom(store: DocumentStore, scope: StateScope, from: number): Promise<number> {
  const exists = async (g: number): Promise<boolean> => (await store.read(generationName(scope, g))) !== undefined;
  let found = from;
  let step = 1;
  while (await exists(found + step)) {
    found += step;
    step *= 2;
  }
  // found exists (or is `from`), found + step does not: binary search between them.
  let missing = found + step;
  while (missing - found > 1) {
    const middle = Math.floor((found + missing) / 2);
    if (await exists(middle)) found = middle;
    else missing = middle;
  }
  return found;
}

/**
 * Writes `document` as the generation after `after`, merging into whatever overlapping runs wrote
 * first. Resolves to the generation written; rejects when the store refuses.
 */
export async function saveState(store: DocumentStore, document: Omit<StateDocument, 'generation'>, after: number): Promise<number> {
  let ours: Omit<StateDocument, 'generation'> = document;
  let generation = after + 1;
  for (let attempt = 0; attempt < MAX_SAVE_ATTEMPTS; attempt += 1) {
    if (await store.create(generationName(ours, generation), encodeState({ ...ours, generation }))) {
      await store.replace(headName(ours), Buffer.from(JSON.stringify({ generation })));
      return generation;
    }
    // Taken: merge into the newest (others may have written several meanwhile) and go after it.
    const newest = await newestFrom(store, ours, generation);
    const bytes = await store.read(generationName(ours, newest));
    const theirs = bytes === undefined ? undefined : decodeState(bytes, ours);
    if (theirs?.ok === true) ours = mergeStates(ours, theirs.document);
    generation = newest + 1;
  }
  throw new Error(`the state at ${store.location} was written by ${MAX_SAVE_ATTEMPTS} other runs while this one saved; not saved`);
}

/**
 * Joins two runs' documents. Records are facts, so every key of either is kept (a deleted key
 * is dropped by the next run that lists its user). Per key, the later look-up's facts win; a
 * delivered mark of the same episode survives whenever the winning record's episode is still
 * open, so no overlap can lose one (it can at worst repeat an alert, never miss one).
 */
export function mergeStates<T extends Omit<StateDocument, 'generation'>>(ours: T, theirs: Omit<StateDocument, 'generation'>): T {
  const byId = new Map<string, KeyRecord>(theirs.keys.map((k) => [k.accessKeyId, k]));
  const keys = ours.keys.map((mine) => {
    const other = byId.get(mine.accessKeyId);
    byId.delete(mine.accessKeyId);
    return other === undefined ? mine : mergeRecords(mine, other);
  });
  return { ...ours, savedAt: Math.max(ours.savedAt, theirs.savedAt), keys: [...keys, ...byId.values()] };
}

function mergeRecords(a: KeyRecord, b: KeyRecord): KeyRecord {
  const [newer, older] = (b.checkedAt ?? -1) > (a.checkedAt ?? -1) ? [b, a] : [a, b];
  if (newer.episode === undefined) return { ...newer, recheck: newer.recheck && older.recheck };
  // The same episode only when the older one opened after the key's last use, and after the
  // instant the newer one's run last knew the key not stale (since): a mark of an episode that a
  // use, a disable or an exemption has ended must not silence the next one. Two runs that saw
  // the same crossing from the same state both opened after it, and share the mark.
  const lastUse = Math.max(newer.createdAt, ...newer.products.map((p) => p.usedAt));
  const sameEpisode = older.episode !== undefined && older.episode.openedAt > lastUse && older.episode.openedAt > (newer.episode.since ?? Number.NEGATIVE_INFINITY);
  const delivered = newer.episode.delivered || (sameEpisode && (older.episode?.delivered ?? false));
  return { ...newer, recheck: newer.recheck && older.recheck, episode: { ...newer.episode, delivered } };
}

/**
 * Marks these keys' open episodes as delivered in a state the run did not write itself: an
 * organisation's coordinator posts what its workers found, after they saved their states.
 * A new generation, written (and merged) like any other. Resolves to it, or undefined when
 * there is no usable state to mark.
 */
export async function markDelivered(store: DocumentStore, scope: StateScope, accessKeyIds: readonly string[]): Promise<number | undefined> {
  const loaded = await loadState(store, scope);
  if (loaded.status !== 'loaded') return undefined;
  const ids = new Set(accessKeyIds);
  const keys = loaded.document.keys.map((k) => (ids.has(k.accessKeyId) && k.episode !== undefined && !k.episode.delivered ? { ...k, episode: { ...k.episode, delivered: true } } : k));
  const { generation, ...document } = loaded.document;
  return saveState(store, { ...document, keys }, generation);
}
