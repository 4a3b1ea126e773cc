/** `modelflags audit` on rollouts: as of --today, a rollout that reached 100% is ready to remove, a live one is not. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';

const steps = [{ percent: 10, hold: '7d' }, { percent: 100 }];
const REGISTRY = {
  flags: [
    {
      flag: 'inference_model',
      cleanup_by: '2027-01-01',
      variants: ['haiku', 'sonnet'],
      default: 'haiku',
      rules: [{ condition: {}, rollout: { variant: 'sonnet', start: '2026-06-01T09:00:00Z', steps } }],
    },
    {
      flag: 'system_prompt_version',
      cleanup_by: '2026-06-03',
      variants: ['v3', 'v4'],
      default: 'v3',
      rules: [{ condition: {}, rollout: { variant: 'v4', start: '2026-05-01T09:00:00Z', steps } }],
    },
  ],
};

let project: string;
beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'modelflags-audit-rollouts-'));
  writeFileSync(join(project, 'flags.json'), JSON.stringify(REGISTRY, null, 2));
  mkdirSync(join(project, 'src'));
  writeFileSync(
    join(project, 'src/chat.ts'),
    "import { createFlags, fileSource } from 'modelflags';\nconst flags = createFlags({ source: fileSource('flags.json') });\nexport const answer = (ctx: { targetingKey: string }) => [flags.get('inference_model', ctx), flags.get('system_prompt_version', ctx)];\n",
  );
});
afterAll(() => rmSync(project, { recursive: true, force: true }));

describe('modelflags audit with rollouts', () => {
  it('sees each rollout at its step as of --today: one at 100% is ready to remove, keeping its variant', async () => {
    // inference_model is at 10% until 2026-06-08T09:00:00Z: not ready.
    const { out } = await runCli(['audit', '--today', '2026-06-05', '--format', 'json'], project);
    const findings = (
      JSON.parse(out) as { findings: { kind: string; flag: string; message: string; command: string }[] }
    ).findings;
    expect(findings.map((f) => [f.kind, f.flag, f.message, f.command])).toEqual([
      [
        'expired',
        'system_prompt_version',
        'system_prompt_version was due for removal on 2026-06-03 (read in 1 place)',
        'npx remove-flag system_prompt_version --keep v4',
      ],
      [
        'ready-to-remove',
        'system_prompt_version',
        'system_prompt_version serves "v4" to everyone: rule 1\'s rollout reached 100% (read in 1 place)',
        'npx remove-flag system_prompt_version --keep v4',
      ],
    ]);
  });

  it('the day after a rollout reaches 100%, it is ready to remove', async () => {
    const { out } = await runCli(['audit', '--today', '2026-06-09', '--format', 'json'], project);
    const findings = (JSON.parse(out) as { findings: { kind: string; flag: string; message: string }[] }).findings;
    expect(findings.find((f) => f.flag === 'inference_model')).toMatchObject({
      kind: 'ready-to-remove',
      message: 'inference_model serves "sonnet" to everyone: rule 1\'s rollout reached 100% (read in 1 place)',
    });
  });
});
