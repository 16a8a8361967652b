import Credential from '@alicloud/credentials';
import { ConfigError } from '../errors/config-error';
import { registerSecret } from '../redact';

export interface CloudCredentials {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly securityToken: string | undefined;
}

/** FC passes the role's temporary STS keys in context.credentials. */
export interface ContextCredentials {
  readonly accessKeyId?: string;
  readonly accessKeySecret?: string;
  readonly securityToken?: string;
}

/**
 * The function's credentials: FC's context.credentials when present, otherwise the Alibaba Cloud
 * default chain (ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET / _SECURITY_TOKEN, the
 * ~/.alibabacloud/credentials profile, ...). Secrets are registered for redaction at once.
 */
export async function resolveCredentials(fromContext: ContextCredentials | undefined): Promise<CloudCredentials> {
  if (fromContext?.accessKeyId && fromContext.accessKeySecret) {
    return remember({ accessKeyId: fromContext.accessKeyId, accessKeySecret: fromContext.accessKeySecret, securityToken: fromContext.securityToken || undefined });
  }
  try {
    const credential = new Credential();
    const model = await credential.getCredential();
    if (!model.accessKeyId || !model.accessKeySecret) throw new Error('the chain returned no access key');
    return remember({ accessKeyId: model.accessKeyId, accessKeySecret: model.accessKeySecret, securityToken: model.securityToken || undefined });
  } catch (error) {
    throw new ConfigError(
      'credentials',
      `none found (${(error as Error).message}); on Function Compute give the function a role, elsewhere set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET (and ALIBABA_CLOUD_SECURITY_TOKEN for STS) or a profile in ~/.alibabacloud/credentials`,
    );
  }
}

function remember(credentials: CloudCredentials): CloudCredentials {
  registerSecret(credentials.accessKeySecret);
  registerSecret(credentials.securityToken);
  return credentials;
}
