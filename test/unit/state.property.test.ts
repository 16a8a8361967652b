/**
 * The state document and its generation chain, over generated input: a document survives its
 * encoding; damaged bytes are never a crash and never another account's facts; the newest
 * generation is found whatever the head says; racing writers never overwrite each other.
 */
import fc from 'fast-check';
import type { DocumentStore } from '../../functions/stale-key-detector/src/core/ports';
import { loadState, mergeStates, saveState } from '../../functions/stale-key-detector/src/core/state/state-chain';
import { decodeState, encodeState, type KeyRecord, type StateDocument } from '../../functions/stale-key-detector/src/core/state/state-document';

const SCOPE = { accountId: '1234567890123456', region: 'cn-hangzhou' };
const instant = fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 });
const text = fc.string({ minLength: 1, maxLength: 30 });

const record: fc.Arbitrary<KeyRecord> = fc.record({
  accessKeyId: fc.stringMatching(/^LTAI[A-Za-z0-9]{8,20}$/),
  userName: text,
  createdAt: instant,
  status: fc.constantFrom('Active' as const, 'Inactive' as const),
  checkedAt: fc.option(instant, { nil: undefined }),
  products: fc.array(fc.record({ serviceName: text, serviceNameEn: text, source: fc.constantFrom('ManagementEvent', 'DataEvent'), usedAt: instant }), { maxLength: 4 }),
  recheck: fc.boolean(),
  episode: fc.option(fc.record({ openedAt: instant, delivered: fc.boolean(), since: instant }, { requiredKeys: ['openedAt', 'delivered'] }), { nil: undefined }),
});
const document: fc.Arbitrary<StateDocument> = fc
  .record({ generation: fc.nat({ max: 1e6 }), savedAt: instant, keys: fc.uniqueArray(record, { selector: (r) => r.accessKeyId, maxLength: 20 }) })
  .map((d) => ({ ...SCOPE, ...d }));

/** A store in memory whose create is create-only, as OSS's x-oss-forbid-overwrite is. */
class MemoryStore implements DocumentStore {
  readonly location = 'memory://';
  readonly docs = new Map<string, Buffer>();
  async read(name: string): Promise<Buffer | undefined> {
    return this.docs.get(name);
  }
  async create(name: string, body: Buffer): Promise<boolean> {
    if (this.docs.has(name)) return false;
    this.docs.set(name, body);
    return true;
  }
  async replace(name: string, body: Buffer): Promise<void> {
    this.docs.set(name, body);
  }
}

const gen = (g: number): string => `${SCOPE.accountId}/${SCOPE.region}/g${String(g).padStart(9, '0')}.json.br`;
const HEAD = `${SCOPE.accountId}/${SCOPE.region}/head.json`;

describe('the state document', () => {
  it('reads back what it wrote', () => {
    fc.assert(
      fc.property(document, (d) => {
        const decoded = decodeState(encodeState(d), SCOPE);
        expect(decoded).toEqual({ ok: true, document: d });
      }),
    );
  });

  it('turns any damage into a reason, never an exception, and another scope\'s state into "foreign"', () => {
    fc.assert(
      fc.property(document, fc.nat(), fc.integer({ min: 1, max: 255 }), fc.boolean(), (d, at, xor, truncate) => {
        const bytes = Buffer.from(encodeState(d));
        const i = at % bytes.length;
        const damaged = truncate ? bytes.subarray(0, i) : (bytes.writeUInt8((bytes[i] as number) ^ xor, i), bytes);
        const decoded = decodeState(damaged, SCOPE);
        if (!decoded.ok) expect(decoded.reason.length).toBeGreaterThan(0);
        expect(decodeState(encodeState(d), { ...SCOPE, region: 'cn-beijing' })).toMatchObject({ ok: false, problem: 'foreign' });
        expect(decodeState(encodeState({ ...d, accountId: '999' }), SCOPE)).toMatchObject({ ok: false, problem: 'foreign' });
      }),
    );
  });

  it('refuses a newer format version as "future"', () => {
    const { brotliCompressSync } = require('node:zlib') as typeof import('node:zlib');
    const future = brotliCompressSync(JSON.stringify({ format: 'stale-key-detector/state', version: 2, ...SCOPE, generation: 1, savedAt: 0, products: [], keys: [] }));
    expect(decodeState(future, SCOPE)).toMatchObject({ ok: false, problem: 'future' });
  });
});

describe('the generation chain', () => {
  it('loads the newest generation whatever the head says (missing, behind, garbage) and whatever expired below', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 300 }), fc.option(fc.oneof(fc.nat({ max: 400 }).map(String), fc.constant('{"gen')), { nil: undefined }), async (expired, newest, head) => {
        fc.pre(expired < newest);
        const store = new MemoryStore();
        // Only the newest is decoded; the search reads the others for existence alone.
        for (let g = expired + 1; g <= newest; g += 1) store.docs.set(gen(g), g === newest ? encodeState({ ...SCOPE, generation: g, savedAt: g, keys: [] }) : Buffer.from('older'));
        if (head !== undefined) store.docs.set(HEAD, Buffer.from(head.startsWith('{') ? head : JSON.stringify({ generation: Math.min(Number(head), newest) })));
        const loaded = await loadState(store, SCOPE);
        // A head at or below the newest, or none: the search finds the newest when it can reach it,
        // from a head at or past the expired ones (expiry leaves a gap it cannot see past).
        const headAt = head === undefined || head.startsWith('{') ? 0 : Math.min(Number(head), newest);
        if (headAt >= expired) expect(loaded).toMatchObject({ status: 'loaded', document: { generation: newest } });
        else expect(loaded.status).toBe('missing');
        // Either way the next save never overwrites a generation.
        const before = new Map(store.docs);
        const after = loaded.status === 'loaded' ? loaded.document.generation : loaded.generation;
        const written = await saveState(store, { ...SCOPE, savedAt: 1e12, keys: [] }, after);
        for (const [name, body] of before) if (name !== HEAD) expect(store.docs.get(name)).toBe(body);
        expect(store.docs.has(gen(written))).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('lets racing writers each write their own generation, every delivered mark merged into the last', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 5 }), async (writers) => {
        const store = new MemoryStore();
        const key = (delivered: boolean, checkedAt: number): KeyRecord => ({ accessKeyId: 'LTAIshared', userName: 'u', createdAt: 1, status: 'Active', checkedAt, products: [], recheck: false, episode: { openedAt: 5, delivered } });
        // Every writer read generation 0; only writer 0 delivered the shared key's episode.
        const written = await Promise.all(
          Array.from({ length: writers }, (_, w) => saveState(store, { ...SCOPE, savedAt: 10 + w, keys: [key(w === 0, 10 + w), { ...key(false, 1), accessKeyId: `LTAIown${w}` }] }, 0)),
        );
        expect(new Set(written).size).toBe(writers);
        const last = await loadState(store, SCOPE);
        if (last.status !== 'loaded') throw new Error(last.reason);
        expect(last.document.generation).toBe(writers);
        const shared = last.document.keys.find((k) => k.accessKeyId === 'LTAIshared');
        // The last writer merged what the others wrote: writer 0's mark survives unless writer 0 wrote last (then it is its own).
        expect(shared?.episode?.delivered).toBe(true);
        expect(last.document.keys.filter((k) => k.accessKeyId.startsWith('LTAIown')).length).toBe(writers);
      }),
      { numRuns: 20 },
    );
  });

  it('merges by the later look-up, keeping a delivered mark only while its episode is open', () => {
    const base = { userName: 'u', createdAt: 0, status: 'Active' as const, products: [], recheck: false };
    const ours = { ...SCOPE, savedAt: 2, keys: [{ ...base, accessKeyId: 'A', checkedAt: 2, episode: { openedAt: 1, delivered: false } }, { ...base, accessKeyId: 'B', checkedAt: 3, episode: undefined }] };
    const theirs = { ...SCOPE, savedAt: 1, keys: [{ ...base, accessKeyId: 'A', checkedAt: 1, episode: { openedAt: 1, delivered: true } }, { ...base, accessKeyId: 'B', checkedAt: 1, episode: { openedAt: 1, delivered: true } }] };
    const merged = mergeStates(ours, theirs);
    expect(merged.keys.find((k) => k.accessKeyId === 'A')?.episode).toEqual({ openedAt: 1, delivered: true });
    // An episode a use has ended since (opened before the newer look-up's last use) lends no mark to the next one.
    const reused = { ...ours, keys: [{ ...base, accessKeyId: 'A', checkedAt: 9, products: [{ serviceName: 'Ecs', serviceNameEn: 'ECS', source: 'ManagementEvent', usedAt: 3 }], episode: { openedAt: 8, delivered: false } }] };
    expect(mergeStates(reused, theirs).keys.find((k) => k.accessKeyId === 'A')?.episode).toEqual({ openedAt: 8, delivered: false });
    // B was used again (the later look-up ended its episode): no mark to keep.
    expect(merged.keys.find((k) => k.accessKeyId === 'B')?.episode).toBeUndefined();
  });

  it('lends no mark across a disable: an episode opened after a state that had the key not stale is a new one', () => {
    const base = { accessKeyId: 'A', userName: 'u', createdAt: 0, status: 'Active' as const, products: [], recheck: false };
    // The older writer delivered the episode it opened at 5. Then a run saw the key disabled (its
    // state saved at 7), and after a re-enable the newer writer opened one at 9, from that state.
    const theirs = { ...SCOPE, savedAt: 5, keys: [{ ...base, checkedAt: 5, episode: { openedAt: 5, delivered: true } }] };
    const reEnabled = { ...SCOPE, savedAt: 9, keys: [{ ...base, checkedAt: 9, episode: { openedAt: 9, delivered: false, since: 7 } }] };
    expect(mergeStates(reEnabled, theirs).keys[0]?.episode).toEqual({ openedAt: 9, delivered: false, since: 7 });
    // Two runs that loaded the same state (saved at 7) and saw the same crossing share the mark.
    const raced = { ...SCOPE, savedAt: 8, keys: [{ ...base, checkedAt: 8, episode: { openedAt: 8, delivered: true, since: 7 } }] };
    expect(mergeStates(reEnabled, raced).keys[0]?.episode).toEqual({ openedAt: 9, delivered: true, since: 7 });
  });
});
