/**
 * End to end: retire `inference_model` in a copy of examples/inference-service keeping
 * claude-sonnet-4-6; the service must still type check and serve that model to everyone,
 * including the internal users the registry used to send to Opus.
 */
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeFlag, type RemovalReport } from '../../codemods/remove-flag.js';
import { compilerOptionsFor } from '../../codemods/verify.js';

const REPO = join(import.meta.dirname, '..', '..');
let work: string;
let first: RemovalReport;
let report: RemovalReport;

// Inside the repository, so `modelflags` and the SDKs resolve as they do for the example itself.
beforeAll(async () => {
  work = mkdtempSync(join(import.meta.dirname, '.example-'));
  cpSync(join(REPO, 'examples', 'inference-service'), work, { recursive: true });
  const retire = () => removeFlag({ flags: [{ flag: 'inference_model', keep: 'claude-sonnet-4-6' }], cwd: work });
  first = await retire();
  // What the human does with the sites the first run lists: the demo scripts roll this very flag
  // out (by editing flags.json, on a schedule under a guardrail, and across a fleet under the
  // guard), so they go with the flag.
  for (const demo of ['demo.ts', 'rollout-demo.ts', 'simulation.ts', 'fleet'])
    rmSync(join(work, demo), { recursive: true });
  report = await retire();
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.tsx?$/.test(f))
    .map((f) => join(dir, f));
}

describe('remove-flag on examples/inference-service', () => {
  it('first cleans the reads but keeps the entry (collapsed) while the demo scripts still name the key', () => {
    expect(first.errors).toEqual([]);
    const sites = first.unresolved.map((s) => `${s.file}:${s.line}`);
    expect(sites[0]).toBe('demo.ts:56');
    expect(first.unresolved[0]!.reason).toContain('does not recognise as a read');
    // The rollout demo names the key in the guardrail's options, in the schedule it writes and in
    // what it prints: every one of those sites is listed, none is rewritten.
    expect(sites.length).toBeGreaterThan(1);
    for (const site of sites.slice(1)) expect(site).toMatch(/^(rollout-demo|simulation|fleet\/fleet)\.ts:\d+$/);
    expect(first.exitCode).toBe(1);
    expect(first.written).toBe(true);
    expect(first.registry?.action).toBe('collapsed');
    expect(first.changedFiles.map((f) => f.file)).toContain('src/server.ts');
  });

  it('cleans every read and removes the flag from the registry and the typed module', () => {
    expect(report.errors).toEqual([]);
    expect(report.unresolved).toEqual([]);
    expect(report.exitCode).toBe(0);
    expect(report.written).toBe(true);
    expect(report.registry?.action).toBe('removed');
    expect(readFileSync(join(work, 'flags.json'), 'utf8')).not.toContain('inference_model');
    const server = readFileSync(join(work, 'src', 'server.ts'), 'utf8');
    expect(server).not.toContain("'inference_model'");
    expect(server).toContain("model: 'claude-sonnet-4-6'");
    expect(readFileSync(join(work, 'src', 'flags.generated.ts'), 'utf8')).not.toContain('inference_model');
  });

  it('still type checks', () => {
    const program = ts.createProgram({
      rootNames: sourceFiles(work),
      options: { ...compilerOptionsFor(REPO), noEmit: true },
    });
    const errors = ts
      .getPreEmitDiagnostics(program)
      .map(
        (d) =>
          `${d.file ? relative(work, d.file.fileName) : ''}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`,
      );
    expect(errors).toEqual([]);
  });

  it("passes the service's own tests, whose flag reads were inlined too", () => {
    const serviceTest = readFileSync(join(work, 'test', 'server.test.ts'), 'utf8');
    expect(serviceTest).not.toContain("'inference_model'");
    const run = spawnSync(
      process.execPath,
      [join(REPO, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--root', work],
      { cwd: work, encoding: 'utf8', timeout: 120_000 },
    );
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/Tests\s+.*3 passed/);
  }, 150_000);

  it('serves the kept model to every user', async () => {
    const mod = (await import(
      pathToFileURL(join(work, 'src', 'server.ts')).href
    )) as typeof import('../../examples/inference-service/src/server.js');
    const flags = mod.createFlagsFromFile(join(work, 'flags.json'));
    const server = mod.createInferenceServer(flags, {
      complete: async (request) => ({
        model: request.model,
        content: `answered by ${request.model}`,
        usage: { inputTokens: 1, outputTokens: 1 },
      }),
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      for (const query of ['segment=internal&user=ann', 'customer=acme&user=bob', 'user=carol']) {
        const body = (await (await fetch(`${base}/chat?${query}`)).json()) as { model?: string };
        expect(body.model, query).toBe('claude-sonnet-4-6');
      }
    } finally {
      server.close();
      flags.close();
    }
  });
});
