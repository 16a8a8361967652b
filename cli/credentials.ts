import Credential, { CLIProfileCredentialsProvider, ProfileCredentialsProvider } from '@alicloud/credentials';
import { type CloudCredentials, resolveCredentials } from '../functions/stale-key-detector/src/adapters/credentials';
import type { Env } from '../functions/stale-key-detector/src/config/env-reader';
import { ConfigError } from '../functions/stale-key-detector/src/errors/config-error';
import { registerSecret } from '../functions/stale-key-detector/src/redact';

/** Variables the @alicloud/credentials chain reads from process.env (besides the ALIBABA_CLOUD_ ones). */
const CHAIN_VARIABLES = ['HOME', 'USERPROFILE'];
const isChainVariable = (name: string): boolean => name.startsWith('ALIBABA_CLOUD_') || CHAIN_VARIABLES.includes(name);

/**
 * The CLI's credentials.
 *
 * Without a profile: the Alibaba Cloud default chain, as the function uses outside FC
 * (adapters/credentials.ts): ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET / _SECURITY_TOKEN, the aliyun
 * CLI's current profile (~/.aliyun/config.json), the ALIBABA_CLOUD_PROFILE (else "default")
 * profile of ~/.alibabacloud/credentials (or ALIBABA_CLOUD_CREDENTIALS_FILE), the ECS instance role.
 *
 * With --profile NAME: only profile NAME, from ~/.aliyun/config.json or else
 * ~/.alibabacloud/credentials. Keys in the environment do not win over the flag (in the default
 * chain they would), and a missing profile is an error rather than a fall-back to another identity.
 *
 * The chain reads process.env itself: `env` is laid over the chain's variables for the duration
 * of the call (a no-op when env is process.env) and process.env is restored afterwards.
 */
export async function cliCredentials(env: Env, profile: string | undefined): Promise<CloudCredentials> {
  const chainEnv: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(env)) if (isChainVariable(name)) chainEnv[name] = value;
  return withChainEnv(chainEnv, () => (profile === undefined ? resolveCredentials(undefined) : profileCredentials(profile)));
}

async function profileCredentials(profile: string): Promise<CloudCredentials> {
  if (profile.trim() === '') throw new ConfigError('--profile', 'must not be empty');
  const providers = [];
  try {
    providers.push(CLIProfileCredentialsProvider.builder().withProfileName(profile).build());
  } catch {
    // ALIBABA_CLOUD_CLI_PROFILE_DISABLED=true
  }
  providers.push(ProfileCredentialsProvider.builder().withProfileName(profile).build());
  const problems: string[] = [];
  for (const provider of providers) {
    try {
      const model = await new Credential(null, provider).getCredential();
      if (!model.accessKeyId || !model.accessKeySecret) throw new Error('it has no access key');
      registerSecret(model.accessKeySecret);
      registerSecret(model.securityToken || undefined);
      return { accessKeyId: model.accessKeyId, accessKeySecret: model.accessKeySecret, securityToken: model.securityToken || undefined };
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
