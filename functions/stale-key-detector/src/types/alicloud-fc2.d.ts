/**
 * The part of @alicloud/fc2 2.6.6 (lib/client.js; the package ships no types) that
 * functions/stale-key-detector/src/adapters/function-compute.ts uses: the constructor and the generic signed `request`.
 */
declare module '@alicloud/fc2' {
  import type { IncomingHttpHeaders } from 'node:http';

  namespace FCClient {
    interface Config {
      accessKeyID: string;
      accessKeySecret: string;
      /** Required, and only kept (sent as x-fc-security-token), when accessKeyID starts with "STS". */
      securityToken?: string | undefined;
      /** Required (the constructor throws without it); only used to build the default endpoint. */
      region: string;
      /** scheme://host[:port]; default `http(s)://<accountid>.<region>[-internal].fc.aliyuncs.com`. The Host header is its hostname. */
      endpoint?: string | undefined;
      /** https for the default endpoint. */
      secure?: boolean | undefined;
      internal?: boolean | undefined;
      /** Milliseconds, httpx's connect (socket idle) and read timer alike; default 60000. */
      timeout?: number | undefined;
      /** Sent (and, when x-fc-*, signed) with every request, over the built-in ones. */
      headers?: Record<string, string> | undefined;
    }

    interface Response {
      readonly headers: IncomingHttpHeaders;
      /**
       * The body: parsed JSON when the content-type is application/json; otherwise a Buffer with
       * `rawBuf`, or utf-8 text without it (and always text when x-fc-error-type is set).
       */
      readonly data: unknown;
    }

    interface RequestOptions {
      /** Read a non-JSON body as a Buffer. */
      readonly rawBuf?: boolean;
    }
  }

  class FCClient {
    /** Throws TypeError when accountid, accessKeyID, accessKeySecret, region (or an STS key's securityToken) is missing. */
    constructor(accountid: string, config: FCClient.Config);
    /** The API version every path is sent and signed under; '2016-08-15' after construction. */
    version: string;
    /**
     * Sends `${endpoint}/${version}${path}?${querystring.stringify(query)}`, signed with FC's
     * `FC <AccessKeyID>:<signature>` scheme. A Buffer or string body goes as
     * application/octet-stream with Content-MD5. Resolves for 2xx; otherwise rejects with an
     * Error named `FC${ErrorCode}Error`, `code` = the body's ErrorCode, and the status and
     * x-fc-request-id only in its message. Never retries.
     */
    request(
      method: string,
      path: string,
      query: Readonly<Record<string, string>> | null,
      body: Buffer | string | null,
      headers?: Readonly<Record<string, string>>,
      opts?: FCClient.RequestOptions,
    ): Promise<FCClient.Response>;
  }

  export = FCClient;
}
