import { parseEvent } from '../../functions/stale-key-detector/src/config/event';
import { ConfigError } from '../../functions/stale-key-detector/src/errors/config-error';

const parse = (text: string) => parseEvent(Buffer.from(text));

describe('parseEvent', () => {
  it('treats an empty body as a manual full report', () => {
    expect(parseEvent(Buffer.alloc(0))).toEqual({ kind: 'manual', dryRun: false, staleAfterDays: undefined, report: 'full' });
    expect(parse('  \n')).toMatchObject({ kind: 'manual', report: 'full' });
    expect(parse('{}')).toMatchObject({ kind: 'manual', report: 'full', dryRun: false });
  });

  it('reads the manual options', () => {
    expect(parse('{"dryRun":true,"staleAfterDays":30,"report":"changes"}')).toEqual({ kind: 'manual', dryRun: true, staleAfterDays: 30, report: 'changes' });
  });

  it('recognizes a timer event and keeps its time', () => {
    const e = parse('{"triggerTime":"2026-11-25T07:00:00Z","triggerName":"hourly-scan","payload":""}');
    expect(e).toEqual({ kind: 'timer', triggerTime: Date.UTC(2026, 10, 25, 7), triggerName: 'hourly-scan' });
  });

  it.each([
    ['not json', 'event', 'valid JSON'],
    ['[1]', 'event', 'JSON object'],
    ['42', 'event', 'JSON object'],
    ['{"dryrun":true}', 'event.dryrun', 'allowed: dryRun, staleAfterDays, report'],
    ['{"dryRun":"yes"}', 'event.dryRun', 'true or false'],
    ['{"staleAfterDays":0}', 'event.staleAfterDays', 'whole number from 1 to 3650'],
    ['{"staleAfterDays":1.5}', 'event.staleAfterDays', 'whole number'],
    ['{"staleAfterDays":"90"}', 'event.staleAfterDays', 'whole number'],
    ['{"report":"weekly"}', 'event.report', '"full", "changes"'],
    ['{"triggerTime":"yesterday","triggerName":"t"}', 'event.triggerTime', 'ISO-8601'],
    ['{"triggerTime":1700000000,"triggerName":"t"}', 'event.triggerTime', 'ISO-8601'],
    ['{"triggerTime":"2026-11-25T07:00:00Z"}', 'event.triggerName', 'non-empty'],
  ])('rejects %s naming %s', (text, field, hint) => {
    let error: unknown;
    try {
      parse(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe(field);
    expect((error as ConfigError).message).toContain(hint);
  });
});
