/**
 * What hostile documents cost the runtime, after the fixes of issue #10 (items 6 and 9).
 *
 *   npx tsx bench/sources/hostile.ts [--polls 5] [--body-mb 100] [--max-bytes <n>|Infinity]
 *
 * 1. Memory: an `httpSource` polling a loopback server that answers every request with a
 *    `--body-mb` MB body (chunked, no content-length). Reports the RSS growth over `--polls` polls
 *    and the bytes the server managed to send before the client hung up. `--max-bytes Infinity`
 *    lifts the cap, which is how every poll behaved before (the issue measured ~340 MB per poll).
 * 2. Time: the depth check the runtime's lenient parser does before `JSON.parse` (a scan of the
 *    text), for a 1,000-flag registry, against `JSON.parse` alone; and a document of 1 MB of `[`,
 *    which `JSON.parse` alone would take (and take long over).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { createFlags, httpSource } from '../../src/index.js';
import { parseJsonLazily } from '../../src/registry/json.js';

const { values: args } = parseArgs({
  options: {
    polls: { type: 'string', default: '5' },
    'body-mb': { type: 'string', default: '100' },
    'max-bytes': { type: 'string' },
  },
});
const POLLS = Number(args.polls);
const BODY = Number(args['body-mb']) * 1024 * 1024;
const maxBytes = args['max-bytes'] === undefined ? undefined : Number(args['max-bytes']);
const mb = (n: number): string => `${(n / 1024 / 1024).toFixed(0)} MB`;

async function memory(): Promise<void> {
  const chunk = Buffer.alloc(256 * 1024, 0x20);
  const sent: number[] = [];
  const server = createServer((_, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    let written = 0;
    res.on('close', () => sent.push(written));
    const pump = (): void => {
      while (written < BODY && !res.destroyed) {
        written += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      if (!res.destroyed) res.end();
    };
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/flags.json`;
  global.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  const flags = createFlags({
    source: httpSource(url, {
      pollIntervalMs: 1,
      maxBackoffMs: 1,
      timeoutMs: 120_000,
      ...(maxBytes !== undefined ? { maxBytes } : {}),
    }),
  });
  let failures = 0;
  await new Promise<void>((resolve) =>
    flags.on('error', () => {
      if (++failures === POLLS) resolve();
    }),
  );
  flags.close();
  clearInterval(sampler);
  server.closeAllConnections();
  server.close();
  console.log(`httpSource, ${POLLS} polls of a ${mb(BODY)} body, maxBytes ${maxBytes ?? 'default (8 MiB)'}:`);
  console.log(
    `  RSS before ${mb(before)}, peak ${mb(peak)} (+${mb(peak - before)}); sent per poll before the client hung up: ${sent.map(mb).join(', ')}`,
  );
}

function time(): void {
  const flags = [];
  for (let i = 0; i < 1000; i++) {
    flags.push({
      flag: `flag_${i}`,
      description: `generated flag ${i}`,
      owner: 'ml-platform',
      cleanup_by: '2027-06-30',
      variants: ['claude-3-haiku', 'claude-sonnet-4-6', 'claude-opus-4-6'],
      default: 'claude-3-haiku',
      rules: [
        { condition: { customer_id: ['acme', 'globex', `c${i}`], seats: { gte: 5 } }, value: 'claude-opus-4-6' },
        { condition: { rollout_percentage: 12.5 }, split: { 'claude-3-haiku': 50, 'claude-sonnet-4-6': 50 } },
      ],
    });
  }
  const text = JSON.stringify({ flags }, null, 2);
  const samples: Record<'JSON.parse' | 'parseJsonLazily', number[]> = { 'JSON.parse': [], parseJsonLazily: [] };
  for (let i = 0; i < 300; i++) {
    let start = performance.now();
    JSON.parse(text);
    samples['JSON.parse'].push(performance.now() - start);
    start = performance.now();
    parseJsonLazily(text);
    samples.parseJsonLazily.push(performance.now() - start);
  }
  console.log(
    `parsing a 1,000-flag registry (${(text.length / 1024).toFixed(0)} KiB), 300 interleaved runs after 50 warm-up:`,
  );
  for (const [name, xs] of Object.entries(samples)) {
    const s = xs.slice(50).sort((a, b) => a - b);
    console.log(
      `  ${name.padEnd(16)} median ${s[s.length >> 1]!.toFixed(2)} ms, p90 ${s[Math.floor(s.length * 0.9)]!.toFixed(2)} ms`,
    );
  }
  const deep = '['.repeat(512 * 1024) + ']'.repeat(512 * 1024);
  let start = performance.now();
  try {
    parseJsonLazily(deep);
  } catch {
    /* refused, as it should be */
  }
  const refused = performance.now() - start;
  start = performance.now();
  JSON.parse(deep);
  console.log(
    `1 MB of nesting: refused in ${refused.toFixed(2)} ms; JSON.parse alone takes ${(performance.now() - start).toFixed(0)} ms`,
  );
}

time();
await memory();
