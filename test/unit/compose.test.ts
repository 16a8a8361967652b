import { composeFailure } from '../../functions/stale-key-detector/src/report/compose';
import { MAX_BODY_BYTES, type Part } from '../../functions/stale-key-detector/src/report/split';

const measure = (part: Part): number => Buffer.byteLength(JSON.stringify({ msgtype: 'markdown', markdown: { title: part.title, text: part.text }, msgUuid: 'x'.repeat(27) }));

describe('composeFailure', () => {
  it('fits one DingTalk message whatever the error text: a 21,000-character cloud message, line breaks and markup included', () => {
    const message = `RAM ListUsers failed: InternalError: ${'错误 [x](http://e.com)\n# h '.repeat(1500)}`;
    const parts = composeFailure({ message, fix: 'retry', code: 'InternalError'.repeat(50), requestId: 'r'.repeat(5000) }, Date.UTC(2026, 10, 25), 'UTC', { measure, keyword: 'sec-alert', mentionText: '@13800000000' });
    expect(parts).toHaveLength(1);
    expect(measure(parts[0] as Part)).toBeLessThan(MAX_BODY_BYTES);
    expect(parts[0]?.text).toContain('RAM ListUsers failed');
    expect(parts[0]?.text).toContain('…');
    expect(parts[0]?.text.endsWith('sec-alert')).toBe(true);
    expect(parts[0]?.text).toContain('@13800000000');
  });
});
