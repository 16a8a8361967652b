/** Alibaba Cloud style error answers: `{"RequestId","HostId","Code","Message","Recommend"}` + HTTP status. */
export interface ApiError {
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

export function apiError(status: number, code: string, message: string): ApiError {
  return { status, code, message };
}

export function errorBody(error: ApiError, requestId: string, hostId: string, product: string): string {
  return JSON.stringify({
    RequestId: requestId,
    HostId: hostId,
    Code: error.code,
    Message: error.message,
    Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(error.code)}&product=${product}&requestId=${requestId}`,
  });
}

export const errors = {
  incompleteSignature: (what: string): ApiError =>
    apiError(400, 'IncompleteSignature', `The request signature does not conform to Alibaba Cloud standards. ${what}`),
  accessKeyNotFound: (): ApiError => apiError(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.'),
  signatureDoesNotMatch: (stringToSign: string): ApiError =>
    apiError(
      400,
      'SignatureDoesNotMatch',
      `Specified signature does not match our calculation. server string to sign is:${stringToSign}`,
    ),
  timestampFormat: (): ApiError =>
    apiError(400, 'InvalidTimeStamp.Format', 'Specified time stamp or date value is not well formatted.'),
  timestampExpired: (): ApiError =>
    apiError(400, 'InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired.'),
  nonceUsed: (): ApiError => apiError(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.'),
  missingSecurityToken: (): ApiError =>
    apiError(400, 'MissingSecurityToken', 'SecurityToken is mandatory for this action.'),
  securityTokenMismatch: (): ApiError =>
    apiError(400, 'InvalidSecurityToken.MismatchWithAccessKey', 'Specified SecurityToken mismatch with the AccessKey.'),
  noPermission: (action: string): ApiError =>
    apiError(403, 'NoPermission', `You are not authorized to do action: ${action}`),
  throttlingUser: (): ApiError => apiError(400, 'Throttling.User', 'Request was denied due to user flow control.'),
  internalError: (): ApiError =>
    apiError(500, 'InternalError', 'The request processing has failed due to some unknown error, exception or failure.'),
  serviceUnavailable: (): ApiError =>
    apiError(503, 'ServiceUnavailable', 'The request has failed due to a temporary failure of the server.'),
  apiNotFound: (): ApiError =>
    apiError(404, 'InvalidAction.NotFound', 'Specified api is not found, please check your url and method.'),
  invalidVersion: (version: string): ApiError =>
    apiError(400, 'InvalidVersion', `Specified parameter Version is not valid: ${version}`),
  missingParameter: (name: string): ApiError =>
    apiError(400, `Missing${name}`, `${name} is mandatory for this action.`),
  invalidParameter: (name: string, detail = ''): ApiError =>
    apiError(400, `InvalidParameter.${name}`, `The parameter ${name} is invalid.${detail ? ` ${detail}` : ''}`),
  userNotFound: (userName: string): ApiError =>
    apiError(404, 'EntityNotExist.User', `The user does not exist: ${userName}`),
};
