/**
 * fileSource hot reload against real files and real fs watching, for the three ways a registry
 * gets replaced. Waits are generous and only ever wait for an outcome; nothing here is timed.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFlags, fileSource, type ChangeEvent, type Flags, type FlagsErrorEvent } from '../../../../src/index.js';
import { registryFile, UPDATE_KINDS, type RegistryFile } from '../support/file-updates.js';

interface FlagJson {
  flag: string;
  [field: string]: unknown;
}

const MODEL: FlagJson = {
  flag: 'inference_model',
  dimension: 'model',
  variants: ['claude-3-haiku', 'claude-sonnet-4-6', 'claude-opus-4-6'],
  default: 'claude-3-haiku',
  rules: [{ condition: { user_segment: 'internal' }, value: 'claude-opus-4-6' }],
};
const PROMPT: FlagJson = {
  flag: 'system_prompt_version',
  dimension: 'prompt',
  description: 'prompt',
  variants: ['v3', 'v4'],
  default: 'v3',
};
const TOP_K: FlagJson = { flag: 'retrieval_top_k', dimension: 'retrieval', variants: [5, 10], default: 5 };

const doc = (...flags: FlagJson[]): string => JSON.stringify({ flags }, null, 2);
const INITIAL = doc(MODEL, PROMPT, TOP_K);
const INTERNAL = { targetingKey: 'u1', user_segment: 'internal' };

async function waitFor(what: string, predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.each(UPDATE_KINDS)('fileSource, %s updates', (kind) => {
  let file: RegistryFile;
  let flags: Flags;
  let changes: ChangeEvent[];
  let errors: FlagsErrorEvent[];

  beforeEach(() => {
    file = registryFile(kind, INITIAL);
    flags = createFlags({ source: fileSource(file.path) });
    changes = [];
    errors = [];
    flags.on('change', (e) => changes.push(e));
    flags.on('error', (e) => errors.push(e));
  });

  afterEach(() => {
    flags.close();
    file.cleanup();
  });

  it('serves the change without a restart and names exactly the flags that changed', async () => {
    expect(flags.get('inference_model', INTERNAL)).toBe('claude-opus-4-6');

    // One flag's targeting changes; another changes only in a field evaluation ignores.
    const edited = { ...MODEL, rules: [{ condition: { user_segment: 'internal' }, value: 'claude-sonnet-4-6' }] };
    file.write(doc(edited, { ...PROMPT, description: 'reworded' }, TOP_K));
    await waitFor('the edit to be served', () => flags.get('inference_model', INTERNAL) === 'claude-sonnet-4-6');
    await waitFor('a change event', () => changes.length > 0);
    expect(changes.map((c) => c.flagsChanged)).toEqual([['inference_model']]);

    // A flag removed and another added are both named; untouched ones are not.
    file.write(
      doc(edited, PROMPT, {
        flag: 'response_format',
        dimension: 'format',
        variants: ['json', 'text'],
        default: 'json',
      }),
    );
    await waitFor('the new flag to be served', () => flags.get('response_format', {}) === 'json');
    await waitFor('a second change event', () => changes.length > 1);
    expect(changes[1]!.flagsChanged.sort()).toEqual(['response_format', 'retrieval_top_k']);
    expect(flags.detail('retrieval_top_k', {}).errorCode).toBe('FLAG_NOT_FOUND');
    expect(errors.filter((e) => e.code === 'PARSE_ERROR')).toEqual([]);
  });

  it('rejects invalid documents with an error event and keeps serving the last good one', async () => {
    const invalid: [string, () => void, RegExp][] = [
      ['a truncated file', () => file.write(INITIAL.slice(0, Math.floor(INITIAL.length / 2))), /invalid JSON/],
      ['bad JSON', () => file.write(INITIAL.replace('"default": "v3"', '"default": "v3",,')), /invalid JSON/],
      [
        'a schema error',
        () => file.write(doc(MODEL, { ...PROMPT, enabled: 'yes' }, TOP_K)),
        /"enabled" must be true or false/,
      ],
      [
        'an unknown variant',
        () =>
          file.write(
            doc(
              { ...MODEL, rules: [{ condition: { user_segment: 'internal' }, value: 'claude-sonet-4-6' }] },
              PROMPT,
              TOP_K,
            ),
          ),
        /"claude-sonet-4-6", which is not a variant/,
      ],
      ['a deleted file', () => file.remove(), /cannot read/],
    ];
    for (const [what, write, message] of invalid) {
      const before = errors.length;
      write();
      await waitFor(`an error event for ${what}`, () => errors.length > before);
      expect(errors.at(-1)!.message, what).toMatch(message);
      expect(errors.at(-1)!.code).toBe('PARSE_ERROR');
      // The last good snapshot keeps serving, targeting and all.
      expect(flags.get('inference_model', INTERNAL), what).toBe('claude-opus-4-6');
      expect(flags.get('retrieval_top_k', {}), what).toBe(5);
      expect(flags.detail('system_prompt_version', {}).errorCode).toBeUndefined();
    }
    expect(changes).toEqual([]);
    const unknownVariant = errors.find((e) => /claude-sonet-4-6/.test(e.message))!;
    expect(unknownVariant.issues.map((i) => i.flag)).toEqual(['inference_model']);
    expect(unknownVariant.issues[0]!.line).toBeGreaterThan(1);

    // And a valid document afterwards is picked up again.
    file.write(doc({ ...MODEL, default: 'claude-sonnet-4-6' }, PROMPT, TOP_K));
    await waitFor('recovery', () => flags.get('inference_model', { user_segment: 'external' }) === 'claude-sonnet-4-6');
    expect(changes.map((c) => c.flagsChanged)).toEqual([['inference_model']]);
  });
});
