/** Per-call timeouts for both SDKs (ms). connectTimeout is also the socket idle timeout in openapi-core. */
export interface Timeouts {
  readonly connectTimeout: number;
  readonly readTimeout: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = { connectTimeout: 5_000, readTimeout: 10_000 };
