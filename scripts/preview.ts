/**
 * `npm run preview`: pictures of what the DingTalk group sees. The real handler scans the demo
 * account on the loopback fake cloud (as `npm start` does) twice, a daily digest and an hourly
 * alert, and each message the fake robot received is drawn the way DingTalk shows a markdown
 * message, then photographed by headless Chromium.
 *
 *   npm run preview                  writes docs/preview-digest.png and docs/preview-hourly.png
 *   npm run preview -- --out DIR     writes them to DIR instead
 *
 * Needs Debian's Chromium (apt-get install chromium; or set CHROMIUM_PATH), driven by
 * playwright-core, and, for the Chinese display names, a CJK font (Debian: fonts-noto-cjk);
 * without one they show as boxes. Nothing leaves the machine: the fake cloud listens on
 * 127.0.0.1 and the page is set from a string.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DateTime } from 'luxon';
import { Marked, type Tokens } from 'marked';
import { chromium } from 'playwright-core';
import { DEFAULTS } from '../functions/stale-key-detector/src/config/settings';
import { isDigestRun } from '../functions/stale-key-detector/src/core/schedule';
import { handleInvocation } from '../functions/stale-key-detector/src/handler';
import { systemClock } from '../functions/stale-key-detector/src/pacing/clock';
import { createLogger } from '../functions/stale-key-detector/src/logger';
import { HOUR_MS, demoAccount, startFakeCloud, type FakeCloud } from '../simulator';
import { fcContext, simulatorEnv } from '../simulator/function-wiring';

const DEFAULT_CHROMIUM = '/usr/bin/chromium';
const MENTION_MOBILE = '13800000000';
const PAGE_WIDTH = 560;
/** 1.5 keeps text sharp on high-density screens and each PNG well under 300 KB (2 makes the digest ~300 KB). */
const SCALE = 1.5;

interface Markdown {
  readonly title: string;
  readonly text: string;
}

interface Shot {
  readonly file: string;
  readonly chat: string;
  /** When the messages arrived, as DingTalk prints it above them. */
  readonly time: string;
  readonly messages: readonly Markdown[];
}

class UsageError extends Error {}

function parseArgs(argv: readonly string[]): { outDir: string } {
  let outDir = 'docs';
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--out') {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) throw new UsageError('--out needs a directory');
      outDir = value;
      i += 1;
    } else if (arg !== undefined && arg.startsWith('--out=')) {
      outDir = arg.slice('--out='.length);
    } else {
      throw new UsageError(`${String(arg)}: unknown flag; use --out DIR`);
    }
  }
  return { outDir: resolve(outDir) };
}

function findChromium(): string {
  const configured = process.env['CHROMIUM_PATH'];
  const path = configured !== undefined && configured !== '' ? configured : DEFAULT_CHROMIUM;
  if (!existsSync(path)) throw new UsageError(`preview needs Chromium: apt-get install chromium (Debian) or set CHROMIUM_PATH\n(looked for ${path})`);
  return path;
}

// ─── the messages ────────────────────────────────────────────────────────────

async function invoke(cloud: FakeCloud, event: object, extraEnv: Record<string, string> = {}): Promise<Markdown[]> {
  const before = cloud.dingtalk.messages.length;
  const logs: string[] = [];
  try {
    await handleInvocation(Buffer.from(JSON.stringify(event)), fcContext(), {
      env: simulatorEnv(cloud, extraEnv),
      clock: systemClock,
      logger: createLogger({ sink: (line) => logs.push(line) }),
    });
  } catch (error) {
    process.stderr.write(`${logs.join('\n')}\n`);
    throw error;
  }
  const messages = cloud.dingtalk.messages.slice(before).map((m) => m.body['markdown'] as Markdown | undefined);
  const markdown = messages.filter((m): m is Markdown => m !== undefined);
  if (markdown.length === 0) throw new Error(`the robot received no markdown message for ${JSON.stringify(event)}`);
  return markdown;
}

/** The demo's clock: the latest whole hour whose timer run is an hourly one (not the digest). */
function demoNow(): number {
  const schedule = { intervalMinutes: DEFAULTS.scheduleMinutes, digestHour: DEFAULTS.digestHour, timezone: DEFAULTS.timezone };
  let hour = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
  while (isDigestRun(hour, schedule)) hour -= HOUR_MS;
  return hour;
}

function chatTime(ms: number): string {
  return DateTime.fromMillis(ms, { zone: 'Asia/Shanghai' }).toFormat('yyyy-MM-dd HH:mm');
}

/** The digest and the timer run at the demo's "now", whose window holds the demo keys that turned stale in the last hour. */
async function collectShots(outDir: string): Promise<Shot[]> {
  const now = demoNow();
  const cloud = await startFakeCloud({ account: demoAccount(now), latencyMs: [1, 5] });
  try {
    const digest = await invoke(cloud, { report: 'full' });
    const hourly = await invoke(
      cloud,
      { triggerTime: new Date(now).toISOString(), triggerName: 'hourly-scan', payload: '' },
      { DINGTALK_AT_MOBILES: MENTION_MOBILE },
    );
    return [
      { file: join(outDir, 'preview-digest.png'), chat: 'Cloud Ops', time: chatTime(now), messages: digest },
      { file: join(outDir, 'preview-hourly.png'), chat: 'Cloud Ops', time: chatTime(now), messages: hourly },
    ];
  } finally {
    await cloud.close();
  }
}

// ─── markdown to a DingTalk-like page ───────────────────────────────────────

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** DingTalk's markdown: no code styling (inline code is plain text), and of raw HTML only <font> and <br>. */
const dingtalkMarkdown = new Marked({
  gfm: true,
  breaks: false,
  renderer: {
    codespan({ text }: Tokens.Codespan): string {
      return escapeHtml(text);
    },
    code({ text }: Tokens.Code): string {
      return `<p>${escapeHtml(text).replace(/\n/g, '<br>')}</p>\n`;
    },
    html({ text }: Tokens.HTML | Tokens.Tag): string {
      return /^<\/?(font|br)\b[^>]*>\s*$/i.test(text) ? text : escapeHtml(text);
    },
    link({ href, text, tokens }: Tokens.Link): string {
      const inner = tokens.length > 0 ? this.parser.parseInline(tokens) : escapeHtml(text);
      return `<a href="${escapeHtml(href)}">${inner}</a>`;
    },
  },
});

/** "@13800000000" in a message's text: DingTalk shows the mention in blue. */
function highlightMentions(html: string): string {
  return html.replace(/>([^<]+)</g, (_m, text: string) => `>${text.replace(/(^|\s)(@\+?[0-9-]{5,20})(?=\s|$)/g, '$1<span class="at">$2</span>')}<`);
}

function renderMarkdown(text: string): string {
  return highlightMentions(dingtalkMarkdown.parse(text, { async: false }));
}

const ROBOT_AVATAR = `<svg viewBox="0 0 40 40" width="36" height="36" aria-hidden="true">
  <circle cx="20" cy="20" r="20" fill="#3296fa"/>
  <line x1="20" y1="8" x2="20" y2="12" stroke="#fff" stroke-width="2" stroke-linecap="round"/>
  <circle cx="20" cy="7.5" r="2" fill="#fff"/>
  <rect x="10" y="12" width="20" height="16" rx="5" fill="#fff"/>
  <circle cx="16" cy="19.5" r="2.2" fill="#3296fa"/>
  <circle cx="24" cy="19.5" r="2.2" fill="#3296fa"/>
  <rect x="16" y="24" width="8" height="1.8" rx="0.9" fill="#3296fa"/>
  <rect x="7" y="17" width="3" height="6" rx="1.5" fill="#fff"/>
  <rect x="30" y="17" width="3" height="6" rx="1.5" fill="#fff"/>
</svg>`;

const STYLE = `
  * { box-sizing: border-box; }
  html, body { margin: 0; padding: 0; }
  body {
    width: ${PAGE_WIDTH}px; background: #f2f3f5; color: #171a1d;
    font-family: "PingFang SC", "Helvetica Neue", Helvetica, Arial, "Noto Sans CJK SC", "WenQuanYi Zen Hei", sans-serif;
    font-size: 14px; line-height: 1.6; -webkit-font-smoothing: antialiased;
  }
  .bar { display: flex; align-items: center; justify-content: center; height: 44px; background: #fff;
         border-bottom: 1px solid #e5e6eb; font-size: 15px; font-weight: 600; }
  .bar small { font-weight: 400; color: #8f959e; margin-left: 6px; font-size: 12px; }
  .preview { display: flex; align-items: center; gap: 10px; padding: 8px 16px; background: #fafbfc;
             border-bottom: 1px solid #e5e6eb; font-size: 12px; color: #8f959e; }
  .preview svg { width: 24px; height: 24px; flex: none; }
  .preview b { color: #1f2329; font-weight: 500; }
  .preview span { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
  .chat { padding: 12px 16px 20px; }
  .time { text-align: center; color: #8f959e; font-size: 12px; margin: 4px 0 12px; }
  .msg { display: flex; gap: 10px; margin-bottom: 16px; }
  .msg > svg { flex: none; }
  .who { font-size: 12px; color: #646a73; margin: 0 0 4px 2px; }
  .who .tag { display: inline-block; margin-left: 6px; padding: 0 4px; border-radius: 3px; font-size: 10px;
              line-height: 16px; color: #3296fa; background: #e1efff; vertical-align: 1px; }
  .card { width: 460px; background: #fff; border-radius: 8px; padding: 12px 14px; overflow-wrap: anywhere;
          box-shadow: 0 1px 2px rgba(0, 0, 0, 0.04); }
  .card > :first-child { margin-top: 0; }
  .card > :last-child { margin-bottom: 0; }
  .card p { margin: 6px 0; }
  .card h1 { font-size: 18px; margin: 8px 0 6px; }
  .card h2 { font-size: 17px; margin: 8px 0 6px; }
  .card h3 { font-size: 16px; font-weight: 600; margin: 4px 0 8px; }
  .card h4 { font-size: 15px; font-weight: 600; margin: 14px 0 6px; }
  .card h5, .card h6 { font-size: 14px; font-weight: 600; margin: 10px 0 4px; }
  .card strong { font-weight: 600; }
  .card a { color: #0089ff; text-decoration: none; }
  .card ul, .card ol { margin: 4px 0 6px; padding-left: 20px; }
  .card li { margin: 2px 0; }
  .card blockquote { margin: 6px 0; padding: 0 0 0 10px; border-left: 3px solid #dee0e3; color: #646a73; }
  .card hr { border: none; border-top: 1px solid #e5e6eb; margin: 10px 0; }
  .card img { max-width: 100%; }
  .card .at { color: #0089ff; }
`;

function renderPage(shot: Shot): string {
  const first = shot.messages[0];
  const messages = shot.messages
    .map(
      (m) => `<div class="msg">${ROBOT_AVATAR}<div>
  <div class="who">Stale Key Robot<span class="tag">Robot</span></div>
  <div class="card">${renderMarkdown(m.text)}</div>
</div></div>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>${escapeHtml(first?.title ?? '')}</title><style>${STYLE}</style></head>
<body>
<div class="bar">${escapeHtml(shot.chat)}<small>DingTalk group</small></div>
<div class="preview">${ROBOT_AVATAR}<span><b>Stale Key Robot:</b> ${escapeHtml(first?.title ?? '')}</span></div>
<div class="chat">
<div class="time">${escapeHtml(shot.time)}</div>
${messages}
</div>
</body></html>
`;
}

// ─── main ────────────────────────────────────────────────────────────────────

async function main(argv: readonly string[]): Promise<void> {
  const { outDir } = parseArgs(argv);
  const executablePath = findChromium();
  const shots = await collectShots(outDir);
  mkdirSync(outDir, { recursive: true });
  const browser = await chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    // A short viewport: fullPage then makes each picture exactly as tall as its page.
    const page = await browser.newPage({ viewport: { width: PAGE_WIDTH, height: 100 }, deviceScaleFactor: SCALE });
    for (const shot of shots) {
      await page.setContent(renderPage(shot), { waitUntil: 'load' });
      await page.evaluate('document.fonts.ready.then(() => true)');
      const png = await page.screenshot({ fullPage: true });
      writeFileSync(shot.file, png);
      const titles = shot.messages.map((m) => m.title).join(' | ');
      process.stdout.write(`${shot.file}: ${shot.messages.length} message(s), ${Math.round(png.length / 1024)} KB — ${titles}\n`);
    }
  } finally {
    await browser.close();
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`${error instanceof UsageError ? '' : 'preview failed: '}${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
