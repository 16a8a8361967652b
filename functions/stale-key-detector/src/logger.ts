import { redact } from './redact';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export type LogSink = (line: string) => void;

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * One JSON object a line (what Simple Log Service indexes best), every line redacted.
 * The sink defaults to stderr, so that stdout stays free for the CLI's output.
 */
export function createLogger(options: { level?: LogLevel; sink?: LogSink } = {}): Logger {
  const threshold = ORDER[options.level ?? 'info'];
  const sink: LogSink = options.sink ?? ((line) => process.stderr.write(`${line}\n`));
  const log = (level: LogLevel, message: string, fields?: LogFields): void => {
    if (ORDER[level] < threshold) return;
    // Each string is redacted before JSON escaping can change a secret's form (a quote or backslash in it),
    // then the line once more for anything the escaping joined.
    sink(redact(JSON.stringify({ level, message: redact(message), ...redactFields(fields) })));
  };
  return {
    debug: (m, f) => log('debug', m, f),
    info: (m, f) => log('info', m, f),
    warn: (m, f) => log('warn', m, f),
    error: (m, f) => log('error', m, f),
  };
}

function redactFields(fields: LogFields | undefined): LogFields {
  const out: LogFields = {};
  if (fields === undefined) return out;
  for (const [key, value] of Object.entries(fields)) out[key] = typeof value === 'string' ? redact(value) : value;
  return out;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
