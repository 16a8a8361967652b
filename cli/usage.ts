/**
 * The --help texts. Keep them in step with the flags in scan-command.ts and invoke-command.ts,
 * and within 80 columns (test/cli.test.ts checks every line).
 */

export const MAIN_USAGE = `stale-key-detector: find unused Alibaba Cloud RAM access keys

Usage:
  stale-key-detector scan [flags]      scan the account from this machine and
                                       print the stale keys
  stale-key-detector invoke [flags]    run the deployed Function Compute
                                       function and print its summary
  stale-key-detector <command> --help  flags and examples of a command
  stale-key-detector --version         the version of this CLI

Exit codes: 0 nothing stale, 1 stale keys found, 2 error (bad flag or setting,
failed call, failed function, keys that could not be checked).

Examples:
  stale-key-detector scan
  stale-key-detector scan --json --stale-after-days 180 > stale.json
  stale-key-detector invoke --dry-run --account-id 1234567890123456
`;

export const SCAN_USAGE = `Usage: stale-key-detector scan [flags]

Scans every RAM user's access keys with the function's own code (RAM ListUsers
and ListAccessKeys, ActionTrail GetAccessKeyLastUsedProducts) and prints the
stale ones. Posts nothing, and reads no DINGTALK_* setting, unless --notify is
given.

Flags:
  --stale-after-days N  a key unused for more than N days is stale, 1-365
                        (default: STALE_AFTER_DAYS, else 90)
  --region R            ActionTrail region
                        (default: ALIBABA_CLOUD_REGION_ID, else cn-hangzhou)
  --profile NAME        use profile NAME of ~/.aliyun/config.json or of
                        ~/.alibabacloud/credentials (or the file named by
                        ALIBABA_CLOUD_CREDENTIALS_FILE), not the environment's
  --json                print the summary as JSON (the function's result)
  --all                 list every key in the table, not only the stale ones
  --notify              also post the report to the DingTalk robot, as the
                        function does (needs DINGTALK_WEBHOOK_URL); the table
                        is printed first
  --state LOCATION      keep the incremental state at oss://BUCKET/PREFIX or
                        in a directory (default: STATE_URL, else
                        $XDG_STATE_HOME/stale-key-detector, XDG_STATE_HOME
                        defaulting to ~/.local/state)
  --no-state            look up every key; read and write no state
  --accounts WHICH      scan several accounts side by side: resource-directory
                        (every account Resource Manager ListAccounts lists)
                        or a JSON list '[{"accountId": "...", "roleArn":
                        "..."}]' (roleArn optional); each through its role
                        (ACCOUNT_ROLE_NAME, default
                        ResourceDirectoryAccountAccessRole), narrowed by
                        ACCOUNTS_INCLUDE and ACCOUNTS_EXCLUDE; --notify posts
                        one report for all of them, as the function's
                        coordinator does. ACCOUNTS in the environment is
                        ignored
  --account-concurrency N
                        accounts scanned at once, 1-100
                        (default: ACCOUNT_CONCURRENCY, else 10)
  -h, --help            show this help

The state: what a scan learnt of each key, per account and region, so that
the next scan asks ActionTrail only about keys that can have changed, with the
same verdicts as a full scan. Every scan writes it, with or without --notify;
under --stale-after-days it is read and never written. The account comes from
STS GetCallerIdentity (no permission needed; STS_ENDPOINT replaces
https://sts.aliyuncs.com); when STS does not answer, or the default directory
cannot be written, the scan looks up every key and says why. An oss:// state
is reached with these credentials (oss:GetObject and oss:PutObject on the
prefix) at STATE_OSS_ENDPOINT, else https://oss-<region>.aliyuncs.com.

Credentials, the first found of: ALIBABA_CLOUD_ACCESS_KEY_ID and
ALIBABA_CLOUD_ACCESS_KEY_SECRET (plus ALIBABA_CLOUD_SECURITY_TOKEN for STS);
the aliyun CLI's current profile (~/.aliyun/config.json); the profile named by
ALIBABA_CLOUD_PROFILE (default "default") in ~/.alibabacloud/credentials; the
ECS instance role named by ALIBABA_CLOUD_ECS_METADATA. They need ram:ListUsers,
ram:ListAccessKeys and actiontrail:GetAccessKeyLastUsedProducts
(policies/stale-key-detector-readonly.json).
Other settings come from the function's environment variables: RAM_ENDPOINT,
ACTIONTRAIL_ENDPOINT, RAM_QPS, ACTIONTRAIL_QPS, REPORT_TIMEZONE, EXEMPTIONS,
EXEMPTIONS_FILE, STATE_URL, and DINGTALK_* with --notify (see .env.example).

With --accounts these credentials list the accounts (resourcemanager:
ListAccounts, as the management account or a delegated administrator) and
assume each account's role (sts:AssumeRole; their own account is scanned
without a role). Each account is reported under its name and id, then
"N accounts scanned, M not scanned" with each account not scanned, its reason
and the fix; exit 2 when any account was not scanned or not checked in full.
--json prints {"accounts": [...], "scanned", "notScanned", "complete"}.

The table fits 80 columns: access key ids are always whole; a long USER is cut
with "…", PRODUCTS after a whole product with "… +N" (--json has everything).

Exit codes: 0 nothing stale, 1 stale keys found, 2 error or keys that could
not be checked.

Examples:
  stale-key-detector scan
  stale-key-detector scan --all --profile prod
  stale-key-detector scan --stale-after-days 30 --region cn-shanghai
  stale-key-detector scan --json | jq -r '.stale[].accessKeyId'
  stale-key-detector scan --state oss://my-bucket/stale-key-detector
  stale-key-detector scan --accounts resource-directory --json
  DINGTALK_WEBHOOK_URL="<the robot's webhook>" stale-key-detector scan --notify
`;

export const INVOKE_USAGE = `Usage: stale-key-detector invoke [flags]

Runs the deployed function once, synchronously, through Function Compute 3.0's
InvokeFunction API, and prints the summary it returns and the tail of its log.
Without --dry-run the function posts its report to DingTalk, as a timer run
does.

Flags:
  --dry-run             do not post to DingTalk         (event "dryRun": true)
  --report full|changes every stale key, or only the newly stale ones
                                                        (event "report")
  --stale-after-days N  threshold for this run, 1-365   (event "staleAfterDays")
  --function NAME       function name (default: stale-key-detector)
  --qualifier Q         version or alias (default: LATEST)
  --region R            the function's region
                        (default: ALIBABA_CLOUD_REGION_ID, else cn-hangzhou)
  --account-id ID       your account ID, for the endpoint
                        <ID>.<region>.fc.aliyuncs.com
                        (default: ALIBABA_CLOUD_ACCOUNT_ID)
  --profile NAME        credentials from a profile, as for scan
  --timeout SECONDS     how long to wait for the answer, 1-86400 (default: 960,
                        the function's 900 s timeout plus a minute)
  --json                print the function's answer as JSON on stdout, the log
                        tail on stderr
  -h, --help            show this help

FUNCTION_COMPUTE_ENDPOINT=scheme://host[:port] replaces the endpoint unless
--account-id is given (e.g. a test server).
Credentials as for scan; they need fc:InvokeFunction
(policies/operator-invoke.json).

Exit codes: 0 nothing stale, 1 stale keys found, 2 error (the call or the
function failed, or keys that could not be checked).

Examples:
  stale-key-detector invoke --dry-run --account-id 1234567890123456
  stale-key-detector invoke --dry-run --report changes --stale-after-days 30
  ALIBABA_CLOUD_ACCOUNT_ID=1234567890123456 \\
    stale-key-detector invoke --region cn-shanghai --json
`;
