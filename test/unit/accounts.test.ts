/** ACCOUNTS and its companions (config/accounts.ts): each bad value names its variable; selectAccounts as examples and as properties. */
import fc from 'fast-check';
import { memberRoleArn, RESOURCE_DIRECTORY_ROLE } from '../../functions/stale-key-detector/src/adapters/assume-role';
import { type AccountsConfig, readAccountsConfig, selectAccounts } from '../../functions/stale-key-detector/src/config/accounts';
import { configFailure } from '../helpers/config-failure';

const A = '1000000000000001';
const B = '1000000000000002';
const C = '1000000000000003';

const failure = configFailure;

const read = (env: Record<string, string>): AccountsConfig => {
  const config = readAccountsConfig(env);
  if (config === undefined) throw new Error('expected a configuration');
  return config;
};

describe('readAccountsConfig', () => {
  it('is undefined without ACCOUNTS (the own account, as before), empty counting as unset', () => {
    expect(readAccountsConfig({})).toBeUndefined();
    expect(readAccountsConfig({ ACCOUNTS: '  ', ACCOUNTS_INCLUDE: '' })).toBeUndefined();
  });

  it('refuses a companion set without ACCOUNTS: it would do nothing', () => {
    for (const name of ['ACCOUNT_ROLE_NAME', 'ACCOUNTS_INCLUDE', 'ACCOUNTS_EXCLUDE', 'ACCOUNT_CONCURRENCY', 'RESOURCE_MANAGER_ENDPOINT']) {
      const error = failure(() => readAccountsConfig({ [name]: name === 'RESOURCE_MANAGER_ENDPOINT' ? 'http://127.0.0.1:1' : '1' }));
      expect(error.field).toBe(name);
      expect(error.message).toContain('ACCOUNTS is not');
      expect(error.message).toContain('resource-directory');
    }
  });

  it('reads resource-directory with the documented defaults', () => {
    expect(read({ ACCOUNTS: 'resource-directory' })).toEqual({
      source: { kind: 'resource-directory' },
      roleName: RESOURCE_DIRECTORY_ROLE,
      include: [],
      exclude: [],
      concurrency: 10,
      resourceManagerEndpoint: new URL('https://resourcemanager.aliyuncs.com'),
    });
  });

  it('reads a JSON list: role ARN and display name optional', () => {
    const config = read({
      ACCOUNTS: JSON.stringify([{ accountId: A, roleArn: `acs:ram::${A}:role/StaleKeyReader`, displayName: 'prod' }, { accountId: ` ${B} ` }]),
      ACCOUNT_ROLE_NAME: 'StaleKeyReader',
      ACCOUNTS_INCLUDE: `${A}, ${B},${A}`,
      ACCOUNTS_EXCLUDE: C,
      ACCOUNT_CONCURRENCY: '100',
      RESOURCE_MANAGER_ENDPOINT: 'http://127.0.0.1:8080',
    });
    expect(config.source).toEqual({
      kind: 'list',
      accounts: [
        { accountId: A, roleArn: `acs:ram::${A}:role/StaleKeyReader`, displayName: 'prod' },
        { accountId: B, roleArn: undefined, displayName: undefined },
      ],
    });
    expect([config.roleName, config.include, config.exclude, config.concurrency, config.resourceManagerEndpoint.origin]).toEqual(['StaleKeyReader', [A, B], [C], 100, 'http://127.0.0.1:8080']);
  });

  it.each([
    [{ ACCOUNTS: 'all' }, 'ACCOUNTS', /must be resource-directory .* or a JSON list/],
    [{ ACCOUNTS: 'Resource-Directory' }, 'ACCOUNTS', /must be resource-directory/],
    [{ ACCOUNTS: '[{"accountId": "1"' }, 'ACCOUNTS', /is not valid JSON/],
    [{ ACCOUNTS: '[]' }, 'ACCOUNTS', /names no account/],
    [{ ACCOUNTS: '["1000000000000001"]' }, 'ACCOUNTS[0]', /must be an object/],
    [{ ACCOUNTS: '[{"accountId": 1000000000000001}]' }, 'ACCOUNTS[0].accountId', /quote it/],
    [{ ACCOUNTS: '[{"accountId": "10000-1"}]' }, 'ACCOUNTS[0].accountId', /string of digits/],
    [{ ACCOUNTS: '[{"id": "1000000000000001"}]' }, 'ACCOUNTS[0].id', /not a known field; allowed: accountId, roleArn, displayName/],
    [{ ACCOUNTS: '[{}]' }, 'ACCOUNTS[0].accountId', /string of digits/],
    [{ ACCOUNTS: `[{"accountId": "${A}", "roleArn": "acs:ram::${A}:user/alice"}]` }, 'ACCOUNTS[0].roleArn', /acs:ram::<account id>:role\/<role name>/],
    [{ ACCOUNTS: `[{"accountId": "${A}", "roleArn": "acs:ram::${B}:role/Reader"}]` }, 'ACCOUNTS[0].roleArn', /role of account 1000000000000002, not of 1000000000000001/],
    [{ ACCOUNTS: `[{"accountId": "${A}", "displayName": ""}]` }, 'ACCOUNTS[0].displayName', /non-empty string/],
    [{ ACCOUNTS: `[{"accountId": "${A}"}, {"accountId": "${B}"}, {"accountId": "${A}"}]` }, 'ACCOUNTS[2].accountId', /listed twice/],
    [{ ACCOUNTS: 'resource-directory', ACCOUNT_ROLE_NAME: `acs:ram::${A}:role/Reader` }, 'ACCOUNT_ROLE_NAME', /name only, not the ARN/],
    [{ ACCOUNTS: 'resource-directory', ACCOUNTS_INCLUDE: `${A},prod` }, 'ACCOUNTS_INCLUDE', /"prod" is not an account id/],
    [{ ACCOUNTS: 'resource-directory', ACCOUNTS_EXCLUDE: `${A};${B}` }, 'ACCOUNTS_EXCLUDE', /is not an account id/],
    [{ ACCOUNTS: 'resource-directory', ACCOUNTS_INCLUDE: `${A},${B}`, ACCOUNTS_EXCLUDE: B }, 'ACCOUNTS_EXCLUDE', /names 1000000000000002, which ACCOUNTS_INCLUDE names too/],
    [{ ACCOUNTS: 'resource-directory', ACCOUNT_CONCURRENCY: '0' }, 'ACCOUNT_CONCURRENCY', /from 1 to 100/],
    [{ ACCOUNTS: 'resource-directory', ACCOUNT_CONCURRENCY: '101' }, 'ACCOUNT_CONCURRENCY', /from 1 to 100/],
    [{ ACCOUNTS: 'resource-directory', ACCOUNT_CONCURRENCY: 'ten' }, 'ACCOUNT_CONCURRENCY', /whole number/],
    [{ ACCOUNTS: 'resource-directory', RESOURCE_MANAGER_ENDPOINT: 'https://u:p@resourcemanager.aliyuncs.com' }, 'RESOURCE_MANAGER_ENDPOINT', /user info/],
  ] as const)('refuses %j naming %s', (env, field, message) => {
    const error = failure(() => readAccountsConfig(env));
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
    expect(error.message.startsWith(`${field}: `)).toBe(true);
  });
});

describe('selectAccounts', () => {
  const directory = { source: { kind: 'resource-directory' }, roleName: RESOURCE_DIRECTORY_ROLE, include: [], exclude: [] } as const;
  const listed = [
    { accountId: A, displayName: 'alpha' },
    { accountId: B, displayName: 'beta' },
    { accountId: C, displayName: 'gamma' },
  ];

  it('gives every listed account the role of ACCOUNT_ROLE_NAME, in the listing\'s order', () => {
    expect(selectAccounts({ ...directory, roleName: 'StaleKeyReader' }, listed)).toEqual({
      accounts: [
        { accountId: A, displayName: 'alpha', roleArn: `acs:ram::${A}:role/StaleKeyReader` },
        { accountId: B, displayName: 'beta', roleArn: `acs:ram::${B}:role/StaleKeyReader` },
        { accountId: C, displayName: 'gamma', roleArn: `acs:ram::${C}:role/StaleKeyReader` },
      ],
      missing: [],
    });
  });

  it('narrows to the include list, then drops the exclude list; an included id nobody lists is missing', () => {
    const picked = selectAccounts({ ...directory, include: [C, A, '1999999999999999'], exclude: [] }, listed);
    expect(picked.accounts.map((a) => a.accountId)).toEqual([A, C]);
    expect(picked.missing).toEqual(['1999999999999999']);
    expect(selectAccounts({ ...directory, exclude: [B, '1999999999999999'] }, listed)).toMatchObject({ accounts: [{ accountId: A }, { accountId: C }], missing: [] });
  });

  it('takes a list\'s own role ARN and name, and scans the caller\'s own account with its own credentials unless the list names a role', () => {
    const source = { kind: 'list', accounts: [{ accountId: A, roleArn: `acs:ram::${A}:role/Mine`, displayName: undefined }, { accountId: B, roleArn: undefined, displayName: 'beta' }] } as const;
    expect(selectAccounts({ ...directory, source }, undefined, B).accounts).toEqual([
      { accountId: A, displayName: A, roleArn: `acs:ram::${A}:role/Mine` },
      { accountId: B, displayName: 'beta', roleArn: undefined },
    ]);
    expect(selectAccounts({ ...directory, source }, undefined, A).accounts[0]?.roleArn).toBe(`acs:ram::${A}:role/Mine`);
    // The management account in ListAccounts' answer.
    expect(selectAccounts(directory, listed, A).accounts.map((a) => a.roleArn)).toEqual([undefined, memberRoleArn(B), memberRoleArn(C)]);
  });

  it('needs the listing for resource-directory', () => {
    expect(() => selectAccounts(directory, undefined)).toThrow(/needs the accounts ListAccounts returned/);
  });

  it('as a property: each account at most once, in order, exactly those included and not excluded, with its role', () => {
    const id = fc.integer({ min: 1, max: 12 }).map((i) => String(1_000_000_000_000_000 + i));
    fc.assert(
      fc.property(
        fc.array(id, { maxLength: 20 }),
        fc.uniqueArray(id, { maxLength: 6 }),
        fc.uniqueArray(id, { maxLength: 6 }),
        fc.option(id, { nil: undefined }),
        (ids, include, rawExclude, self) => {
          const exclude = rawExclude.filter((x) => !include.includes(x));
          const { accounts, missing } = selectAccounts({ ...directory, roleName: 'Reader', include, exclude }, ids.map((accountId) => ({ accountId, displayName: `n${accountId}` })), self);
          const wanted = [...new Set(ids)].filter((x) => (include.length === 0 || include.includes(x)) && !exclude.includes(x));
          expect(accounts.map((a) => a.accountId)).toEqual(wanted);
          for (const a of accounts) {
            expect(a.roleArn).toBe(a.accountId === self ? undefined : memberRoleArn(a.accountId, 'Reader'));
            expect(a.displayName).toBe(`n${a.accountId}`);
          }
          expect(missing).toEqual(include.filter((x) => !ids.includes(x)));
        },
      ),
    );
  });

  it('as a property: the configuration refuses an id both included and excluded, and a list naming an account twice', () => {
    const id = fc.integer({ min: 1, max: 8 }).map((i) => String(1_000_000_000_000_000 + i));
    fc.assert(
      fc.property(fc.uniqueArray(id, { maxLength: 5 }), fc.uniqueArray(id, { maxLength: 5 }), (include, exclude) => {
        const env = { ACCOUNTS: 'resource-directory', ACCOUNTS_INCLUDE: include.join(','), ACCOUNTS_EXCLUDE: exclude.join(',') };
        if (include.some((x) => exclude.includes(x))) expect(failure(() => readAccountsConfig(env)).field).toBe('ACCOUNTS_EXCLUDE');
        else expect(read(env)).toMatchObject({ include, exclude });
      }),
    );
    fc.assert(
      fc.property(fc.array(id, { minLength: 1, maxLength: 8 }), (ids) => {
        const env = { ACCOUNTS: JSON.stringify(ids.map((accountId) => ({ accountId }))) };
        const twice = ids.findIndex((x, i) => ids.indexOf(x) !== i);
        if (twice >= 0) expect(failure(() => readAccountsConfig(env)).field).toBe(`ACCOUNTS[${twice}].accountId`);
        else expect(read(env).source).toMatchObject({ kind: 'list', accounts: ids.map((accountId) => ({ accountId })) });
      }),
    );
  });
});
