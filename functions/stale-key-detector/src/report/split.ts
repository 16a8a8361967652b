/** DingTalk refuses a body of 20,000 bytes or more; stay clear of it (JSON escaping included). */
export const MAX_BODY_BYTES = 20_000;
/** DingTalk blocks a robot for 10 minutes after 20 messages in a minute: a run never sends more. */
export const MAX_MESSAGES_PER_RUN = 20;

/** One line of a report, and how many keys it stands for (so an overflow can count what it left out). */
export interface ReportLine {
  readonly text: string;
  readonly keys: number;
}

export interface Part {
  readonly title: string;
  readonly text: string;
}

/**
 * Packs lines into numbered parts, breaking only between lines, so that each part's serialized
 * message stays under `maxBytes` and there are at most `maxParts`. When everything does not fit,
 * the last part ends with "… and N more" where N counts the keys left out: nothing is dropped
 * silently. `measure` gives the byte size of the whole message for a part (JSON, envelope and all).
 */
export function splitIntoParts(options: {
  title: string;
  header: readonly string[];
  lines: readonly ReportLine[];
  footer: readonly string[];
  maxParts?: number;
  maxBytes?: number;
  measure: (part: Part) => number;
  overflowHint: string;
}): Part[] {
  const maxParts = options.maxParts ?? MAX_MESSAGES_PER_RUN;
  const maxBytes = options.maxBytes ?? MAX_BODY_BYTES;
  // Reserve room for the longest part label and the overflow line, so relabelling never overflows.
  const worstTitle = `${options.title} (${maxParts}/${maxParts})`;
  const worstOverflow = `… and 999999 more: ${options.overflowHint}`;
  const render = (title: string, body: readonly string[], first: boolean): Part => ({
    title,
    text: [`### ${title}`, ...(first ? options.header : []), ...body, ...options.footer].join('\n\n'),
  });
  const fits = (body: readonly string[], first: boolean): boolean => options.measure(render(worstTitle, [...body, worstOverflow], first)) < maxBytes;

  const bodies: string[][] = [[]];
  let shown = 0;
  for (const line of options.lines) {
    const current = bodies[bodies.length - 1] as string[];
    if (fits([...current, line.text], bodies.length === 1)) {
      current.push(line.text);
      shown += 1;
      continue;
    }
    if (bodies.length >= maxParts) break;
    if (!fits([line.text], false)) {
      throw new RangeError(`a single report line is longer than a DingTalk message allows (${line.text.length} chars)`);
    }
    bodies.push([line.text]);
    shown += 1;
  }
  const hidden = options.lines.slice(shown).reduce((sum, l) => sum + l.keys, 0);
  if (hidden > 0) {
    (bodies[bodies.length - 1] as string[]).push(`… and ${hidden} more: ${options.overflowHint}`);
  }
  const total = bodies.length;
  return bodies.map((body, i) => render(total === 1 ? options.title : `${options.title} (${i + 1}/${total})`, body, i === 0));
}
