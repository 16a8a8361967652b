/*
 * Benchmark worker: runs in its own process so that its peak RSS is the function's alone (the
 * fake cloud lives in the parent). It loads the deployed bundle, as Function Compute would, and
 * invokes the real handler with a dry-run event. Prints one JSON line: summary, timings, memory.
 */
'use strict';
const path = require('node:path');

async function main() {
  const bundle = path.resolve(__dirname, '..', 'functions', 'stale-key-detector', 'dist', 'index.js');
  const loadStart = process.hrtime.bigint();
  const { handler } = require(bundle);
  const loadMs = Number(process.hrtime.bigint() - loadStart) / 1e6;
  const context = JSON.parse(process.env.BENCH_CONTEXT);
  const event = Buffer.from(process.env.BENCH_EVENT || '{"dryRun":true}');
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 20);
  const started = process.hrtime.bigint();
  const summary = await handler(event, context);
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.resourceUsage().maxRSS * 1024);
  // What the run still holds (the verdicts and the summary), as opposed to garbage V8 had not
  // yet collected: peak RSS on a roomy machine is mostly the latter.
  let liveHeap = null;
  if (typeof global.gc === 'function') {
    global.gc();
    liveHeap = process.memoryUsage().heapUsed;
  }
  process.stdout.write(`${JSON.stringify({ summary, wallMs, loadMs, peakRss, liveHeap })}\n`);
}

main().catch((error) => {
  process.stderr.write(`bench worker failed: ${error && error.message}\n`);
  process.exit(1);
});
