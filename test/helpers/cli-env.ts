import { join } from 'node:path';
import { main } from '../../cli/main';
import type { Clock } from '../../functions/stale-key-detector/src/pacing/clock';
import { DEFAULT_CREDENTIALS, type FakeCloud } from '../../simulator';

/**
 * The CLI's environment for a test: the fake's STS key and endpoints, and nothing of the
 * machine's own credentials. Jest gives the test a copy of process.env, so HOME set here does not
 * reach os.homedir(): the profile files are pointed elsewhere explicitly. The ECS metadata server
 * is off, and the chain's last resort, ALIBABA_CLOUD_CREDENTIALS_URI (fetched as
 * https://undefined/ when unset), goes to the fake, which does not serve it. `scan` keeps a state
 * by default: its account comes from the fake's STS, its directory lies inside `home`.
 */
export function cliEnv(cloud: FakeCloud, home: string, extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    HOME: home,
    USERPROFILE: home,
    ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true',
    ALIBABA_CLOUD_CLI_PROFILE_DISABLED: 'true',
    ALIBABA_CLOUD_CREDENTIALS_FILE: join(home, 'no-such-credentials-file'),
    ALIBABA_CLOUD_CREDENTIALS_URI: `${cloud.endpoint}/no-credentials-here`,
    ALIBABA_CLOUD_ACCESS_KEY_ID: DEFAULT_CREDENTIALS.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: DEFAULT_CREDENTIALS.accessKeySecret,
    ALIBABA_CLOUD_SECURITY_TOKEN: DEFAULT_CREDENTIALS.securityToken,
    RAM_ENDPOINT: cloud.endpoint,
    ACTIONTRAIL_ENDPOINT: cloud.endpoint,
    FUNCTION_COMPUTE_ENDPOINT: cloud.endpoint,
    STS_ENDPOINT: cloud.endpoint,
    XDG_STATE_HOME: join(home, 'xdg-state'),
    ...extra,
  };
}

/** What one CLI run printed and returned. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI's main in-process with captured output, no TTY unless `isTTY`, `cwd` as its working directory. */
export async function runCli(argv: readonly string[], env: Record<string, string | undefined>, cwd: string, clock: Clock, isTTY = false): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main([...argv], {
    env,
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    isTTY,
    cwd,
    clock,
  });
  return { code, stdout, stderr };
}
