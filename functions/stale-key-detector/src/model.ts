/** Domain types shared by the adapters, the core and the report. Times are epoch milliseconds. */

export type KeyStatus = 'Active' | 'Inactive';

export interface RamUser {
  readonly userName: string;
  readonly displayName: string | undefined;
}

export interface AccessKey {
  readonly accessKeyId: string;
  readonly userName: string;
  readonly displayName: string | undefined;
  readonly status: KeyStatus;
  /** CreateDate as reported by RAM. */
  readonly createdAt: number;
}

/** One product a key used, as ActionTrail reports it. */
export interface ProductUse {
  /** Service code, e.g. "Ecs". */
  readonly serviceName: string;
  /** English name, e.g. "Elastic Compute Service". */
  readonly serviceNameEn: string;
  /** ManagementEvent | DataEvent | Internal. */
  readonly source: string;
  readonly usedAt: number;
}

export type Verdict = 'stale' | 'inactive' | 'unknown' | 'ok' | 'exempt';

export interface Exemption {
  readonly user?: string;
  readonly accessKeyId?: string;
  readonly reason: string;
  /** Last day the exemption applies (inclusive, YYYY-MM-DD in REPORT_TIMEZONE). */
  readonly until?: string;
}

export interface Finding {
  readonly key: AccessKey;
  readonly verdict: Verdict;
  /** Products the key used, most recent first; empty when none recorded or the look-up failed. */
  readonly products: readonly ProductUse[];
  /** Largest UsedTimestamp over the products; undefined when none recorded or unknown. */
  readonly lastUsedAt: number | undefined;
  /**
   * Set when ActionTrail recorded no use: the moment since which no use is recorded, the later of
   * CreateDate and the start of ActionTrail's window. "Never used" only when that is CreateDate.
   */
  readonly noUseSince: number | undefined;
  /** max(last use, CreateDate), or noUseSince. Undefined when the look-up failed. */
  readonly referenceAt: number | undefined;
  /** Whole 24-hour days between referenceAt and now. */
  readonly idleDays: number | undefined;
  /** The moment the key turns (or turned) stale: referenceAt + threshold. */
  readonly staleAt: number | undefined;
  /** Set when verdict is unknown: why the look-up failed. */
  readonly reason?: string;
  /** Set when an exemption applies (verdict exempt) or has just expired for this key. */
  readonly exemption?: Exemption;
  readonly expiredExemption?: Exemption;
}

/** A user whose key list could not be read: its keys are unknown. */
export interface UnlistedUser {
  readonly userName: string;
  readonly reason: string;
}

/** Who an alert mentions in DingTalk. */
export interface Mentions {
  readonly atMobiles: readonly string[];
  readonly atUserIds: readonly string[];
  readonly isAtAll: boolean;
}

/** Everything one run knows, judged at `now`, and the lists the reports and the summary show. */
export interface Assessment {
  readonly now: number;
  readonly timezone: string;
  readonly staleAfterDays: number;
  readonly users: number;
  readonly partial: boolean;
  /**
   * Rule: claims match evidence. True only when every key was judged: no unknown key, no user
   * whose key list failed, not partial. Nothing may read "all clear" or "0 stale" otherwise.
   */
  readonly complete: boolean;
  readonly findings: readonly Finding[];
  readonly unlisted: readonly UnlistedUser[];
  /** Stale keys, most idle first. */
  readonly stale: readonly Finding[];
  /**
   * The stale keys the alert posts. By the window rule (alertRule 'window'): keys that were not
   * stale at the previous run (now - interval). With a state ('episodes'): every stale key whose
   * stale episode the chat has not yet heard of.
   */
  readonly newlyStale: readonly Finding[];
  readonly alertRule: 'window' | 'episodes';
  /** Said at the top of a report when a configured state could not be used (the run was a full scan). */
  readonly stateNotice: string | undefined;
  /** Keys that turn stale within warnWithinDays. */
  readonly warn: readonly Finding[];
  readonly unknown: readonly Finding[];
  readonly inactive: readonly Finding[];
  readonly exempt: readonly Finding[];
  /** Active keys older than rotateAfterDays (empty when rotation is off). */
  readonly rotationOverdue: readonly Finding[];
  readonly exemptions: {
    readonly inForce: readonly Exemption[];
    readonly expiringSoon: readonly Exemption[];
    /** Lapsed since the previous digest: called out once. */
    readonly justExpired: readonly Exemption[];
  };
  readonly windowStart: number;
}
