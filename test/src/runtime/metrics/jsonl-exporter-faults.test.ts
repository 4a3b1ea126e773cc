/**
 * jsonlExporter on a failing disk (issue #10, item 12). Each case runs in its own Node process,
 * because the failure being guarded against is the process dying: a full disk (`/dev/full`), and
 * a file-size limit (`ulimit -f`), which gives a short write followed by EFBIG and, once the
 * script truncates the file, a disk that has room again.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jsonlExporter } from '../../../../src/runtime/metrics/jsonl.js';

const repo = resolve(import.meta.dirname, '../../../..');
const tsx = join(repo, 'node_modules/tsx/dist/esm/index.mjs');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'modelflags-jsonl-faults-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs an ES module against this repository's source, optionally with a file-size limit in KiB. */
function runScript(body: string, fileSizeLimitKiB?: number): Promise<Run> {
  const script = join(dir, 'script.mts');
  // The exporter's timer does not hold the process open, so the script keeps it alive while it waits.
  writeFileSync(
    script,
    `import { jsonlExporter } from ${JSON.stringify(join(repo, 'src/runtime/metrics/jsonl.js'))};\nconst keepAlive = setInterval(() => {}, 60_000);\n${body}\nclearInterval(keepAlive);\n`,
  );
  const node = `${JSON.stringify(process.execPath)} --conditions=modelflags-source --import ${JSON.stringify(tsx)} ${JSON.stringify(script)}`;
  const command = fileSizeLimitKiB === undefined ? `exec ${node}` : `ulimit -f ${fileSizeLimitKiB} && exec ${node}`;
  return new Promise((done) => {
    execFile('bash', ['-c', command], { cwd: dir }, (error, stdout, stderr) => {
      done({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

const EVENT = `const event = (i) => ({ metric: 'latency_ms', value: i, variants: { inference_model: 'sonnet' }, at: i, context: {} });
const nextError = () => new Promise((done) => { const off = exporter.on('error', (e) => { off(); done(e); }); });`;
const line = (i: number): string =>
  `{"at":${i},"metric":"latency_ms","value":${i},"variants":{"inference_model":"sonnet"}}\n`;

describe('jsonlExporter when the disk fails', () => {
  it('reports a full disk from its timer as an error event instead of ending the process', async () => {
    const run = await runScript(`
const exporter = jsonlExporter('/dev/full', { flushIntervalMs: 5 });
${EVENT}
const events = [];
exporter.on('error', (e) => events.push({ message: e.message, code: e.error?.code, dropped: e.dropped }));
exporter.write(event(1));
await nextError(); // only the timer flushes: one line is far below flushBytes
exporter.write(event(2));
exporter.close();
console.log(JSON.stringify(events));
`);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const events = JSON.parse(run.stdout) as { message: string; code: string | undefined; dropped: number }[];
    expect(events).toEqual([
      {
        message: `jsonlExporter: cannot write /dev/full: ENOSPC: no space left on device, write; ${line(1).length} bytes kept to retry (at most 4194304), 0 lines dropped so far`,
        code: 'ENOSPC',
        dropped: 0,
      },
      {
        message: `jsonlExporter: closed with ${line(1).length + line(2).length} bytes of /dev/full still unwritten; they are lost`,
        code: undefined,
        dropped: 0,
      },
    ]);
  }, 30_000);

  it('warns through the process when nobody listens, and keeps running', async () => {
    const run = await runScript(`
const exporter = jsonlExporter('/dev/full', { flushIntervalMs: 5 });
${EVENT}
const warned = new Promise((done) => process.once('warning', done));
exporter.write(event(1));
const warning = await warned;
exporter.close();
console.log(JSON.stringify({ name: warning.name, message: warning.message }));
`);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      name: 'ModelflagsWarning',
      message: expect.stringMatching(/^jsonlExporter: cannot write \/dev\/full: ENOSPC/) as unknown,
    });
    expect(run.stderr).toContain('ModelflagsWarning: jsonlExporter: cannot write /dev/full: ENOSPC');
  }, 30_000);

  it('bounds its buffer, counts the lines it drops, and writes what it kept once there is room, no byte twice', async () => {
    const run = await runScript(
      `
import { readFileSync, truncateSync } from 'node:fs';
const file = 'metrics.jsonl';
const exporter = jsonlExporter(file, { flushBytes: 2000, maxBufferBytes: 2000 });
${EVENT}
const events = [];
exporter.on('error', (e) => events.push({ message: e.message, code: e.error?.code, dropped: e.dropped }));
// Two flushes fit under the 4 KiB limit; the third is a short write up to it, then EFBIG.
for (let i = 0; i < 120; i++) exporter.write(event(i));
const before = readFileSync(file, 'utf8');
truncateSync(file, 0); // room again
const flushed = exporter.flush();
exporter.close();
console.log(JSON.stringify({ events, flushed, dropped: exporter.dropped, before, after: readFileSync(file, 'utf8') }));
`,
      4,
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as {
      events: { message: string; code?: string; dropped: number }[];
      flushed: boolean;
      dropped: number;
      before: string;
      after: string;
    };
    expect(out.before).toHaveLength(4096);
    expect(out.flushed).toBe(true);
    expect(out.dropped).toBeGreaterThan(0);
    // What reached the disk, before and after the truncation, is every kept line exactly once, in
    // order, the line cut by the short write included; the newest lines are the ones dropped.
    let kept = '';
    for (let i = 0; i < 120 - out.dropped; i++) kept += line(i);
    expect(out.before + out.after).toBe(kept);
    expect(out.events.map((e) => [e.code, e.dropped, e.message.replace(/\d+ bytes kept/, 'N bytes kept')])).toEqual([
      [
        'EFBIG',
        0,
        'jsonlExporter: cannot write metrics.jsonl: EFBIG: file too large, write; N bytes kept to retry (at most 2000), 0 lines dropped so far',
      ],
      [
        undefined,
        1,
        'jsonlExporter: metrics.jsonl cannot be written and 2000 bytes are buffered; new lines are dropped (and counted) until it can',
      ],
      [
        undefined,
        out.dropped,
        `jsonlExporter: writing metrics.jsonl again; ${out.dropped} lines were dropped while it could not be written`,
      ],
    ]);
  }, 30_000);

  it('skips an event JSON cannot hold, with an error event, and keeps the others', () => {
    const file = join(dir, 'metrics.jsonl');
    const exporter = jsonlExporter(file, { contextAttributes: ['org'] });
    const errors: string[] = [];
    exporter.on('error', (e) => errors.push(e.message));
    const event = (org: unknown, i: number) => ({
      metric: 'tokens',
      value: i,
      variants: { inference_model: 'sonnet' },
      at: i,
      context: { org } as never,
    });
    expect(() => exporter.write(event(10n, 1))).not.toThrow();
    exporter.write(event('acme', 2));
    exporter.close();
    expect(errors).toEqual([
      'jsonlExporter: a tokens event could not be written as JSON (Do not know how to serialize a BigInt); it was skipped',
    ]);
    expect(readFileSync(file, 'utf8')).toBe(
      '{"at":2,"metric":"tokens","value":2,"variants":{"inference_model":"sonnet"},"context":{"org":"acme"}}\n',
    );
  });

  it('refuses, at construction, an interval that would make the timer spin and a buffer bound below the flush size', () => {
    expect(() => jsonlExporter(join(dir, 'm.jsonl'), { flushIntervalMs: 0 })).toThrow(
      'flushIntervalMs must be a positive number of milliseconds (got 0)',
    );
    expect(() => jsonlExporter(join(dir, 'm.jsonl'), { flushBytes: 10, maxBufferBytes: 5 })).toThrow(
      'maxBufferBytes (5) must be at least flushBytes (10)',
    );
  });
});
