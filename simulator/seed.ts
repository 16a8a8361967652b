/** Deterministic accounts: a large generated one for benchmarks and a small story-driven demo one. */
import { FakeAccount, type EventSource, type FakeUser, type KeyStatus, type ProductUse } from './account';
import { DAY_MS, HOUR_MS } from './dates';
import { createRng, pickOne, randomAlnum, randomInt, shuffled, type Rng } from './rng';
import { SERVICES, productUse } from './services';

export interface BuildAccountOptions {
  readonly users: number;
  readonly keysPerUser: number;
  /** "Now" of the account, in ms; every date is relative to it. */
  readonly now: number;
  readonly seed?: number;
  /** Keys idle for 30..700 days (default 0.25). */
  readonly staleFraction?: number;
  /** Keys never used, half created long ago, half recently (default 0.1). */
  readonly neverUsedFraction?: number;
  /** Inactive keys (default 0.05). */
  readonly inactiveFraction?: number;
  /** Whole days since the stale keys' last use, [min, max] (default [30, 700]). */
  readonly staleIdleDays?: readonly [number, number];
  /**
   * Keys idle for `idleDays` (default 0, none): not yet stale at a 90-day threshold, they cross it
   * over the following days, as in a real account. Taken from the fresh keys' share.
   */
  readonly idleFraction?: number;
  /** Whole days since the idle keys' last use, [min, max] (default [30, 89]). */
  readonly idleDays?: readonly [number, number];
}

const GIVEN_EN = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'oscar', 'peggy', 'trent', 'victor', 'wendy'];
const FAMILY_EN = ['smith', 'chen', 'garcia', 'müller', 'tanaka', 'kim', 'nguyen', 'silva', 'brown', 'ivanova'];
const CN_NAMES: ReadonlyArray<readonly [string, string]> = [
  ['zhang.wei', '张伟'], ['wang.fang', '王芳'], ['li.na', '李娜'], ['liu.yang', '刘洋'], ['chen.jing', '陈静'],
  ['yang.lei', '杨磊'], ['zhao.min', '赵敏'], ['huang.tao', '黄涛'], ['zhou.jie', '周杰'], ['wu.xia', '吴霞'],
];
const SERVICE_ACCOUNTS = ['ci-deployer', 'backup-job', 'log-shipper', 'monitor-agent', 'terraform', 'data-sync', 'billing-export', 'oss-uploader'];

/** `LTAI` + 20 alphanumerics. */
export function randomAccessKeyId(rng: Rng): string {
  return `LTAI${randomAlnum(rng, 20)}`;
}

/** 1..4 product records; the newest one is at `lastUsed`, the others up to 60 days earlier (not before `created`). */
export function randomProducts(rng: Rng, lastUsed: number, created: number, userName: string): ProductUse[] {
  const count = randomInt(rng, 1, 4);
  const services = shuffled(rng, SERVICES).slice(0, count);
  return services.map((info, i) => {
    const at = i === 0 ? lastUsed : Math.max(created + HOUR_MS, lastUsed - randomInt(rng, 1, 60 * 24) * HOUR_MS);
    const roll = rng();
    const source: EventSource =
      info.dataEvents.length > 0 && roll < 0.5 ? 'DataEvent' : roll > 0.9 ? 'Internal' : 'ManagementEvent';
    return productUse(info.serviceName, at, {
      source,
      userName,
      eventName: pickOne(rng, source === 'DataEvent' ? info.dataEvents : info.managementEvents),
      sourceIp: `${randomInt(rng, 11, 223)}.${randomInt(rng, 0, 255)}.**.**`,
    });
  });
}

function userIdentity(rng: Rng, index: number): { userName: string; displayName: string } {
  const roll = rng();
  if (roll < 0.2) {
    const base = pickOne(rng, SERVICE_ACCOUNTS);
    return { userName: `${base}-${index}`, displayName: `${base} (service account)` };
  }
  if (roll < 0.55) {
    const [userName, displayName] = pickOne(rng, CN_NAMES);
    return { userName: `${userName}${index}`, displayName };
  }
  const given = pickOne(rng, GIVEN_EN);
  const family = pickOne(rng, FAMILY_EN);
  const display = `${given.charAt(0).toUpperCase()}${given.slice(1)} ${family.charAt(0).toUpperCase()}${family.slice(1)}`;
  return { userName: `${given}.${family.normalize('NFD').replace(/[^a-z]/g, '')}${index}`, displayName: display };
}

/** A generated account with `users * keysPerUser` keys and a realistic mix of key histories. */
export function buildAccount(options: BuildAccountOptions): FakeAccount {
  const rng = createRng(options.seed ?? 42);
  const { now } = options;
  const inactive = options.inactiveFraction ?? 0.05;
  const never = inactive + (options.neverUsedFraction ?? 0.1);
  const stale = never + (options.staleFraction ?? 0.25);
  const idle = stale + (options.idleFraction ?? 0);
  const [staleMin, staleMax] = options.staleIdleDays ?? [30, 700];
  const [idleMin, idleMax] = options.idleDays ?? [30, 89];
  const account = new FakeAccount();
  for (let u = 0; u < options.users; u += 1) {
    const identity = userIdentity(rng, u);
    const userCreated = now - randomInt(rng, 30, 2000) * DAY_MS - randomInt(rng, 0, 86_399) * 1000;
    const user = account.addUser({
      ...identity,
      userId: `2${String(1_000_000_000_000_000 + u * 7919 + randomInt(rng, 0, 7918)).slice(1)}`,
      createDate: userCreated,
      comments: rng() < 0.3 ? 'managed by terraform' : '',
    });
    user.updateDate = Math.min(now, userCreated + randomInt(rng, 0, 400) * DAY_MS);
    for (let k = 0; k < options.keysPerUser; k += 1) {
      let accessKeyId = randomAccessKeyId(rng);
      while (account.getKey(accessKeyId)) accessKeyId = randomAccessKeyId(rng);
      const roll = rng();
      let status: KeyStatus = 'Active';
      let created: number;
      let lastUsed: number | undefined;
      if (roll < inactive) {
        status = 'Inactive';
        created = now - randomInt(rng, 200, 1500) * DAY_MS;
        if (rng() < 0.5) lastUsed = now - randomInt(rng, 60, 190) * DAY_MS;
      } else if (roll < never) {
        created = rng() < 0.5 ? now - randomInt(rng, 180, 1500) * DAY_MS : now - randomInt(rng, 0, 29) * DAY_MS;
      } else if (roll < stale) {
        lastUsed = now - randomInt(rng, staleMin, staleMax) * DAY_MS - randomInt(rng, 0, 23) * HOUR_MS;
        created = lastUsed - randomInt(rng, 1, 900) * DAY_MS;
      } else if (roll < idle) {
        lastUsed = now - randomInt(rng, idleMin * 24, idleMax * 24 + 23) * HOUR_MS - randomInt(rng, 0, 3599) * 1000;
        created = lastUsed - randomInt(rng, 1, 1200) * DAY_MS;
      } else {
        lastUsed = now - randomInt(rng, 0, 29 * 24) * HOUR_MS - randomInt(rng, 0, 3599) * 1000;
        created = lastUsed - randomInt(rng, 1, 1200) * DAY_MS;
      }
      created = Math.max(created, userCreated);
      if (lastUsed !== undefined && lastUsed <= created) lastUsed = created + HOUR_MS;
      account.addKey(user.userName, {
        accessKeyId,
        status,
        createDate: created,
        products: lastUsed === undefined ? [] : randomProducts(rng, lastUsed, created, user.userName),
      });
    }
  }
  return account;
}

/** `LTAI5t` + 18 characters derived from a readable label, so demo keys are recognisable. */
function demoKeyId(label: string): string {
  return `LTAI5t${`${label}${'0'.repeat(18)}`.slice(0, 18)}`;
}

/** AccessKeyIds of the demo account, by story. */
export const DEMO_KEY_IDS = {
  ciDaily: demoKeyId('CiDeployDaily'),
  ciRotation: demoKeyId('CiDeployRotation'),
  exEmployee: demoKeyId('ZhangWeiLeft200d'),
  legacyNeverUsed: demoKeyId('LegacyNeverUsed2y'),
  legacyInactive: demoKeyId('LegacyInactive'),
  liNaStale: demoKeyId('LiNaStale95d'),
  liNaFresh: demoKeyId('LiNaFresh1d'),
  opsAdmin: demoKeyId('OpsAdmin5d'),
  monitorInactive: demoKeyId('MonitorInactive'),
  monitorIdle: demoKeyId('MonitorIdle45d'),
  wangFang: demoKeyId('WangFang3d'),
  wangFangNeverUsed: demoKeyId('WangFangNever2y'),
  slsShipper: demoKeyId('SlsShipper1h'),
  slsShipperIdle: demoKeyId('SlsShipperIdle31d'),
  zhaoMinCrossed: demoKeyId('ZhaoMinCrossed20m'),
  backupCrossed: demoKeyId('BackupCrossed45m'),
} as const;

/**
 * A hand-made account (11 users, 16 keys) with clear stories, relative to `now`:
 * - ci-deployer: a key used every day (2 h ago) and a rotation key created 10 days ago, never used;
 * - zhang.wei (张伟, left the company): a key idle for 200 days;
 * - legacy-backup: a never-used key created 2 years ago and an inactive key last used 500 days ago
 *   (older than ActionTrail's 400-day retention, so ActionTrail has no record of it);
 * - li.na (李娜): one stale key (95 days) and one fresh key (used yesterday);
 * - ops-admin: a key used 5 days ago (RAM/STS/ActionTrail, incl. an Internal event);
 * - old-monitor: an inactive key (last used 120 days ago) and an active key idle for 45 days;
 * - wang.fang (王芳): a key used 3 days ago and a never-used key created 2 years ago;
 * - sls-shipper: a key with only DataEvents (1 h ago) and a key idle for 31 days;
 * - console-only (王小明): a console user without keys;
 * - zhao.min (赵敏) and nightly-backup: keys last used 90 days and 20 / 45 minutes before `now`, so
 *   they turned stale within the last hour: what an hourly alert (npm start -- --changes) posts.
 */
export function demoAccount(now: number): FakeAccount {
  const account = new FakeAccount();
  const days = (n: number): number => now - n * DAY_MS;
  const hours = (n: number): number => now - n * HOUR_MS;
  const user = (userName: string, displayName: string, createdDaysAgo: number, comments = ''): FakeUser =>
    account.addUser({ userName, displayName, comments, createDate: days(createdDaysAgo) });
  const key = (userName: string, accessKeyId: string, createdDaysAgo: number, products: ProductUse[], status: KeyStatus = 'Active'): void => {
    account.addKey(userName, { accessKeyId, status, createDate: days(createdDaysAgo), products });
  };

  user('ci-deployer', 'CI 部署机器人 (CI Deployer)', 900, 'used by the build pipeline');
  key('ci-deployer', DEMO_KEY_IDS.ciDaily, 400, [
    productUse('Fc', hours(2), { userName: 'ci-deployer', eventName: 'UpdateFunction' }),
    productUse('Oss', hours(2) - 60_000, { userName: 'ci-deployer', source: 'DataEvent', eventName: 'PutObject' }),
    productUse('Cr', hours(26), { userName: 'ci-deployer' }),
    productUse('Ecs', days(3), { userName: 'ci-deployer' }),
  ]);
  key('ci-deployer', DEMO_KEY_IDS.ciRotation, 10, []);

  user('zhang.wei', '张伟', 1100, '已离职 (left 2025)');
  key('zhang.wei', DEMO_KEY_IDS.exEmployee, 1000, [
    productUse('Ecs', days(200), { userName: 'zhang.wei' }),
    productUse('Rds', days(215), { userName: 'zhang.wei' }),
  ]);

  user('legacy-backup', 'Legacy backup job', 1500);
  key('legacy-backup', DEMO_KEY_IDS.legacyNeverUsed, 730, []);
  key('legacy-backup', DEMO_KEY_IDS.legacyInactive, 1200, [productUse('Oss', days(500), { userName: 'legacy-backup', source: 'DataEvent' })], 'Inactive');

  user('li.na', '李娜', 800);
  key('li.na', DEMO_KEY_IDS.liNaStale, 600, [
    productUse('Oss', days(95), { userName: 'li.na', source: 'DataEvent', eventName: 'GetObject' }),
    productUse('Ecs', days(120), { userName: 'li.na' }),
  ]);
  key('li.na', DEMO_KEY_IDS.liNaFresh, 90, [
    productUse('Ecs', days(1), { userName: 'li.na' }),
    productUse('Vpc', days(1) - HOUR_MS, { userName: 'li.na' }),
  ]);

  user('ops-admin', 'Ops Admin', 1300);
  key('ops-admin', DEMO_KEY_IDS.opsAdmin, 300, [
    productUse('Ram', days(5), { userName: 'ops-admin' }),
    productUse('Sts', days(6), { userName: 'ops-admin' }),
    productUse('Actiontrail', days(5) - HOUR_MS, { userName: 'ops-admin', source: 'Internal' }),
  ]);

  user('old-monitor', 'Old monitoring agent', 1400);
  key('old-monitor', DEMO_KEY_IDS.monitorInactive, 1000, [productUse('Cms', days(120), { userName: 'old-monitor' })], 'Inactive');
  key('old-monitor', DEMO_KEY_IDS.monitorIdle, 700, [
    productUse('Cms', days(45), { userName: 'old-monitor', eventName: 'PutCustomMetric' }),
    productUse('Sls', days(46), { userName: 'old-monitor', source: 'DataEvent' }),
  ]);

  user('wang.fang', '王芳', 700);
  key('wang.fang', DEMO_KEY_IDS.wangFang, 200, [
    productUse('Rds', days(3), { userName: 'wang.fang' }),
    productUse('Kms', days(4), { userName: 'wang.fang', source: 'DataEvent', eventName: 'Decrypt' }),
  ]);
  key('wang.fang', DEMO_KEY_IDS.wangFangNeverUsed, 730, []);

  user('sls-shipper', 'SLS log shipper', 600);
  key('sls-shipper', DEMO_KEY_IDS.slsShipper, 500, [
    productUse('Sls', hours(1), { userName: 'sls-shipper', source: 'DataEvent', eventName: 'PostLogStoreLogs' }),
  ]);
  key('sls-shipper', DEMO_KEY_IDS.slsShipperIdle, 480, [
    productUse('Sls', days(31), { userName: 'sls-shipper', source: 'DataEvent', eventName: 'PostLogStoreLogs' }),
  ]);

  user('console-only', '王小明', 100, 'console login only');

  user('zhao.min', '赵敏', 800);
  key('zhao.min', DEMO_KEY_IDS.zhaoMinCrossed, 400, [
    productUse('Oss', days(90) - 20 * 60_000, { userName: 'zhao.min', source: 'DataEvent', eventName: 'GetObject' }),
    productUse('Ecs', days(97), { userName: 'zhao.min' }),
  ]);

  user('nightly-backup', 'Nightly backup job', 600);
  key('nightly-backup', DEMO_KEY_IDS.backupCrossed, 550, [
    productUse('Oss', days(90) - 45 * 60_000, { userName: 'nightly-backup', source: 'DataEvent', eventName: 'PutObject' }),
  ]);
  return account;
}
