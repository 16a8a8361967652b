/**
 * An in-memory account for the core's ports, for differential tests of whole runs: RAM (users in
 * pages with a Marker, their keys), ActionTrail (each key's last use per product, and a set of
 * keys whose look-up fails like a 5xx that does not heal), a DocumentStore with create-only writes,
 * and a chat that records what it accepted and can be told to refuse. No HTTP: the SDK paths are
 * tested against the simulator elsewhere.
 */
import type { ActionTrailApi, ChatMessage, DocumentStore, Notifier, RamApi, UsersPage } from '../../functions/stale-key-detector/src/core/ports';
import { CloudApiError } from '../../functions/stale-key-detector/src/errors/cloud-api-error';
import type { AccessKey, KeyStatus, ProductUse, RamUser } from '../../functions/stale-key-detector/src/model';

export const PRODUCTS = [
  ['Ecs', 'Elastic Compute Service'],
  ['Oss', 'Object Storage Service'],
  ['Ram', 'Resource Access Management'],
  ['Sts', 'Security Token Service'],
] as const;

interface ModelKey {
  readonly accessKeyId: string;
  readonly userName: string;
  readonly createdAt: number;
  status: KeyStatus;
  /** Last use per product index. */
  readonly uses: Map<number, number>;
}

export class ModelAccount implements RamApi, ActionTrailApi {
  /** Users in listing order, with their keys (at most two, as RAM allows). */
  private readonly users = new Map<string, ModelKey[]>();
  private readonly byId = new Map<string, ModelKey>();
  /** Keys whose look-up answers InternalError (HTTP 500) on every attempt. */
  failing: ReadonlySet<string> = new Set();
  private serial = 0;

  constructor(private readonly pageSize = 50) {}

  // ---- RAM and ActionTrail, as the core calls them ----

  async listUsersPage(marker: string | undefined): Promise<UsersPage> {
    const from = marker === undefined ? 0 : Number(marker);
    const names = [...this.users.keys()];
    const users: RamUser[] = names.slice(from, from + this.pageSize).map((userName) => ({ userName, displayName: undefined }));
    const more = from + this.pageSize < names.length;
    return { users, isTruncated: more, marker: more ? String(from + this.pageSize) : undefined };
  }

  async listAccessKeys(user: RamUser): Promise<AccessKey[]> {
    const keys = this.users.get(user.userName);
    if (keys === undefined) throw new CloudApiError({ service: 'RAM', action: 'ListAccessKeys', code: 'EntityNotExist.User', statusCode: 404, requestId: 'model' }, 'no such user');
    return keys.map((k) => ({ accessKeyId: k.accessKeyId, userName: k.userName, displayName: undefined, status: k.status, createdAt: k.createdAt }));
  }

  async lastUsedProducts(accessKeyId: string): Promise<ProductUse[]> {
    if (this.failing.has(accessKeyId)) {
      throw new CloudApiError({ service: 'ActionTrail', action: 'GetAccessKeyLastUsedProducts', code: 'InternalError', statusCode: 500, requestId: 'model' }, 'injected');
    }
    return this.productsOf(accessKeyId);
  }

  /** What ActionTrail holds for the key, whatever fails. */
  productsOf(accessKeyId: string): ProductUse[] {
    return [...(this.find(accessKeyId)?.uses ?? [])].map(([p, usedAt]) => ({ serviceName: PRODUCTS[p]![0], serviceNameEn: PRODUCTS[p]![1], source: 'ManagementEvent', usedAt }));
  }

  // ---- what happens in the account ----

  addUser(): string {
    const userName = `user-${String(this.serial++).padStart(4, '0')}`;
    this.users.set(userName, []);
    return userName;
  }

  /** Adds a key (none when the user has two already); returns its id. */
  addKey(userName: string, createdAt: number, lastUse?: { product: number; at: number }): string | undefined {
    const keys = this.users.get(userName);
    if (keys === undefined || keys.length >= 2) return undefined;
    const accessKeyId = `LTAI5tModel${String(this.serial++).padStart(13, '0')}`;
    const key: ModelKey = { accessKeyId, userName, createdAt, status: 'Active', uses: new Map(lastUse === undefined ? [] : [[lastUse.product, lastUse.at]]) };
    keys.push(key);
    this.byId.set(accessKeyId, key);
    return accessKeyId;
  }

  use(accessKeyId: string, product: number, at: number): void {
    const key = this.find(accessKeyId);
    if (key !== undefined && (key.uses.get(product) ?? -1) < at) key.uses.set(product, at);
  }

  setStatus(accessKeyId: string, status: KeyStatus): void {
    const key = this.find(accessKeyId);
    if (key !== undefined) key.status = status;
  }

  deleteKey(accessKeyId: string): void {
    const keys = this.users.get(this.byId.get(accessKeyId)?.userName ?? '');
    keys?.splice(keys.findIndex((k) => k.accessKeyId === accessKeyId), 1);
    this.byId.delete(accessKeyId);
  }

  deleteUser(userName: string): void {
    for (const k of this.users.get(userName) ?? []) this.byId.delete(k.accessKeyId);
    this.users.delete(userName);
  }

  userNames(): string[] {
    return [...this.users.keys()];
  }

  /** Every key, as RAM lists it. */
  keys(): AccessKey[] {
    return [...this.users.values()].flat().map((k) => ({ accessKeyId: k.accessKeyId, userName: k.userName, displayName: undefined, status: k.status, createdAt: k.createdAt }));
  }

  private find(accessKeyId: string): ModelKey | undefined {
    return this.byId.get(accessKeyId);
  }
}

/** A DocumentStore in a Map. `holdCreates(n, rank)`: the next n creates wait until all n are pending, then run one by one, lowest rank of their body first. */
export class MemoryStore implements DocumentStore {
  readonly location = 'memory://state/';
  readonly docs = new Map<string, Buffer>();
  private held: { count: number; rank: (body: Buffer) => number; waiting: Array<{ rank: number; go: () => void }> } | undefined;

  async read(name: string): Promise<Buffer | undefined> {
    return this.docs.get(name);
  }

  async create(name: string, body: Buffer): Promise<boolean> {
    await this.gate(body);
    if (this.docs.has(name)) return false;
    this.docs.set(name, body);
    return true;
  }

  async replace(name: string, body: Buffer): Promise<void> {
    this.docs.set(name, body);
  }

  holdCreates(count: number, rank: (body: Buffer) => number): void {
    this.held = { count, rank, waiting: [] };
  }

  private async gate(body: Buffer): Promise<void> {
    const held = this.held;
    if (held === undefined) return;
    await new Promise<void>((go) => {
      held.waiting.push({ rank: held.rank(body), go });
      if (held.waiting.length < held.count) return;
      this.held = undefined;
      // One at a time: each create completes (a macrotask turn) before the next is let through.
      const queue = [...held.waiting].sort((a, b) => a.rank - b.rank);
      const next = (): void => {
        queue.shift()?.go();
        if (queue.length > 0) setImmediate(next);
      };
      next();
    });
  }
}

/** The chat: records what it accepted; refuses every message while `refusing`. */
export class RecordingNotifier implements Notifier {
  readonly accepted: ChatMessage[] = [];
  readonly refused: ChatMessage[] = [];
  refusing = false;

  async send(message: ChatMessage): Promise<void> {
    if (this.refusing) {
      this.refused.push(message);
      throw new Error('DingTalk refused the message (errcode 130101)');
    }
    this.accepted.push(message);
  }
}
