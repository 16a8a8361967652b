import { cutToBytes, utf8Length } from '../text/inert';

/** DingTalk refuses a body of 20,000 bytes or more; stay clear of it (JSON escaping included). */
export const MAX_BODY_BYTES = 20_000;
/** DingTalk blocks a robot for 10 minutes after 20 messages in a minute: a run never sends more. */
export const MAX_MESSAGES_PER_RUN = 20;
/** Ends a line or header that had to be cut to fit a message. */
export const CUT_LINE_MARKER = '… (cut)';

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
 * The longest cut of `text` (marker "… (cut)") that `fits`, keeping at least its first code point;
 * the text itself when it fits; undefined when not even that much fits. Assumes `fits` only turns
 * false as the text grows (true of any byte count of a message that contains it).
 */
function cutToFit(text: string, fits: (candidate: string) => boolean): string | undefined {
  if (fits(text)) return text;
  const first = Array.from(text)[0];
  if (first === undefined) return undefined;
  let lo = utf8Length(first) + utf8Length(CUT_LINE_MARKER);
  if (!fits(cutToBytes(text, lo, CUT_LINE_MARKER))) return undefined;
  let hi = utf8Length(text) - 1; // a cut always has fewer bytes than the text
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(cutToBytes(text, mid, CUT_LINE_MARKER))) lo = mid;
    else hi = mid - 1;
  }
  return cutToBytes(text, lo, CUT_LINE_MARKER);
}

/**
 * Packs lines into numbered parts, breaking only between lines, so that each part's serialized
 * message stays under `maxBytes` and there are at most `maxParts`. When everything does not fit,
 * the last part ends with "… and N more" where N counts the keys left out: nothing is dropped
 * silently. `measure` gives the byte size of the whole message for a part (JSON, envelope and all).
 *
 * Never throws for long content: a line too long for a message of its own is cut to fit, ending
 * with "… (cut)" (it still counts as shown), and so is the header when title and header alone do
 * not fit. The footer (the robot's keyword) is never cut; only when title and footer alone cannot
 * fit, which is a configuration error, does this throw a RangeError.
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
  const maxParts = Math.max(1, Math.floor(options.maxParts ?? MAX_MESSAGES_PER_RUN));
  const maxBytes = options.maxBytes ?? MAX_BODY_BYTES;
  // Reserve room for the longest part label and the overflow line, so relabelling never overflows.
  const label = ` (${maxParts}/${maxParts})`;
  const worstOverflow = `… and ${Number.MAX_SAFE_INTEGER} more: ${options.overflowHint}`;
  const render = (title: string, header: readonly string[], body: readonly string[]): Part => ({
    title,
    text: [`### ${title}`, ...header, ...body, ...options.footer].join('\n\n'),
  });
  const under = (part: Part): boolean => options.measure(part) < maxBytes;

  // The title is ours and short; cut it only if it would leave no room at all.
  const title = cutToFit(options.title, (t) => under(render(`${t}${label}`, [], [worstOverflow])));
  if (title === undefined) {
    throw new RangeError('the report footer (the robot keyword) alone is longer than a DingTalk message allows');
  }
  const worstTitle = `${title}${label}`;
  // Header lines go in the first part only; render joins them like body lines, so cut them as one block.
  const headerBlock = options.header.length === 0 ? undefined : cutToFit(options.header.join('\n\n'), (h) => under(render(worstTitle, [h], [worstOverflow])));
  const header = headerBlock === undefined ? [] : [headerBlock];
  const fits = (body: readonly string[], first: boolean): boolean => under(render(worstTitle, first ? header : [], [...body, worstOverflow]));

  const bodies: string[][] = [[]];
  let shown = 0;
  for (const line of options.lines) {
    const current = bodies[bodies.length - 1] as string[];
    const first = bodies.length === 1;
    if (fits([...current, line.text], first)) {
      current.push(line.text);
      shown += 1;
      continue;
    }
    // Into a part of its own while parts remain (unless this part is still empty and has all the
    // room a new one would), cut if even that is too small; an empty first part takes a cut line.
    const intoNew = bodies.length < maxParts && (current.length > 0 || (first && header.length > 0));
    if (!intoNew && current.length > 0) break;
    const text = cutToFit(line.text, (t) => fits([t], intoNew ? false : first));
    if (text === undefined) break;
    if (intoNew) bodies.push([text]);
    else current.push(text);
    shown += 1;
  }
  const hidden = options.lines.slice(shown).reduce((sum, l) => sum + l.keys, 0);
  if (hidden > 0) {
    (bodies[bodies.length - 1] as string[]).push(`… and ${hidden} more: ${options.overflowHint}`);
  }
  const total = bodies.length;
  return bodies.map((body, i) => render(total === 1 ? title : `${title} (${i + 1}/${total})`, i === 0 ? header : [], body));
}
