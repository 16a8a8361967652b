import { CloudApiError } from '../../functions/stale-key-detector/src/errors/cloud-api-error';
import { startFakeCloud, type FakeCloud, type FakeCloudOptions } from '../../simulator';

/**
 * Simulators a test file starts, each closed after its test: `const start = cloudsClosedAfterEach()`
 * at the top of the file, then `await start(options)` in a test.
 */
export function cloudsClosedAfterEach(): (options?: FakeCloudOptions) => Promise<FakeCloud> {
  const clouds: FakeCloud[] = [];
  afterEach(async () => {
    await Promise.all(clouds.splice(0).map((c) => c.close()));
  });
  return async (options = {}) => {
    const cloud = await startFakeCloud(options);
    clouds.push(cloud);
    return cloud;
  };
}

/** What `promise` rejects with (resolving fails the test). */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/** The CloudApiError `promise` rejects with (anything else is rethrown; resolving fails the test). */
export async function cloudApiRejection(promise: Promise<unknown>): Promise<CloudApiError> {
  const error = await rejectionOf(promise);
  if (error instanceof CloudApiError) return error;
  throw error;
}
