/** The scan could not produce a trustworthy result (RAM failed, a permission is missing, nothing was reached). */
export class ScanFailedError extends Error {
  override readonly name = 'ScanFailedError';

  constructor(
    message: string,
    /** What the operator should do about it. */
    readonly fix: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
