import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import Credential, {
  CLIProfileCredentialsProvider,
  type CredentialsProvider,
  ECSRAMRoleCredentialsProvider,
  OIDCRoleArnCredentialsProvider,
  ProfileCredentialsProvider,
  URICredentialsProvider,
} from '@alicloud/credentials';
import type { CloudCredentials } from '../functions/stale-key-detector/src/adapters/credentials';
import { type Env, readString } from '../functions/stale-key-detector/src/config/env-reader';
import { ConfigError } from '../functions/stale-key-detector/src/errors/config-error';
import { describeError, registerSecret } from '../functions/stale-key-detector/src/redact';

/** Variables the @alicloud/credentials providers read from process.env (besides the ALIBABA_CLOUD_ ones). */
const CHAIN_VARIABLES = ['HOME', 'USERPROFILE'];
const isChainVariable = (name: string): boolean => name.startsWith('ALIBABA_CLOUD_') || CHAIN_VARIABLES.includes(name);

/** What the error says when no source gave credentials: every way to give them, on one line. */
export const CREDENTIAL_WAYS =
  'set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET (plus ALIBABA_CLOUD_SECURITY_TOKEN for an STS token), ' +
  'or pass --profile NAME for a profile of ~/.alibabacloud/credentials, ' +
  'or configure the aliyun CLI (aliyun configure, ~/.aliyun/config.json); ' +
  'on an ECS instance, ALIBABA_CLOUD_ECS_METADATA=<role name> uses its RAM role';

const isTrue = (env: Env, name: string): boolean => readString(env, name)?.toLowerCase() === 'true';

/**
 * The CLI's credentials.
 *
 * Without a profile: the Alibaba Cloud default chain, in its order, but only the sources that
 * are there, so that no credentials is one line at once rather than seconds of probing:
 * ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET / _SECURITY_TOKEN; OIDC (ALIBABA_CLOUD_ROLE_ARN,
 * _OIDC_PROVIDER_ARN, _OIDC_TOKEN_FILE all set); the aliyun CLI's current (or
 * ALIBABA_CLOUD_PROFILE) profile when ~/.aliyun/config.json exists; the ALIBABA_CLOUD_PROFILE
 * (else "default") profile of ~/.alibabacloud/credentials (or ALIBABA_CLOUD_CREDENTIALS_FILE)
 * when the file exists; the ECS instance role only when ALIBABA_CLOUD_ECS_METADATA names it (the
 * SDK's chain would probe the metadata address 100.100.100.200 on every machine, which takes
 * seconds to time out off ECS); ALIBABA_CLOUD_CREDENTIALS_URI only when set.
 *
 * With --profile NAME: only profile NAME, from ~/.aliyun/config.json or else
 * ~/.alibabacloud/credentials. Keys in the environment do not win over the flag (in the default
 * chain they would), and a missing profile is an error rather than a fall-back to another identity.
 *
 * The providers read process.env themselves: `env` is laid over their variables for the duration
 * of the call (a no-op when env is process.env) and process.env is restored afterwards.
 */
export async function cliCredentials(env: Env, profile: string | undefined): Promise<CloudCredentials> {
  const chainEnv: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(env)) if (isChainVariable(name)) chainEnv[name] = value;
  return withChainEnv(chainEnv, () => (profile === undefined ? defaultChain(env) : profileCredentials(profile)));
}

interface Source {
  /** Where it looks, as the error names it. */
  readonly name: string;
  readonly provider: () => CredentialsProvider;
}

async function defaultChain(env: Env): Promise<CloudCredentials> {
  const problems: string[] = [];
  const id = readString(env, 'ALIBABA_CLOUD_ACCESS_KEY_ID');
  const secret = readString(env, 'ALIBABA_CLOUD_ACCESS_KEY_SECRET');
  if (id !== undefined && secret !== undefined) {
    return remember({ accessKeyId: id, accessKeySecret: secret, securityToken: readString(env, 'ALIBABA_CLOUD_SECURITY_TOKEN') });
  }
  if (id !== undefined || secret !== undefined) {
    problems.push(`${id === undefined ? 'ALIBABA_CLOUD_ACCESS_KEY_SECRET' : 'ALIBABA_CLOUD_ACCESS_KEY_ID'} is set without ${id === undefined ? 'ALIBABA_CLOUD_ACCESS_KEY_ID' : 'ALIBABA_CLOUD_ACCESS_KEY_SECRET'}`);
  }
  for (const source of presentSources(env, problems)) {
    try {
      return remember(await fromProvider(source.provider()));
    } catch (error) {
      problems.push(`${source.name}: ${describeError(error)}`);
    }
  }
  throw new ConfigError('credentials', `none found${problems.length === 0 ? '' : ` (${problems.join('; ')})`}; ${CREDENTIAL_WAYS}`);
}

/** The chain's sources that are configured on this machine; nothing here makes a request. */
function presentSources(env: Env, problems: string[]): Source[] {
  const sources: Source[] = [];
  if (['ALIBABA_CLOUD_ROLE_ARN', 'ALIBABA_CLOUD_OIDC_PROVIDER_ARN', 'ALIBABA_CLOUD_OIDC_TOKEN_FILE'].every((name) => readString(env, name) !== undefined)) {
    sources.push({ name: 'OIDC (ALIBABA_CLOUD_ROLE_ARN)', provider: () => OIDCRoleArnCredentialsProvider.builder().build() });
  }
  const cliConfig = join(homedir(), '.aliyun', 'config.json');
  if (!isTrue(env, 'ALIBABA_CLOUD_CLI_PROFILE_DISABLED') && existsSync(cliConfig)) {
    sources.push({ name: cliConfig, provider: () => CLIProfileCredentialsProvider.builder().build() });
  }
  const credentialsFile = readString(env, 'ALIBABA_CLOUD_CREDENTIALS_FILE');
  if (credentialsFile !== undefined && !existsSync(credentialsFile)) problems.push(`ALIBABA_CLOUD_CREDENTIALS_FILE: no such file ${credentialsFile}`);
  const profileFile = credentialsFile ?? join(homedir(), '.alibabacloud', 'credentials');
  if (existsSync(profileFile)) sources.push({ name: profileFile, provider: () => ProfileCredentialsProvider.builder().build() });
  const ecsRole = readString(env, 'ALIBABA_CLOUD_ECS_METADATA');
  if (ecsRole !== undefined && !isTrue(env, 'ALIBABA_CLOUD_ECS_METADATA_DISABLED')) {
    sources.push({ name: `ECS instance role ${ecsRole}`, provider: () => ECSRAMRoleCredentialsProvider.builder().withRoleName(ecsRole).build() });
  }
  const uri = readString(env, 'ALIBABA_CLOUD_CREDENTIALS_URI');
  if (uri !== undefined) sources.push({ name: 'ALIBABA_CLOUD_CREDENTIALS_URI', provider: () => URICredentialsProvider.builder().withCredentialsURI(uri).build() });
  return sources;
}

async function fromProvider(provider: CredentialsProvider): Promise<CloudCredentials> {
  const model = await new Credential(null, provider).getCredential();
  if (!model.accessKeyId || !model.accessKeySecret) throw new Error('it has no access key');
  return { accessKeyId: model.accessKeyId, accessKeySecret: model.accessKeySecret, securityToken: model.securityToken || undefined };
}

function remember(credentials: CloudCredentials): CloudCredentials {
  registerSecret(credentials.accessKeySecret);
  registerSecret(credentials.securityToken);
  return credentials;
}

async function profileCredentials(profile: string): Promise<CloudCredentials> {
  if (profile.trim() === '') throw new ConfigError('--profile', 'must not be empty');
  const providers: CredentialsProvider[] = [];
  try {
    providers.push(CLIProfileCredentialsProvider.builder().withProfileName(profile).build());
  } catch {
    // ALIBABA_CLOUD_CLI_PROFILE_DISABLED=true
  }
  providers.push(ProfileCredentialsProvider.builder().withProfileName(profile).build());
  const problems: string[] = [];
  for (const provider of providers) {
    try {
      return remember(await fromProvider(provider));
    } catch (error) {
      problems.push(`${provider.getProviderName()}: ${(error as Error).message}`);
    }
  }
  throw new ConfigError(
    '--profile',
    `no usable profile "${profile}" (${problems.join('; ')}); profiles are read from ~/.aliyun/config.json (aliyun configure) and ~/.alibabacloud/credentials (or the file in ALIBABA_CLOUD_CREDENTIALS_FILE)`,
  );
}

async function withChainEnv<T>(chainEnv: Readonly<Record<string, string | undefined>>, fn: () => Promise<T>): Promise<T> {
  const names = new Set([...Object.keys(process.env).filter(isChainVariable), ...Object.keys(chainEnv)]);
  const saved = new Map<string, string | undefined>();
  for (const name of names) {
    saved.set(name, process.env[name]);
    const value = chainEnv[name];
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  try {
    return await fn();
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}
