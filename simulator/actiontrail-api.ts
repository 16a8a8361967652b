/** ActionTrail 2020-07-06: GetAccessKeyLastUsedProducts. */
import type { FakeAccount } from './account';
import { errors } from './api-error';
import { failed, ok, type ApiOutcome } from './api-outcome';
import { DAY_MS } from './dates';
import { shuffled, type Rng } from './rng';

export interface ActionTrailContext {
  readonly account: FakeAccount;
  readonly rng: Rng;
  readonly nowMs: number;
  /** Records older than this are gone (ActionTrail keeps 400 days). */
  readonly retentionDays: number;
}

function getAccessKeyLastUsedProducts(ctx: ActionTrailContext, params: ReadonlyMap<string, string>): ApiOutcome {
  const accessKey = params.get('AccessKey');
  if (!accessKey) return failed(errors.missingParameter('AccessKey'));
  const oldest = ctx.nowMs - ctx.retentionDays * DAY_MS;
  const kept = ctx.account.productsOf(accessKey).filter((p) => p.usedTimestamp >= oldest);
  // The order is not documented: answer in a (seeded) random order so callers cannot rely on it.
  return ok({
    Products: shuffled(ctx.rng, kept).map((p) => ({
      ServiceName: p.serviceName,
      ServiceNameCn: p.serviceNameCn,
      ServiceNameEn: p.serviceNameEn,
      Source: p.source,
      UsedTimestamp: p.usedTimestamp,
      Detail: p.detail,
    })),
  });
}

export function handleActionTrail(action: string, params: ReadonlyMap<string, string>, ctx: ActionTrailContext): ApiOutcome | undefined {
  return action === 'GetAccessKeyLastUsedProducts' ? getAccessKeyLastUsedProducts(ctx, params) : undefined;
}
