/** The fake account: RAM users, their AccessKeys and what ActionTrail knows about each key's use. */

export type KeyStatus = 'Active' | 'Inactive';
export type EventSource = 'ManagementEvent' | 'DataEvent' | 'Internal';

export interface ProductUse {
  serviceName: string;
  serviceNameCn: string;
  serviceNameEn: string;
  source: EventSource;
  /** Milliseconds since the epoch. */
  usedTimestamp: number;
  /** The last event as a JSON string (as ActionTrail returns it). */
  detail: string;
}

export interface FakeKey {
  readonly accessKeyId: string;
  readonly userName: string;
  status: KeyStatus;
  /** Milliseconds since the epoch. */
  createDate: number;
  products: ProductUse[];
}

export interface FakeUser {
  readonly userId: string;
  readonly userName: string;
  displayName: string;
  comments: string;
  createDate: number;
  updateDate: number;
  readonly keys: FakeKey[];
}

export interface NewUser {
  readonly userName: string;
  readonly displayName?: string | undefined;
  readonly comments?: string | undefined;
  readonly createDate?: number | undefined;
  readonly userId?: string | undefined;
}

export interface NewKey {
  readonly accessKeyId: string;
  readonly status?: KeyStatus | undefined;
  readonly createDate?: number | undefined;
  readonly products?: readonly ProductUse[] | undefined;
}

/** Mutable, indexed account: O(1) look-ups by user name and by AccessKeyId. */
export class FakeAccount {
  private readonly userList: FakeUser[] = [];
  private readonly usersByName = new Map<string, FakeUser>();
  private readonly keysById = new Map<string, FakeKey>();
  private nextUserId = 200000000000000;

  /** Users in creation order (the order ListUsers pages through). Do not mutate the array itself. */
  get users(): readonly FakeUser[] {
    return this.userList;
  }

  get keyCount(): number {
    return this.keysById.size;
  }

  addUser(input: NewUser): FakeUser {
    if (this.usersByName.has(input.userName)) throw new Error(`user exists: ${input.userName}`);
    const createDate = input.createDate ?? Date.now();
    this.nextUserId += 1;
    const user: FakeUser = {
      userId: input.userId ?? String(this.nextUserId),
      userName: input.userName,
      displayName: input.displayName ?? input.userName,
      comments: input.comments ?? '',
      createDate,
      updateDate: createDate,
      keys: [],
    };
    this.userList.push(user);
    this.usersByName.set(user.userName, user);
    return user;
  }

  addKey(userName: string, input: NewKey): FakeKey {
    const user = this.usersByName.get(userName);
    if (!user) throw new Error(`no such user: ${userName}`);
    if (this.keysById.has(input.accessKeyId)) throw new Error(`key exists: ${input.accessKeyId}`);
    const key: FakeKey = {
      accessKeyId: input.accessKeyId,
      userName,
      status: input.status ?? 'Active',
      createDate: input.createDate ?? Date.now(),
      products: input.products ? input.products.map((p) => ({ ...p })) : [],
    };
    user.keys.push(key);
    this.keysById.set(key.accessKeyId, key);
    return key;
  }

  getUser(userName: string): FakeUser | undefined {
    return this.usersByName.get(userName);
  }

  getKey(accessKeyId: string): FakeKey | undefined {
    return this.keysById.get(accessKeyId);
  }

  /** ActionTrail's records for an AccessKeyId (none for a key it never saw). */
  productsOf(accessKeyId: string): readonly ProductUse[] {
    return this.keysById.get(accessKeyId)?.products ?? [];
  }
}
