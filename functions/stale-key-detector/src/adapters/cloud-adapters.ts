import { ActionTrailAdapter, createActionTrailClient } from './actiontrail';
import type { CloudCredentials } from './credentials';
import { createRamClient, RamAdapter } from './ram';
import { DEFAULT_TIMEOUTS, type Timeouts } from './timeouts';

/** The two adapters a scan needs, on one set of credentials: the function, the CLI and the tests build them alike. */
export function cloudAdapters(
  credentials: CloudCredentials,
  endpoints: { readonly ram: URL; readonly actionTrail: URL },
  timeouts: Timeouts = DEFAULT_TIMEOUTS,
): { ram: RamAdapter; actionTrail: ActionTrailAdapter } {
  return {
    ram: new RamAdapter(createRamClient(credentials, endpoints.ram, timeouts)),
    actionTrail: new ActionTrailAdapter(createActionTrailClient(credentials, endpoints.actionTrail), timeouts),
  };
}
