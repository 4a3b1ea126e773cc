/**
 * The registry file under random abuse while a separate process serves flags from it (issue #10):
 * sequences of good and bad writes (in place or renamed over the file), truncations, documents
 * nested deeper than 256 levels, documents over `maxBytes`, invalid JSON and registry errors, a FIFO
 * or `/dev/zero` swapped in, the file removed. The serving process evaluates every flag in a loop
 * throughout. Properties: `get` never throws and only ever serves values a valid registry declares
 * (checked in the process, on every evaluation); after each step the process still answers and
 * serves the last good registry; it never dies.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { isType, ServingProcess, type ChildMessage } from '../runtime/support/serving-process.js';

const MODELS = ['claude-3-haiku', 'claude-sonnet-4-6', 'claude-opus-4-6'];
const MAX_BYTES = 64 * 1024;
const GENERATIONS = Array.from({ length: 5000 }, (_, i) => i);

type Step =
  | { kind: 'valid'; inPlace: boolean }
  | { kind: 'truncated'; inPlace: boolean; cut: number }
  | { kind: 'invalid'; inPlace: boolean; how: number }
  | { kind: 'deep'; inPlace: boolean; levels: number }
  | { kind: 'huge'; inPlace: boolean; bytes: number }
  | { kind: 'fifo' }
  | { kind: 'device' }
  | { kind: 'removed' };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('valid' as const), inPlace: fc.boolean() }),
  fc.record({
    kind: fc.constant('truncated' as const),
    inPlace: fc.boolean(),
    cut: fc.double({ min: 0, max: 0.999, noNaN: true }),
  }),
  fc.record({ kind: fc.constant('invalid' as const), inPlace: fc.boolean(), how: fc.nat(3) }),
  fc.record({
    kind: fc.constant('deep' as const),
    inPlace: fc.boolean(),
    levels: fc.integer({ min: 255, max: (MAX_BYTES - 1024) / 2 }),
  }),
  fc.record({
    kind: fc.constant('huge' as const),
    inPlace: fc.boolean(),
    bytes: fc.integer({ min: MAX_BYTES, max: 4 * 1024 * 1024 }),
  }),
  fc.constant({ kind: 'fifo' as const }),
  fc.constant({ kind: 'device' as const }),
  fc.constant({ kind: 'removed' as const }),
);

let dir: string;
let path: string;
let child: ServingProcess;
let nonce = 0;
let generation = 1;
/** What flags.json is now: only a regular file (or nothing) may be written in place. */
let current: 'regular' | 'missing' | 'fifo' | 'device' = 'regular';

/**
 * A registry whose first member is unique to this call, so that no two documents (or prefixes of
 * them past that member) are ever the same text, which the source would rightly ignore.
 */
function documentText(
  gen: number,
  pad = 0,
  description: string = JSON.stringify('ok'),
): { text: string; uniqueUpTo: number } {
  const head = `{\n  "$schema": "chaos-${++nonce}${'x'.repeat(pad)}",\n`;
  const text = `${head}  "flags": [
    { "flag": "inference_model", "variants": ${JSON.stringify(MODELS)}, "default": "claude-3-haiku", "description": ${description},
      "rules": [{ "condition": { "user_segment": "internal" }, "value": "claude-opus-4-6" }, { "condition": { "rollout_percentage": 30 }, "value": "claude-sonnet-4-6" }] },
    { "flag": "generation", "variants": [${gen}], "default": ${gen} }
  ]
}
`;
  return { text, uniqueUpTo: head.length };
}

function put(text: string, inPlace: boolean): void {
  if (inPlace && (current === 'regular' || current === 'missing')) writeFileSync(path, text);
  else swapIn((tmp) => writeFileSync(tmp, text));
  current = 'regular';
}

function swapIn(make: (tmp: string) => void): void {
  const tmp = join(dir, `.next.${++nonce}`);
  make(tmp);
  renameSync(tmp, path);
}

/** Does the step, and says which child message shows it was seen (undefined: it may not show). */
function apply(s: Step, previous: Step['kind'] | undefined): ((m: ChildMessage) => boolean) | undefined {
  const error = (pattern: RegExp) => isType('error', (m) => pattern.test(m.message));
  const repeat = s.kind === previous;
  switch (s.kind) {
    case 'valid': {
      const gen = ++generation;
      put(documentText(gen).text, s.inPlace);
      return isType('change', (m) => m.generation === gen);
    }
    case 'truncated': {
      const { text, uniqueUpTo } = documentText(generation + 1);
      // Cut somewhere before the closing brace: without only the trailing newline it would be valid.
      const end = text.trimEnd().length - 1;
      put(text.slice(0, uniqueUpTo + Math.floor(s.cut * (end - uniqueUpTo))), s.inPlace);
      return error(/^rejected .*invalid JSON/s);
    }
    case 'invalid': {
      const { text } = documentText(generation + 1);
      const broken = [
        text.replace(/\]\n\}\n$/, ',]\n}\n'), // a trailing comma
        text.replace('"flags"', 'flags'), // an unquoted key
        text.trimEnd().slice(0, -1), // the closing brace missing
        text.replace('"default": "claude-3-haiku"', '"default": "gpt-4"'), // valid JSON, not a declared variant
      ][s.how]!;
      put(broken, s.inPlace);
      return error(/^rejected /);
    }
    case 'deep':
      put(documentText(generation + 1, 0, `${'['.repeat(s.levels)}${']'.repeat(s.levels)}`).text, s.inPlace);
      return error(/nesting deeper than 256 levels/);
    case 'huge':
      put(documentText(generation + 1, s.bytes).text, s.inPlace);
      // Two oversized files of the same size give the same message, reported once.
      return repeat ? undefined : error(/more than maxBytes/);
    case 'fifo':
      swapIn((tmp) => execFileSync('mkfifo', [tmp]));
      current = 'fifo';
      // The same problem twice in a row is reported once.
      return repeat ? undefined : error(/it is a FIFO/);
    case 'device':
      swapIn((tmp) => symlinkSync('/dev/zero', tmp));
      current = 'device';
      return repeat ? undefined : error(/it is a character device/);
    case 'removed':
      rmSync(path, { force: true });
      current = 'missing';
      return repeat ? undefined : error(/ENOENT/);
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'modelflags-chaos-'));
  path = join(dir, 'flags.json');
  writeFileSync(path, documentText(generation).text);
  child = new ServingProcess({
    path,
    options: { pollIntervalMs: 50, maxBytes: MAX_BYTES },
    declared: { inference_model: MODELS, generation: GENERATIONS },
  });
  await child.next('startup', isType('started'));
});

afterAll(async () => {
  await child.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('never throws, serves only declared variants of valid registries and never dies, whatever happens to the file', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), async (steps) => {
      let previous: Step['kind'] | undefined;
      for (const s of steps) {
        const from = child.messages.length;
        const seen = apply(s, previous);
        previous = s.kind;
        if (seen) await child.next(`${s.kind} to be seen`, (m): m is ChildMessage => seen(m), from);
        // Alive, answering, and serving the last good registry.
        expect((await child.ping()).generation).toBe(generation);
      }
      // And a good document afterwards is served.
      const from = child.messages.length;
      const gen = ++generation;
      put(documentText(gen).text, false);
      await child.next(
        'recovery',
        isType('change', (m) => m.generation === gen),
        from,
      );
      expect(child.violations()).toEqual([]);
      expect(child.exitStatus()).toBeUndefined();
    }),
    // A failure here is a dead or blocked process; shrinking would only wait for it again and again.
    { numRuns: 60, endOnFailure: true },
  );
}, 120_000);
