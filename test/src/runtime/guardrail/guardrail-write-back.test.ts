/**
 * The guardrail's write-back under faults (issue #10, items 13 and 14): a registry that is invalid
 * at the moment of the trip, saves that land between the write-back's read and its rename, a
 * read-only file, symlinks, mode bits and bytes that are not UTF-8. Real files and a real file
 * source throughout; the concurrent save is injected through `writeKillSwitch`'s `afterRead`
 * seam, the retry timer is driven with fake timers over a static source.
 */
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createFlags, type ChangeEvent, type Flags } from '../../../../src/runtime/flags.js';
import { createGuardrail, writeKillSwitch } from '../../../../src/runtime/guardrail/guardrail.js';
import { fileSource } from '../../../../src/runtime/sources/file.js';
import { staticSource } from '../../../../src/runtime/sources/static.js';

const REGISTRY_TEXT = `{
  "flags": [
    {
      "flag": "inference_model",
      "variants": ["haiku", "sonnet"],
      "default": "haiku",
      "rules": [ { "condition": { "user_segment": "beta" }, "value": "sonnet" } ]
    },
    { "flag": "retrieval_top_k", "default": 4, "variants": [4, 8] }
  ]
}
`;
/** A save by someone else that does not touch the guarded flag. */
const UNRELATED_SAVE = REGISTRY_TEXT.replace('"default": 4', '"default": 8');
const killed = (text: string): string =>
  text.replace('"flag": "inference_model",', '"flag": "inference_model",\n      "enabled": false,');
const BETA = { targetingKey: 'b', user_segment: 'beta' };

/** Sends enough traffic, the arms interleaved as in service, for the guardrail to find sonnet failing half the time. */
function trip(flags: Flags): void {
  for (let i = 0; i < 200; i++) {
    for (const g of [2 * i, 2 * i + 1])
      flags.track(flags.record({ targetingKey: `ga-${g}`, user_segment: 'ga' }), 'error', false);
    flags.track(flags.record({ targetingKey: `beta-${i}`, user_segment: 'beta' }), 'error', i % 2 === 0);
  }
}

function nextChange(flags: Flags, accept: (event: ChangeEvent) => boolean): Promise<ChangeEvent> {
  return new Promise((resolve) => {
    const off = flags.on('change', (event) => {
      if (!accept(event)) return;
      off();
      resolve(event);
    });
  });
}

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'modelflags-write-back-'));
  file = join(dir, 'flags.json');
  writeFileSync(file, REGISTRY_TEXT);
});
afterEach(() => {
  vi.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

describe('a kill holds until the file says so (item 13)', () => {
  it('keeps the flag off through a save made while the file still says enabled: true, and writes the kill on that reload', async () => {
    const flags = createFlags({ source: fileSource(file, { pollIntervalMs: 20 }) });
    const guardrail = createGuardrail({
      flags,
      flag: 'inference_model',
      action: 'kill',
      checks: [{ metric: 'error', threshold: 0.01 }],
      writeBack: file,
    });
    const errors: string[] = [];
    guardrail.on('error', (e) => errors.push(e.message));

    const invalid = '{ "flags": [ { "flag": "inference_model",, } ] }\n';
    writeFileSync(file, invalid);
    trip(flags);
    expect(guardrail.state).toBe('tripped');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`could not write enabled: false to ${file}: ${file}:1:42: expected a property name`);
    expect(errors[0]).toContain('retrying in 1 s and on every reload');
    expect(readFileSync(file, 'utf8')).toBe(invalid);

    const reloaded = nextChange(flags, (e) => e.origin === file);
    writeFileSync(file, UNRELATED_SAVE);
    await reloaded;
    expect(flags.get('inference_model', BETA)).toBe('haiku');
    expect(guardrail.state).toBe('tripped');
    // The reload found the file valid, so the write-back went through, on the saved text.
    expect(readFileSync(file, 'utf8')).toBe(killed(UNRELATED_SAVE));
    expect(errors).toHaveLength(1);

    // The file source picks up the write-back: the file now says the flag is off...
    await nextChange(flags, () => flags.registry()?.byKey.get('inference_model')?.enabled === false);
    expect(guardrail.state).toBe('tripped');
    // ...and a person turning it back on is a new rollout.
    const turnedOn = nextChange(flags, (e) => e.origin === file);
    writeFileSync(file, killed(UNRELATED_SAVE).replace('"enabled": false', '"enabled": true'));
    await turnedOn;
    expect(guardrail.state).toBe('watching');
    expect(guardrail.eValues()).toEqual({});
    expect(flags.get('inference_model', BETA)).toBe('sonnet');
    flags.close();
    guardrail.close();
  });

  it('retries a failed write-back with a bounded backoff, and stops once it is written', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const flags = createFlags({ source: staticSource(REGISTRY_TEXT) });
    const guardrail = createGuardrail({
      flags,
      flag: 'inference_model',
      action: 'kill',
      checks: [{ metric: 'error', threshold: 0.01 }],
      writeBack: file,
    });
    const errors: string[] = [];
    guardrail.on('error', (e) => errors.push(e.message));
    chmodSync(file, 0o444);
    trip(flags);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`${file} is read-only; it was not written`);

    // 1, 2, 4, ... seconds, doubling up to a minute and staying there.
    const delays = [1, 2, 4, 8, 16, 32, 60, 60, 60];
    for (const [i, seconds] of delays.entries()) {
      expect(errors[i]).toContain(`retrying in ${seconds} s`);
      vi.advanceTimersByTime(seconds * 1000 - 1);
      expect(errors).toHaveLength(i + 1);
      vi.advanceTimersByTime(1);
      expect(errors).toHaveLength(i + 2);
    }

    chmodSync(file, 0o640);
    vi.advanceTimersByTime(60_000);
    expect(errors).toHaveLength(delays.length + 1);
    expect(readFileSync(file, 'utf8')).toBe(killed(REGISTRY_TEXT));
    expect(statSync(file).mode & 0o777).toBe(0o640);
    expect(vi.getTimerCount()).toBe(0);
    expect(guardrail.state).toBe('tripped');
    guardrail.close();
  });

  it('lets go when a person lifts the kill: no more retries, watching again', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const flags = createFlags({ source: staticSource(REGISTRY_TEXT) });
    const guardrail = createGuardrail({
      flags,
      flag: 'inference_model',
      action: 'kill',
      checks: [{ metric: 'error', threshold: 0.01 }],
      writeBack: file,
    });
    const errors: string[] = [];
    guardrail.on('error', (e) => errors.push(e.message));
    chmodSync(file, 0o444);
    trip(flags);
    expect(errors).toHaveLength(1);
    expect(guardrail.lift()).toBe(true);
    expect(guardrail.state).toBe('watching');
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(600_000);
    expect(errors).toHaveLength(1);
    expect(readFileSync(file, 'utf8')).toBe(REGISTRY_TEXT);
    expect(guardrail.lift()).toBe(false);
    guardrail.close();
  });
});

describe('the write-back keeps what the user has (item 14)', () => {
  it('keeps a save that lands between its read and its rename, and makes the change on the saved text', () => {
    const reads: number[] = [];
    writeKillSwitch(file, 'inference_model', {
      afterRead: (attempt) => {
        reads.push(attempt);
        if (attempt === 1) writeFileSync(file, UNRELATED_SAVE);
      },
    });
    expect(readFileSync(file, 'utf8')).toBe(killed(UNRELATED_SAVE));
    expect(reads).toEqual([1, 2]);
  });

  it('gives up after saves keep landing, leaving the last save in place', () => {
    let saves = 0;
    const save = (): void =>
      writeFileSync(file, REGISTRY_TEXT.replace('"default": 4', `"default": 4, "description": "save ${++saves}"`));
    expect(() => writeKillSwitch(file, 'inference_model', { afterRead: save })).toThrow(
      `${file} changed on disk after it was read`,
    );
    expect(saves).toBe(5);
    expect(readFileSync(file, 'utf8')).toContain('"description": "save 5"');
    expect(readFileSync(file, 'utf8')).not.toContain('"enabled"');
  });

  it('writes through a symlink to its target, keeping the mode, the BOM and CRLF line ends', () => {
    const real = join(dir, 'config');
    mkdirSync(real);
    const target = join(real, 'flags.json');
    const text = `\uFEFF${REGISTRY_TEXT.replaceAll('\n', '\r\n')}`;
    writeFileSync(target, text, { mode: 0o640 });
    chmodSync(target, 0o640);
    rmSync(file);
    symlinkSync(target, file);

    const flags = createFlags({ source: staticSource(REGISTRY_TEXT) });
    const guardrail = createGuardrail({
      flags,
      flag: 'inference_model',
      action: 'kill',
      checks: [{ metric: 'error', threshold: 0.01 }],
      writeBack: file,
    });
    trip(flags);
    expect(guardrail.state).toBe('tripped');
    expect(lstatSync(file).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe(
      text.replace('"flag": "inference_model",', '"flag": "inference_model",\r\n      "enabled": false,'),
    );
    expect(statSync(target).mode & 0o777).toBe(0o640);
    guardrail.close();
  });

  it('does not rewrite a file that is not valid UTF-8: an error event, every byte left as it was', () => {
    const latin1 = Buffer.from(
      REGISTRY_TEXT.replace('"default": 4', '"default": 4, "description": "caf\u00e9"'),
      'latin1',
    );
    writeFileSync(file, latin1);
    const flags = createFlags({ source: staticSource(REGISTRY_TEXT) });
    const guardrail = createGuardrail({
      flags,
      flag: 'inference_model',
      action: 'kill',
      checks: [{ metric: 'error', threshold: 0.01 }],
      writeBack: file,
    });
    const errors: string[] = [];
    guardrail.on('error', (e) => errors.push(e.message));
    trip(flags);
    expect(guardrail.state).toBe('tripped');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`${file} is not valid UTF-8, so it was not rewritten`);
    expect(readFileSync(file).equals(latin1)).toBe(true);
    guardrail.close();
  });
});
