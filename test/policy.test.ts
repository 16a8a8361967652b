/**
 * Every cloud API action the code calls must be in the adapter's exported action list, and every
 * listed action in the RAM policy of whoever makes the call: the function's role
 * (stale-key-detector-readonly.json, plus stale-key-detector-organisation.json when it scans an
 * organisation) or the operator running `invoke` (operator-invoke.json). The member accounts' role
 * (member-readonly-role-*.json) is pinned to exactly the scanning actions and to trusting only the
 * function's role. The calls are read from the adapters' source, so a new SDK call without a
 * policy update fails here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ACTIONTRAIL_ACTIONS } from '../functions/stale-key-detector/src/adapters/actiontrail';
import { STS_ACTIONS } from '../functions/stale-key-detector/src/adapters/caller-identity';
import { FC_ACTIONS } from '../functions/stale-key-detector/src/adapters/function-compute';
import { OSS_ACTIONS } from '../functions/stale-key-detector/src/adapters/oss-store';
import { memberRoleArn, RESOURCE_DIRECTORY_ROLE, STS_ASSUME_ACTIONS } from '../functions/stale-key-detector/src/adapters/assume-role';
import { RAM_ACTIONS } from '../functions/stale-key-detector/src/adapters/ram';
import { RESOURCE_MANAGER_ACTIONS } from '../functions/stale-key-detector/src/adapters/resource-manager';

const ROOT = join(__dirname, '..');
const SRC = join(ROOT, 'functions', 'stale-key-detector', 'src');

interface PolicyDocument {
  Version: string;
  Statement: { Effect: string; Action: string | string[]; Resource: string | string[] }[];
}

interface TrustPolicyDocument {
  Version: string;
  Statement: { Effect: string; Action: string | string[]; Principal: Record<string, string | string[]> }[];
}

const list = (value: string | string[]): string[] => (Array.isArray(value) ? value : [value]);

function readPolicy(file: string): PolicyDocument {
  return JSON.parse(readFileSync(join(ROOT, 'policies', file), 'utf8')) as PolicyDocument;
}

/** The resources on which `file` allows `action` (statements whose Action patterns match it). */
function allowedResources(file: string, action: string): string[] {
  return readPolicy(file).Statement.filter((s) => s.Effect === 'Allow' && allows(list(s.Action), action)).flatMap((s) => list(s.Resource));
}

function allowedActions(file: string): string[] {
  return readPolicy(file).Statement.filter((s) => s.Effect === 'Allow').flatMap((s) => list(s.Action));
}

/** RAM policy action (and resource) matching: case-insensitive, `*` is a wildcard. */
function allows(patterns: readonly string[], action: string): boolean {
  return patterns.some((p) => new RegExp(`^${p.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i').test(action));
}

/** How each adapter talks to its cloud: the policy prefix of its actions, and its exported list. */
const ADAPTERS = [
  { file: 'functions/stale-key-detector/src/adapters/ram.ts', service: 'RAM', prefix: 'ram', declared: RAM_ACTIONS, policy: 'stale-key-detector-readonly.json' },
  { file: 'functions/stale-key-detector/src/adapters/actiontrail.ts', service: 'ActionTrail', prefix: 'actiontrail', declared: ACTIONTRAIL_ACTIONS, policy: 'stale-key-detector-readonly.json' },
  // The state in OSS (STATE_URL=oss://...): a policy of its own, scoped to the state's prefix.
  { file: 'functions/stale-key-detector/src/adapters/oss-store.ts', service: 'OSS', prefix: 'oss', declared: OSS_ACTIONS, policy: 'stale-key-detector-state.json' },
  // The CLI's `invoke` (the operator's policy). The coordinator (issue 12) invokes the function
  // through this adapter too, under the function's own role.
  { file: 'functions/stale-key-detector/src/adapters/function-compute.ts', service: 'FC', prefix: 'fc', declared: FC_ACTIONS, policy: 'operator-invoke.json' },
  // Organisation scans (issue 12): whoever lists the members and assumes their roles, the
  // coordinator (the function's role, with this policy besides the read-only one) or the operator
  // running `scan --accounts`. The scanning role's policy never grants them (below).
  { file: 'functions/stale-key-detector/src/adapters/resource-manager.ts', service: 'ResourceManager', prefix: 'resourcemanager', declared: RESOURCE_MANAGER_ACTIONS, policy: 'stale-key-detector-organisation.json' },
  { file: 'functions/stale-key-detector/src/adapters/assume-role.ts', service: 'STS', prefix: 'sts', declared: STS_ASSUME_ACTIONS, policy: 'stale-key-detector-organisation.json' },
] as const;

/** The function's name (s.yaml's functionName) and its role's name (policies/README.md's ROLE_NAME). */
const FUNCTION_NAME = /^\s*functionName:\s*(\S+)\s*$/m.exec(readFileSync(join(ROOT, 's.yaml'), 'utf8'))?.[1];
const POLICIES_README = readFileSync(join(ROOT, 'policies', 'README.md'), 'utf8');
const FUNCTION_ROLE_NAME = /^ROLE_NAME=(\S+)$/m.exec(POLICIES_README)?.[1];
/** The read-only role the set-up creates in every member (policies/README.md's MEMBER_ROLE_NAME). */
const MEMBER_ROLE_NAME = /^MEMBER_ROLE_NAME=(\S+)$/m.exec(POLICIES_README)?.[1];

/**
 * Adapters whose calls need no grant, so no policy lists them: STS GetCallerIdentity (the CLI's
 * account id for its state) is answered for any valid credential ("RAM authorization: No
 * authorization for this operation", Alibaba's API reference). Their exported action lists are
 * empty, and they must call exactly the grant-free actions named here.
 */
const GRANT_FREE = [
  { file: 'functions/stale-key-detector/src/adapters/caller-identity.ts', service: 'STS', prefix: 'sts', declared: STS_ACTIONS, calls: ['sts:GetCallerIdentity'] },
] as const;

/** Builds SDK configs for the adapters; imports openapi-core but calls nothing. */
const CONFIG_ONLY = 'functions/stale-key-detector/src/adapters/openapi-config.ts';

const ALI_OSS_METHODS: Record<string, string> = { get: 'GetObject', put: 'PutObject', head: 'HeadObject', delete: 'DeleteObject', list: 'ListObjects', copy: 'CopyObject' };

const pascal = (method: string): string => method.charAt(0).toUpperCase() + method.slice(1);

/**
 * The API actions an adapter's source calls (each adapter holds its SDK client in `client`):
 *  - openapi-core SDK methods, `client.listUsers(` / `client.invokeFunctionWithOptions(` -> ListUsers, InvokeFunction;
 *  - pop-core `client.request('Action', ...)`, or `client.request(name, ...)` with `const name = 'Action'`;
 *  - the action named when a failure is reported: toCloudApiError(e, 'RAM', 'ListUsers'), badResponse('RAM', 'ListUsers', ...).
 */
function calledActions(source: string, service: string): Set<string> {
  const constants = new Map([...source.matchAll(/const\s+(\w+)\s*=\s*'([A-Za-z]+)'/g)].map((m) => [m[1] as string, m[2] as string]));
  const found = new Set<string>();
  for (const m of source.matchAll(/\bclient\.(\w+)\s*(?:<[^>()]*>)?\s*\(\s*([^,)]*)/g)) {
    const method = m[1] as string;
    if (method === 'request') {
      const arg = (m[2] ?? '').trim();
      const literal = /^'([A-Za-z]+)'$/.exec(arg)?.[1];
      const action = literal ?? constants.get(arg);
      if (action === undefined) throw new Error(`cannot tell which action client.request(${arg}, ...) calls; use a string literal or a const`);
      found.add(action);
    } else {
      found.add(pascal(method.replace(/WithOptions$/, '')));
    }
  }
  // ali-oss's client (held as `oss`): its methods are named after the object operations.
  for (const m of source.matchAll(/\boss\.(\w+)\s*\(/g)) {
    const action = ALI_OSS_METHODS[m[1] as string];
    if (action === undefined) throw new Error(`ali-oss method ${m[1]} has no action in ALI_OSS_METHODS: add it`);
    found.add(action);
  }
  const named = new RegExp(`(?:toCloudApiError\\(\\s*\\w+\\s*,|badResponse\\()\\s*'${service}'\\s*,\\s*(?:'([A-Za-z]+)'|(\\w+))`, 'g');
  for (const m of source.matchAll(named)) {
    const action = m[1] ?? constants.get(m[2] ?? '');
    if (action === undefined) throw new Error(`cannot resolve the action in "${m[0]}"`);
    found.add(action);
  }
  return found;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

describe('policy coverage', () => {
  it.each(ADAPTERS)('$file calls exactly the actions it exports', ({ file, service, prefix, declared }) => {
    const called = [...calledActions(readFileSync(join(ROOT, file), 'utf8'), service)].map((a) => `${prefix}:${a}`).sort();
    expect(called.length).toBeGreaterThan(0);
    expect(called).toEqual([...declared].sort());
  });

  it.each(GRANT_FREE)('$file calls only $calls, which need no grant, and declares no action', ({ file, service, prefix, declared, calls }) => {
    const called = [...calledActions(readFileSync(join(ROOT, file), 'utf8'), service)].map((a) => `${prefix}:${a}`).sort();
    expect(called).toEqual([...calls].sort());
    expect(declared).toEqual([]);
  });

  it.each(ADAPTERS)('$policy allows every action of $file', ({ declared, policy }) => {
    const allowed = allowedActions(policy);
    for (const action of declared) expect({ action, allowed: allows(allowed, action) }).toEqual({ action, allowed: true });
  });

  it('gives the function role nothing beyond what the function calls (no fc:InvokeFunction, no writes)', () => {
    expect(allowedActions('stale-key-detector-readonly.json').sort()).toEqual([...RAM_ACTIONS, ...ACTIONTRAIL_ACTIONS].sort());
    // The scanning role never lists the organisation nor assumes roles in it.
    for (const action of [...RESOURCE_MANAGER_ACTIONS, ...STS_ASSUME_ACTIONS]) expect(allows(allowedActions('stale-key-detector-readonly.json'), action)).toBe(false);
    expect(allowedActions('operator-invoke.json')).toEqual([...FC_ACTIONS]);
  });

  it('grants the state\'s OSS actions on the state prefix only, never on a whole bucket or all of OSS', () => {
    const policy = JSON.parse(readFileSync(join(ROOT, 'policies', 'stale-key-detector-state.json'), 'utf8')) as PolicyDocument;
    expect(allowedActions('stale-key-detector-state.json').sort()).toEqual([...OSS_ACTIONS].sort());
    for (const statement of policy.Statement) {
      for (const resource of Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource]) expect(resource).toMatch(/^acs:oss:\*:\*:STATE_BUCKET\/STATE_PREFIX\/\*$/);
    }
  });

  describe('an organisation (Resource Directory)', () => {
    const ORGANISATION_POLICY = 'stale-key-detector-organisation.json';
    /** acs:ram::<account id, or * for every member>:role/<one role name, no wildcard>. */
    const ROLE_ARN_PATTERN = /^acs:ram::(\*|\d{1,32}):role\/[A-Za-z0-9._-]{1,64}$/;

    it('gives the coordinator exactly ListAccounts, AssumeRole and InvokeFunction, nothing of the scan', () => {
      expect(allowedActions(ORGANISATION_POLICY).sort()).toEqual([...RESOURCE_MANAGER_ACTIONS, ...STS_ASSUME_ACTIONS, ...FC_ACTIONS].sort());
      // The scan's actions stay in the read-only policy, attached beside this one.
      for (const action of [...RAM_ACTIONS, ...ACTIONTRAIL_ACTIONS, ...OSS_ACTIONS]) expect(allows(allowedActions(ORGANISATION_POLICY), action)).toBe(false);
    });

    it('grants AssumeRole on a member role ARN only, never on every role', () => {
      const resources = allowedResources(ORGANISATION_POLICY, 'sts:AssumeRole');
      expect(resources.length).toBeGreaterThan(0);
      for (const resource of resources) {
        expect(resource).not.toBe('*');
        expect(resource).toMatch(ROLE_ARN_PATTERN);
      }
      // It is the role the set-up creates in the members, the role ARN the code builds for it.
      expect(MEMBER_ROLE_NAME).toBe('StaleKeyDetectorReadOnly');
      const memberRole = MEMBER_ROLE_NAME ?? '';
      expect(resources.map((r) => r.split('/')[1])).toEqual([memberRole]);
      expect(allows(resources, memberRoleArn('1000000000000001', memberRole))).toBe(true);
      // Not the directory's administrator role, nor any other role of a member.
      expect(allows(resources, memberRoleArn('1000000000000001', RESOURCE_DIRECTORY_ROLE))).toBe(false);
      expect(allows(resources, memberRoleArn('1000000000000001', 'AliyunFCDefaultRole'))).toBe(false);
    });

    it('grants InvokeFunction on the function itself only', () => {
      expect(FUNCTION_NAME).toBe('stale-key-detector');
      expect(allowedResources(ORGANISATION_POLICY, 'fc:InvokeFunction')).toEqual([`acs:fc:*:*:functions/${FUNCTION_NAME}`]);
    });

    it('gives the member role exactly the scanning actions', () => {
      expect(allowedActions('member-readonly-role-policy.json').sort()).toEqual([...RAM_ACTIONS, ...ACTIONTRAIL_ACTIONS].sort());
      expect(allowedActions('member-readonly-role-policy.json').sort()).toEqual(allowedActions('stale-key-detector-readonly.json').sort());
    });

    it('has the member role trust one RAM role in one account, the function\'s, and nothing else', () => {
      const trust = JSON.parse(readFileSync(join(ROOT, 'policies', 'member-readonly-role-trust.json'), 'utf8')) as TrustPolicyDocument;
      expect(trust.Version).toBe('1');
      expect(trust.Statement).toHaveLength(1);
      const [statement] = trust.Statement;
      expect(statement?.Effect).toBe('Allow');
      expect(list(statement?.Action ?? [])).toEqual(['sts:AssumeRole']);
      // A RAM principal only: no Service (fc.aliyuncs.com would let any function assume it), no Federated.
      expect(Object.keys(statement?.Principal ?? {})).toEqual(['RAM']);
      const principals = list(statement?.Principal.RAM ?? []);
      expect(principals).toHaveLength(1);
      const [principal] = principals;
      expect(principal).not.toContain('*');
      // A role (not :root, the whole account; not a user), in one account: the placeholder the set-up fills in.
      expect(principal).toBe(`acs:ram::MANAGEMENT_ACCOUNT_ID:role/${FUNCTION_ROLE_NAME}`);
      expect(FUNCTION_ROLE_NAME).toBe('stale-key-detector');
    });
  });

  it('recognizes every form of call the adapters use', () => {
    // The extraction itself: a new call in any of these forms is caught.
    const sample = `
      const action = 'GetAccessKeyLastUsedProducts';
      await this.client.listUsers(request);
      await client.deleteAccessKeyWithOptions(a, b, c);
      await this.client.request<Answer>(action, {}, {});
      await this.client.request('DescribeTrails', {});
      throw toCloudApiError(error, 'RAM', 'UpdateAccessKey');
      await this.oss.head(name);
    `;
    expect([...calledActions(sample, 'RAM')].sort()).toEqual(['DeleteAccessKey', 'DescribeTrails', 'GetAccessKeyLastUsedProducts', 'HeadObject', 'ListUsers', 'UpdateAccessKey']);
    expect(allows(['ram:List*'], 'ram:ListUsers')).toBe(true);
    expect(allows(['ram:List*'], 'ram:UpdateAccessKey')).toBe(false);
  });

  it('keeps the cloud SDKs inside the adapters, so the scan above sees every call', () => {
    const sdk = /from\s+'(@alicloud\/(ram20150501|resourcemanager20200331|sts20150401|pop-core|fc2|openapi-core)|ali-oss)'|require\('(@alicloud\/(ram20150501|resourcemanager20200331|sts20150401|pop-core|fc2|openapi-core)|ali-oss)'\)/;
    const outside = [...sourceFiles(SRC), ...sourceFiles(join(ROOT, 'cli'))]
      .filter((f) => sdk.test(readFileSync(f, 'utf8')))
      .map((f) => relative(ROOT, f).split('\\').join('/'))
      .filter((f) => ![...ADAPTERS, ...GRANT_FREE].some((a) => a.file === f) && f !== CONFIG_ONLY);
    expect(outside).toEqual([]);
    // The shared openapi-core Config builder makes no calls of its own.
    expect(calledActions(readFileSync(join(ROOT, CONFIG_ONLY), 'utf8'), 'RAM').size).toBe(0);
  });
});
