/**
 * The CLI's incremental state (README, "The CLI"): `--state LOCATION`, else STATE_URL, else the
 * default directory $XDG_STATE_HOME/stale-key-detector (~/.local/state/...); `--no-state` for
 * none. A state is kept per account and region, and the CLI learns its account from STS
 * GetCallerIdentity. A state only makes a scan cheaper: when it cannot be used (STS did not
 * answer, the default directory is not writable) the scan looks up every key and says why.
 */
import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { DEFAULT_STS_ENDPOINT, getCallerIdentity } from '../functions/stale-key-detector/src/adapters/caller-identity';
import type { CloudCredentials } from '../functions/stale-key-detector/src/adapters/credentials';
import { stateStoreFor } from '../functions/stale-key-detector/src/adapters/state-store';
import { type Env, readBaseUrl, readString } from '../functions/stale-key-detector/src/config/env-reader';
import { readStateLocation, type StateLocation } from '../functions/stale-key-detector/src/config/state-location';
import type { DocumentStore } from '../functions/stale-key-detector/src/core/ports';
import type { StateAccess } from '../functions/stale-key-detector/src/core/state/state-run';
import type { Summary } from '../functions/stale-key-detector/src/core/summary';
import { ConfigError } from '../functions/stale-key-detector/src/errors/config-error';
import { ScanFailedError } from '../functions/stale-key-detector/src/errors/scan-failed-error';
import type { Logger } from '../functions/stale-key-detector/src/logger';
import type { Clock } from '../functions/stale-key-detector/src/pacing/clock';
import { callWithRetry, type RetryPolicy } from '../functions/stale-key-detector/src/pacing/retry';
import { describeError, redact } from '../functions/stale-key-detector/src/redact';

/** Where the state came from: the flag, the environment, or the default directory. */
export type StateSource = '--state' | 'STATE_URL' | 'default';

export type StateChoice =
  | { readonly kind: 'off' }
  | { readonly kind: 'on'; readonly location: StateLocation; readonly source: StateSource };

/** The state's environment variables: left out of readSettings when a flag decides the state. */
const STATE_VARIABLES = ['STATE_URL', 'STATE_OSS_ENDPOINT'];

/** STS is one cheap call: a second try for a blip, and short timeouts, since its failure only costs a full scan (or an AssumeRole). */
const STS_RETRY: RetryPolicy = { maxAttempts: 2, maxThrottled: 2, baseDelayMs: 200, maxDelayMs: 1_000, maxThrottledDelayMs: 1_000 };
const STS_TIMEOUTS = { connectTimeout: 3_000, readTimeout: 5_000 };

/** The account of these credentials, from STS GetCallerIdentity at `stsEndpoint`; rejects when STS does not say. */
export async function callerAccount(credentials: CloudCredentials, stsEndpoint: URL, clock: Clock): Promise<string> {
  const identity = await callWithRetry(() => getCallerIdentity(credentials, stsEndpoint, STS_TIMEOUTS), { policy: STS_RETRY, clock });
  return identity.accountId;
}

/** $XDG_STATE_HOME/stale-key-detector; XDG_STATE_HOME unset or relative (the spec ignores those): ~/.local/state. */
export function defaultStateDirectory(env: Env): string {
  const xdg = readString(env, 'XDG_STATE_HOME');
  return join(xdg !== undefined && isAbsolute(xdg) ? xdg : join(homedir(), '.local', 'state'), 'stale-key-detector');
}

/** The environment for readSettings: without STATE_URL and STATE_OSS_ENDPOINT when --state or --no-state decides. */
export function settingsEnv(env: Env, flags: { readonly state?: string | undefined; readonly noState: boolean }): Env {
  if (flags.state === undefined && !flags.noState) return env;
  return Object.fromEntries(Object.entries(env).filter(([name]) => !STATE_VARIABLES.includes(name)));
}

/**
 * Which state the scan keeps. `--state` is read by STATE_URL's rules (an oss:// location takes
 * STATE_OSS_ENDPOINT from the environment), its errors naming the flag.
 */
export function chooseState(flags: { readonly state?: string | undefined; readonly noState: boolean }, fromEnv: StateLocation | undefined, env: Env, cwd: string): StateChoice {
  if (flags.noState) {
    if (flags.state !== undefined) throw new ConfigError('--no-state', 'contradicts --state; give one or the other');
    return { kind: 'off' };
  }
  if (flags.state !== undefined) {
    const endpoint = readString(env, 'STATE_OSS_ENDPOINT');
    const oss = flags.state.trim().startsWith('oss://');
    let location: StateLocation | undefined;
    try {
      location = readStateLocation({ STATE_URL: flags.state, ...(oss && endpoint !== undefined ? { STATE_OSS_ENDPOINT: endpoint } : {}) }, cwd);
    } catch (error) {
      if (error instanceof ConfigError && error.field === 'STATE_URL') throw new ConfigError('--state', error.message.slice('STATE_URL: '.length));
      throw error;
    }
    if (location === undefined) throw new ConfigError('--state', 'needs a location: oss://BUCKET/PREFIX or a directory (--no-state keeps none)');
    return { kind: 'on', location, source: '--state' };
  }
  if (fromEnv !== undefined) return { kind: 'on', location: fromEnv, source: 'STATE_URL' };
  return { kind: 'on', location: { kind: 'file', path: defaultStateDirectory(env) }, source: 'default' };
}

export interface OpenedState {
  /** For the core (DetectorDeps.state); undefined: every key is looked up. */
  readonly access: StateAccess | undefined;
  /** The store, when there is one. */
  readonly where: string | undefined;
  /** Why a chosen state is not used, when it is not. */
  readonly notUsed: string | undefined;
  /** The first write the store refused, if any (the core then fails the run). */
  readonly writeError?: () => unknown;
}

/**
 * The core fails a run whose state could not be saved, in the function's words ("the report was
 * posted", a fix about the function's role). The CLI's, when a write of the state failed.
 */
export function saveFailure(error: unknown, state: OpenedState): ScanFailedError | undefined {
  const refused = state.writeError?.();
  if (!(error instanceof ScanFailedError) || refused === undefined) return undefined;
  return new ScanFailedError(
    `the scan finished, but the state could not be saved at ${state.where ?? 'its location'}: ${describeError(refused)}`,
    'for oss://, grant these credentials oss:PutObject on the prefix (policies/stale-key-detector-state.json) and check the bucket; for a directory, make it writable; or give --no-state',
    { cause: error },
  );
}

/** The store, remembering the first write it refused. */
function watched(store: DocumentStore): { store: DocumentStore; writeError: () => unknown } {
  let refused: unknown;
  const write = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      refused ??= error;
      throw error;
    }
  };
  return {
    store: { location: store.location, read: (name) => store.read(name), create: (name, body) => write(() => store.create(name, body)), replace: (name, body) => write(() => store.replace(name, body)) },
    writeError: () => refused,
  };
}

/**
 * The store and scope of a chosen state. `writes`: the scan saves a generation (a directory is
 * created, and must be writable). A directory that is not writable fails a state the operator
 * named (--state, STATE_URL) and is skipped for the default one; an account id STS does not
 * give is a full scan either way. `accountId`: the scope's account when the caller knows it (an
 * organisation scan: no STS call, the store still reached with `credentials`).
 */
export async function openState(
  choice: StateChoice,
  run: { readonly credentials: CloudCredentials; readonly region: string; readonly env: Env; readonly clock: Clock; readonly writes: boolean; readonly accountId?: string | undefined },
): Promise<OpenedState> {
  if (choice.kind === 'off') return { access: undefined, where: undefined, notUsed: undefined };
  const stsEndpoint = readBaseUrl(run.env, 'STS_ENDPOINT', DEFAULT_STS_ENDPOINT);
  const { store, writeError } = watched(stateStoreFor(choice.location, run.credentials, run.region, { internal: false }));
  const where = store.location;
  if (choice.location.kind === 'file' && run.writes) {
    const problem = unwritable(choice.location.path);
    if (problem !== undefined && choice.source !== 'default') throw new ConfigError(choice.source, `cannot keep the state in ${choice.location.path}: ${problem}; name a writable directory, or give --no-state`);
    if (problem !== undefined) return { access: undefined, where, notUsed: `the directory cannot be written: ${problem}; --state names another` };
  }
  // An organisation scan knows each account (the role's) and keeps its state with the operator's credentials.
  if (run.accountId !== undefined) return { access: { store, scope: { accountId: run.accountId, region: run.region } }, where, notUsed: undefined, writeError };
  try {
    const accountId = await callerAccount(run.credentials, stsEndpoint, run.clock);
    return { access: { store, scope: { accountId, region: run.region } }, where, notUsed: undefined, writeError };
  } catch (error) {
    return { access: undefined, where, notUsed: `its account is unknown: ${describeError(error)}` };
  }
}

/**
 * Creates the directory when missing; undefined when it can be written, else why not. Parents are
 * created one by one: Node's recursive mkdir never returns for a path it cannot create under an
 * existing parent (ENOENT under /proc, say).
 */
function unwritable(path: string): string | undefined {
  try {
    const missing: string[] = [];
    for (let dir = resolve(path); !existsSync(dir); dir = dirname(dir)) {
      missing.unshift(dir);
      if (dirname(dir) === dir) break;
    }
    for (const dir of missing) mkdirSync(dir);
    if (!statSync(path).isDirectory()) return `${path} is not a directory`;
    accessSync(path, constants.W_OK);
    return undefined;
  } catch (error) {
    // Node's fs errors are not always `instanceof Error` here (another realm, e.g. under jest).
    const message = typeof error === 'object' && error !== null ? (error as { message?: unknown }).message : undefined;
    return typeof message === 'string' ? redact(message) : describeError(error);
  }
}

/** The summary's state, saying what the core could not know: --no-state, or why the chosen state was not used. */
export function withStateWhy(summary: Summary, choice: StateChoice, opened: OpenedState): Summary {
  if (choice.kind === 'off') return { ...summary, state: { ...summary.state, why: '--no-state: every key looked up' } };
  if (opened.notUsed === undefined) return summary;
  return { ...summary, state: { ...summary.state, where: opened.where ?? null, loaded: false, why: opened.notUsed } };
}

/**
 * The core warns "state not used: full scan" (for the function's log). The CLI's report says it
 * in its state line, so on a terminal it is logged at info: a first scan is not a warning.
 */
export function quietStateNotice(logger: Logger): Logger {
  return { ...logger, warn: (message, fields) => (message === 'state not used: full scan' ? logger.info(message, fields) : logger.warn(message, fields)) };
}
