import fc from 'fast-check';
import { parseEvent, TRIGGER_TIME_BOUNDS } from '../../functions/stale-key-detector/src/config/event';
import { ConfigError } from '../../functions/stale-key-detector/src/errors/config-error';

/** The wall clock of these tests: five minutes after the timer fired. */
const WALL = Date.UTC(2026, 10, 25, 7, 5);
const parse = (text: string) => parseEvent(Buffer.from(text), WALL);

function failure(text: string): ConfigError {
  try {
    parse(text);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`accepted ${text}`);
}

describe('parseEvent', () => {
  it('treats an empty body as a manual full report', () => {
    expect(parseEvent(Buffer.alloc(0), WALL)).toEqual({ kind: 'manual', dryRun: false, staleAfterDays: undefined, report: 'full' });
    expect(parse('  \n')).toMatchObject({ kind: 'manual', report: 'full' });
    expect(parse('{}')).toMatchObject({ kind: 'manual', report: 'full', dryRun: false });
  });

  it('reads the manual options', () => {
    expect(parse('{"dryRun":true,"staleAfterDays":30,"report":"changes"}')).toEqual({ kind: 'manual', dryRun: true, staleAfterDays: 30, report: 'changes' });
  });

  it('recognizes a timer event and keeps its time, with Z or an offset', () => {
    expect(parse('{"triggerTime":"2026-11-25T07:00:00Z","triggerName":"hourly-scan","payload":""}')).toEqual({ kind: 'timer', triggerTime: Date.UTC(2026, 10, 25, 7), triggerName: 'hourly-scan' });
    expect(parse('{"triggerTime":"2026-11-25T15:00:00+08:00","triggerName":"hourly-scan","payload":""}')).toMatchObject({ triggerTime: Date.UTC(2026, 10, 25, 7) });
  });

  it.each([
    ['not json', 'event', 'valid JSON'],
    ['[1]', 'event', 'JSON object'],
    ['42', 'event', 'JSON object'],
    ['{"dryrun":true}', 'event.dryrun', 'allowed: dryRun, staleAfterDays, report'],
    ['{"dryRun":"yes"}', 'event.dryRun', 'true or false'],
    ['{"staleAfterDays":0}', 'event.staleAfterDays', 'whole number from 1 to 365'],
    ['{"staleAfterDays":500}', 'event.staleAfterDays', 'ActionTrail keeps about 400 days'],
    ['{"staleAfterDays":1.5}', 'event.staleAfterDays', 'whole number'],
    ['{"staleAfterDays":"90"}', 'event.staleAfterDays', 'whole number'],
    ['{"report":"weekly"}', 'event.report', '"full", "changes"'],
    ['{"triggerTime":"yesterday","triggerName":"t"}', 'event.triggerTime', 'ISO-8601'],
    ['{"triggerTime":1700000000,"triggerName":"t"}', 'event.triggerTime', 'ISO-8601'],
    // A local time without Z or an offset would be read in an arbitrary zone.
    ['{"triggerTime":"2026-11-25T07:00:00","triggerName":"t"}', 'event.triggerTime', 'with Z or an offset'],
    ['{"triggerTime":"2026-11-25","triggerName":"t"}', 'event.triggerTime', 'with Z or an offset'],
    ['{"triggerTime":"2026-02-30T07:00:00Z","triggerName":"t"}', 'event.triggerTime', 'not a real time'],
    ['{"triggerTime":"2026-11-25T07:00:00Z"}', 'event.triggerName', 'non-empty'],
    // A timer event with a manual field would post for real while the invoker asked for a dry run.
    ['{"triggerTime":"2026-11-25T07:00:00Z","triggerName":"t","dryRun":true}', 'event.dryRun', 'not a field of a timer event'],
    ['{"triggerTime":"2026-11-25T07:00:00Z","triggerName":"t","payload":{}}', 'event.payload', 'string'],
    // Dated far from the clock: a replayed or forged event is refused, never judged.
    ['{"triggerTime":"2000-01-01T00:00:00Z","triggerName":"t"}', 'event.triggerTime', '48 hours behind'],
    ['{"triggerTime":"2026-11-25T09:00:00Z","triggerName":"t"}', 'event.triggerTime', '1 hour ahead'],
  ])('rejects %s naming %s', (text, field, hint) => {
    const error = failure(text);
    expect(error.field).toBe(field);
    expect(error.message).toContain(hint);
  });

  it('echoes at most about 100 characters of a bad value', () => {
    const error = failure(JSON.stringify({ triggerTime: `2026-${'x'.repeat(5000)}`, triggerName: 't' }));
    expect(error.message.length).toBeLessThan(400);
  });
});

describe('timer events are what FC sends (property)', () => {
  const instant = fc.integer({ min: WALL - 30 * 86_400_000, max: WALL + 30 * 86_400_000 });

  it('accepts a triggerTime exactly when it is at most 1 hour ahead of and 48 hours behind the clock', () => {
    fc.assert(
      fc.property(instant, (at) => {
        const text = JSON.stringify({ triggerTime: new Date(at).toISOString(), triggerName: 'hourly-scan', payload: '' });
        const inBounds = at <= WALL + TRIGGER_TIME_BOUNDS.aheadMs && at >= WALL - TRIGGER_TIME_BOUNDS.behindMs;
        if (inBounds) expect(parse(text)).toEqual({ kind: 'timer', triggerTime: at, triggerName: 'hourly-scan' });
        else expect(failure(text).field).toBe('event.triggerTime');
      }),
      { numRuns: 300 },
    );
  });

  it('refuses any other field in a timer event, naming it, whatever its value', () => {
    const extraField = fc.string({ minLength: 1, maxLength: 20 }).filter((k) => !['triggerTime', 'triggerName', 'payload', '__proto__'].includes(k));
    fc.assert(
      fc.property(extraField, fc.jsonValue(), (field, value) => {
        const text = JSON.stringify({ triggerTime: new Date(WALL - 300_000).toISOString(), triggerName: 'hourly-scan', payload: '', [field]: value });
        expect(failure(text).field).toBe(`event.${field.length > 40 ? `${field.slice(0, 37)}...` : field}`);
      }),
      { numRuns: 200 },
    );
  });
});
