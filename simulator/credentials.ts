/** The keys the fake accepts. */
import type { FakeCredential } from './types';

/** One STS credential, used when no credentials are given. */
export const DEFAULT_CREDENTIALS: FakeCredential & { readonly securityToken: string } = {
  accessKeyId: 'STS.fakeRoleKey',
  accessKeySecret: 'fake-role-secret',
  securityToken: 'fake-sts-token',
};

export class CredentialStore {
  private readonly byId = new Map<string, FakeCredential>();

  constructor(initial: readonly FakeCredential[]) {
    for (const c of initial) this.add(c);
  }

  add(credential: FakeCredential): void {
    this.byId.set(credential.accessKeyId, { ...credential });
  }

  /** The key, unless it is unknown or its session has expired (expiresAt, on the wall clock the SDKs sign with). */
  get(accessKeyId: string): FakeCredential | undefined {
    const credential = this.byId.get(accessKeyId);
    return credential?.expiresAt !== undefined && Date.now() >= credential.expiresAt ? undefined : credential;
  }

  list(): FakeCredential[] {
    return [...this.byId.values()];
  }

  /** Undefined allowedActions means every action is allowed. */
  static allows(credential: FakeCredential, qualifiedAction: string): boolean {
    const allowed = credential.allowedActions;
    if (allowed === undefined) return true;
    const product = qualifiedAction.slice(0, qualifiedAction.indexOf(':'));
    return allowed.some((a) => a === qualifiedAction || a === '*' || a === `${product}:*`);
  }
}
