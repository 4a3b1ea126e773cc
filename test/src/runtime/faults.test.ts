/**
 * The runtime under faults (issue #10, items 6, 7, 8 and 11): hostile registry files, thrown values
 * that cannot be printed, keys that are not strings, and options that would make timers misfire.
 * File faults run against a separate serving process (./support/serving-child.ts), because what
 * they used to do was block its event loop or kill it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createFlags,
  fileSource,
  httpSource,
  parseRegistry,
  staticSource,
  type FlagsErrorEvent,
} from '../../../src/index.js';
import { appConfigSource } from '../../../src/runtime/sources/appconfig.js';
import { isType, ServingProcess } from './support/serving-process.js';

const MODELS = ['claude-3-haiku', 'claude-sonnet-4-6', 'claude-opus-4-6'];
const registry = (generation: number, extra: Record<string, unknown> = {}): string =>
  JSON.stringify(
    {
      flags: [
        {
          flag: 'inference_model',
          variants: MODELS,
          default: 'claude-3-haiku',
          rules: [{ condition: { user_segment: 'internal' }, value: 'claude-opus-4-6' }],
        },
        { flag: 'generation', variants: [generation], default: generation },
      ],
      ...extra,
    },
    null,
    2,
  );

/** A registry whose `description` nests `levels` arrays deep: valid JSON that `JSON.parse` takes. */
const deepRegistry = (levels: number): string =>
  registry(0).replace(
    '"flags": [',
    `"flags": [{ "flag": "deep", "default": "a", "description": ${'['.repeat(levels)}${']'.repeat(levels)} },`,
  );

describe('fileSource against a serving process, while the file is replaced by hostile content', () => {
  let dir: string;
  let path: string;
  let child: ServingProcess;
  let generations = 0;

  /** Replaces flags.json the way deploy tools do: something new renamed over it. */
  const swapIn = (make: (tmp: string) => void): void => {
    const tmp = join(dir, `.next.${++generations}`);
    make(tmp);
    renameSync(tmp, path);
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'modelflags-faults-'));
    path = join(dir, 'flags.json');
    writeFileSync(path, registry(1));
  });
  afterEach(async () => {
    await child.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = (maxBytes?: number): ServingProcess =>
    (child = new ServingProcess({
      path,
      options: { pollIntervalMs: 50, ...(maxBytes ? { maxBytes } : {}) },
      declared: { inference_model: MODELS, generation: [1, 2, 3, 4] },
    }));

  /** The child answers, still serves `generation`, and picks up a good document afterwards. */
  const expectServing = async (generation: number): Promise<void> => {
    expect((await child.ping()).generation).toBe(generation);
    const from = child.messages.length;
    swapIn((tmp) => writeFileSync(tmp, registry(generation + 1)));
    await child.next(
      `generation ${generation + 1}`,
      isType('change', (m) => m.generation === generation + 1),
      from,
    );
    expect(child.violations()).toEqual([]);
  };

  it('rejects a registry nested deeper than 256 levels with an error event, and lives on (item 6)', async () => {
    await start().next('startup', isType('started'));
    swapIn((tmp) => writeFileSync(tmp, deepRegistry(300)));
    const error = await child.next('the deep document to be rejected', isType('error'));
    expect(error.message).toMatch(
      /^rejected .*flags\.json; still serving the last good registry:\n.*flags\.json:\d+:\d+: invalid JSON: nesting deeper than 256 levels$/,
    );
    await expectServing(1);
  }, 60_000);

  it('refuses a FIFO, a device and an oversized file swapped in, with error events, and lives on (item 7)', async () => {
    await start(64 * 1024).next('startup', isType('started'));
    swapIn((tmp) => execFileSync('mkfifo', [tmp]));
    expect((await child.next('the FIFO to be refused', isType('error'))).message).toMatch(
      /^cannot read .*flags\.json: it is a FIFO \(named pipe\), not a regular file; .*still serving the last good registry$/,
    );
    expect((await child.ping()).generation).toBe(1);

    let from = child.messages.length;
    swapIn((tmp) => symlinkSync('/dev/zero', tmp));
    expect((await child.next('/dev/zero to be refused', isType('error'), from)).message).toMatch(
      /it is a character device, not a regular file/,
    );
    expect((await child.ping()).generation).toBe(1);

    from = child.messages.length;
    swapIn((tmp) => writeFileSync(tmp, registry(1, { $schema: 'x'.repeat(100 * 1024) })));
    expect((await child.next('the oversized file to be refused', isType('error'), from)).message).toMatch(
      /it is \d+ bytes, more than maxBytes \(65536 bytes\)/,
    );
    await expectServing(1);
  }, 60_000);

  it('refuses to start on a FIFO, with a message instead of blocking forever (item 7)', async () => {
    rmSync(path);
    execFileSync('mkfifo', [path]);
    const fatal = await start().next('createFlags to refuse the FIFO', isType('fatal'));
    expect(fatal.message).toMatch(
      /^modelflags: no valid registry in .*flags\.json: cannot read .*flags\.json: it is a FIFO \(named pipe\), not a regular file/,
    );
  }, 60_000);
});

describe('a source never throws from its timers (item 6)', () => {
  it('a sink whose document() throws gets the failure through error(), from the file watch', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'modelflags-sink-'));
    const path = join(dir, 'flags.json');
    writeFileSync(path, registry(1));
    const reported: string[] = [];
    const stop = fileSource(path, { pollIntervalMs: 20 }).watch!({
      document: () => {
        throw Object.create(null);
      },
      error: (e) => reported.push(e.message),
    });
    try {
      writeFileSync(path, registry(2));
      while (reported.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(reported[0]).toMatch(/^rejected .*flags\.json: \[object Object\]$/);
    } finally {
      stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('every parse path bounds the depth and reports instead of throwing (item 6)', () => {
  it('parseRegistry, lenient (the runtime) and strict (the CLI), returns the nesting issue with its position', () => {
    for (const strict of [false, true]) {
      const { registry: parsed, issues } = parseRegistry(deepRegistry(300), 'flags.json', { strict });
      expect(parsed).toBeUndefined();
      // At the 255th bracket of the description, the first value deeper than 256 levels.
      expect(issues).toEqual([
        expect.objectContaining({
          file: 'flags.json',
          line: 2,
          column: 61 + 255,
          message: 'invalid JSON: nesting deeper than 256 levels',
        }),
      ]);
    }
    // 256 levels are fine (the description is the 3rd); the limit is the strict parser's, so `check` and the runtime agree.
    expect(parseRegistry(deepRegistry(254), 'flags.json', { strict: false }).issues.map((i) => i.message)).toEqual([
      expect.stringMatching(/"description" must be a string/),
    ]);
  });

  it('staticSource: createFlags says why, for deep text and for objects JSON cannot write', () => {
    expect(() => createFlags({ source: staticSource(deepRegistry(300)) })).toThrow(
      /no valid registry in <static registry>: .*nesting deeper than 256 levels/s,
    );
    const cyclic: Record<string, unknown> = { flags: [] };
    cyclic['self'] = cyclic;
    expect(() => createFlags({ source: staticSource(cyclic) })).toThrow(
      /^modelflags: no valid registry in <static registry>: cannot read <static registry>: the registry object cannot be written as JSON \(Converting circular structure/,
    );
  });
});

describe('get, detail and track never throw (item 8)', () => {
  const flags = createFlags({ source: staticSource(registry(1)) });
  const errors: FlagsErrorEvent[] = [];
  flags.on('error', (e) => errors.push(e));
  flags.on('track', () => undefined);

  const unprintable: [string, unknown][] = [
    ['a null-prototype object', Object.create(null)],
    [
      'an object whose toString throws',
      {
        toString: () => {
          throw new Error('no');
        },
      },
    ],
    [
      'a revoked proxy',
      (() => {
        const p = Proxy.revocable({}, {});
        p.revoke();
        return p.proxy;
      })(),
    ],
    [
      'an Error whose message getter throws',
      Object.defineProperty(new Error(), 'message', {
        get: () => {
          throw new Error('no');
        },
      }),
    ],
  ];

  it.each(unprintable)('a context whose getter throws %s is served the default, reported in an event', (_, thrown) => {
    const context = Object.defineProperty({}, 'user_segment', {
      get: () => {
        throw thrown;
      },
      enumerable: true,
    });
    errors.length = 0;
    expect(flags.get('inference_model', context)).toBe('claude-3-haiku');
    expect(flags.detail('inference_model', context)).toMatchObject({
      value: 'claude-3-haiku',
      reason: 'ERROR',
      errorCode: 'INVALID_CONTEXT',
    });
    expect(() => flags.track(context, 'latency_ms', 5)).not.toThrow();
    expect(errors.map((e) => [e.code, e.flag])).toEqual([
      ['INVALID_CONTEXT', 'inference_model'],
      ['INVALID_CONTEXT', 'inference_model'],
    ]);
    expect(errors[0]!.message).toMatch(
      /^inference_model: reading the evaluation context threw \(.+\); served the default$/,
    );
  });

  it('keys and metric names that are not strings are unknown flags and dropped samples, not throws', () => {
    errors.length = 0;
    const key = Symbol('inference_model') as unknown as 'inference_model';
    expect(flags.get(key)).toBeUndefined();
    expect(flags.detail(key)).toMatchObject({
      value: undefined,
      reason: 'ERROR',
      errorCode: 'FLAG_NOT_FOUND',
      errorMessage: 'Symbol(inference_model): not a flag key (keys are strings); served undefined',
    });
    expect(flags.get(Object.create(null) as 'inference_model')).toBeUndefined();
    flags.track({}, Symbol('latency') as unknown as string, 5);
    flags.track({}, 'latency_ms', Object.create(null) as number);
    expect(errors.map((e) => e.message)).toEqual([
      'Symbol(inference_model): not a flag key (keys are strings); served undefined',
      'Symbol(inference_model): not a flag key (keys are strings); served undefined',
      '[object Object]: not a flag key (keys are strings); served undefined',
      'track(Symbol(latency)): the metric name must be a string; the sample was dropped',
      'track("latency_ms"): the value must be a finite number or a boolean (got [object Object]); the sample was dropped',
    ]);
  });

  it('a clock that throws drops the sample with an event', () => {
    const clocked = createFlags({
      source: staticSource(registry(1)),
      clock: () => {
        throw Object.create(null);
      },
    });
    const seen: string[] = [];
    clocked.on('error', (e) => seen.push(e.message));
    clocked.on('track', () => undefined);
    expect(() => clocked.track({}, 'latency_ms', 5)).not.toThrow();
    expect(seen).toEqual(['track("latency_ms"): the clock option threw ([object Object]); the sample was dropped']);
  });
});

describe('duration and size options are validated where the source is created (item 11)', () => {
  const bad: [unknown, string][] = [
    [Number.NaN, 'NaN'],
    [-1, '-1'],
    [0, '0'],
    ['5000', '"5000"'],
    [null, 'a null'],
  ];
  it.each(bad)('pollIntervalMs %s is refused with a message naming the source and the option', (value, shown) => {
    const options = { pollIntervalMs: value as number };
    expect(() => fileSource('flags.json', options)).toThrow(
      `fileSource: pollIntervalMs must be a positive number of milliseconds, got ${shown}`,
    );
    expect(() => httpSource('http://127.0.0.1/flags.json', options)).toThrow(
      `httpSource: pollIntervalMs must be a positive number of milliseconds, got ${shown}`,
    );
    expect(() => appConfigSource({ application: 'a', environment: 'e', profile: 'p', ...options })).toThrow(
      `appConfigSource: pollIntervalMs must be a positive number of milliseconds, got ${shown}`,
    );
  });

  it('refuses a maxBytes that is not a positive number', () => {
    expect(() => fileSource('flags.json', { maxBytes: 0 })).toThrow(
      'fileSource: maxBytes must be a positive number of bytes, got 0',
    );
    expect(() => httpSource('http://127.0.0.1/flags.json', { maxBytes: Number.NaN })).toThrow(
      'httpSource: maxBytes must be a positive number of bytes, got NaN',
    );
  });
});
