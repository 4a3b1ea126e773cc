/** Exports of registries whose names are also JavaScript's own property names. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlagdCore } from '@openfeature/flagd-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFlags, staticSource } from '../../../src/index.js';
import { runCli } from '../../support/cli.js';

let dir: string;

// Valid registry: variants may be any string, flag keys any lower-case name.
const REGISTRY = {
  flags: [
    {
      flag: 'constructor',
      variants: ['__proto__', 'constructor', 'toString'],
      default: '__proto__',
      cleanup_by: '2027-01-01',
      rules: [
        { condition: { user_segment: 'beta' }, split: { __proto__: 50, toString: 50 } },
        { condition: { user_segment: 'internal' }, value: 'constructor' },
      ],
    },
  ],
};
// JSON.stringify of a literal with a `__proto__` key would set the prototype instead; write the split by hand.
const REGISTRY_TEXT = JSON.stringify(REGISTRY, null, 2).replace(
  '"split": {\n            "toString": 50\n          }',
  '"split": { "__proto__": 50, "toString": 50 }',
);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'modelflags-export-input-'));
  writeFileSync(join(dir, 'flags.json'), REGISTRY_TEXT);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('export of __proto__ and other built-in names', () => {
  it('the registry holds a __proto__ variant and a split onto it, and check accepts it', async () => {
    expect(REGISTRY_TEXT).toContain('"split": { "__proto__": 50, "toString": 50 }');
    expect(await runCli(['check'], dir)).toMatchObject({ code: 0, err: '' });
  });

  it('flagd: keeps the __proto__ variant, and flagd serves what we serve', async () => {
    expect(await runCli(['export', '--to', 'flagd', '--out', 'flagd.json'], dir)).toMatchObject({ code: 0, err: '' });
    const text = readFileSync(join(dir, 'flagd.json'), 'utf8');
    const doc = JSON.parse(text) as {
      flags: Record<string, { variants: Record<string, unknown>; defaultVariant: string }>;
    };
    const flag = doc.flags['constructor']!;
    expect(Object.entries(flag.variants)).toEqual([
      ['__proto__', '__proto__'],
      ['constructor', 'constructor'],
      ['toString', 'toString'],
    ]);
    const core = new FlagdCore();
    core.setConfigurations(text);
    const ours = createFlags({ source: staticSource(REGISTRY_TEXT) });
    const served = new Set<unknown>();
    const contexts: Record<string, string>[] = [
      { targetingKey: 'u1' },
      { targetingKey: 'u2', user_segment: 'internal' },
      ...['a', 'b', 'c', 'd', 'e', 'f'].map((k) => ({ targetingKey: k, user_segment: 'beta' })),
    ];
    for (const context of contexts) {
      const resolved = core.resolveStringEvaluation('constructor', 'fallback', context);
      expect(resolved.errorCode).toBeUndefined();
      expect(resolved.value).toBe(ours.get('constructor', context));
      served.add(resolved.value);
    }
    // The contexts reach every variant, the split's __proto__ share included.
    expect([...served].sort()).toEqual(['__proto__', 'constructor', 'toString']);
    ours.close();
  });

  it('appconfig and launchdarkly: keep every variant', async () => {
    for (const target of ['appconfig', 'launchdarkly']) {
      const { code, out } = await runCli(['export', '--to', target], dir);
      expect(code).toBe(0);
      for (const v of ['__proto__', 'constructor', 'toString']) expect(out).toContain(`"${v}"`);
    }
    const ld = JSON.parse((await runCli(['export', '--to', 'launchdarkly'], dir)).out) as {
      flags: Record<string, { variations: unknown[] }>;
    };
    expect(ld.flags['constructor']!.variations).toEqual(['__proto__', 'constructor', 'toString']);
  });
});
