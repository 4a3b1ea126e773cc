/**
 * Audit levels: expired and undeclared flags are errors, unused and ready-to-remove flags are
 * warnings, in text, JSON and SARIF alike, and `--fail-on` decides which level fails the run.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInProcess } from './support.js';

let project: string;
const write = (path: string, text: string): void => {
  mkdirSync(join(project, path, '..'), { recursive: true });
  writeFileSync(join(project, path), text);
};
const registry = (flags: object[]): void => write('flags.json', `${JSON.stringify({ flags }, null, 2)}\n`);

const ROLLING = {
  flag: 'rolling',
  owner: 't',
  cleanup_by: '2030-01-01',
  variants: ['a', 'b'],
  default: 'a',
  rules: [{ condition: { rollout_percentage: 10 }, value: 'b' }],
};
const BRAND_NEW = {
  flag: 'brand_new',
  owner: 't',
  cleanup_by: '2030-01-01',
  variants: ['a', 'b'],
  default: 'a',
  rules: [],
};
const NOT_LANDED = {
  flag: 'not_landed',
  owner: 't',
  cleanup_by: '2030-01-01',
  variants: ['a', 'b'],
  default: 'a',
  rules: [{ condition: { plan: 'pro' }, value: 'b' }],
};
const EXPIRED = {
  flag: 'expired',
  owner: 't',
  cleanup_by: '2026-01-01',
  variants: ['a', 'b'],
  default: 'a',
  rules: [{ condition: { rollout_percentage: 10 }, value: 'b' }],
};

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'modelflags-audit-levels-'));
  write(
    'src/app.ts',
    "import { createFlags, fileSource } from 'modelflags';\nconst flags = createFlags({ source: fileSource('flags.json') });\nexport const a = (u: string) => flags.get('rolling', { targetingKey: u });\nexport const b = (u: string) => flags.get('brand_new', { targetingKey: u });\n",
  );
});
afterAll(() => rmSync(project, { recursive: true, force: true }));

const audit = (...args: string[]) => runInProcess(['audit', '--today', '2026-06-01', '--no-color', ...args], project);

describe('audit levels', () => {
  it('a brand-new flag with no rules and a flag whose code has not landed are warnings: exit 0', async () => {
    registry([ROLLING, BRAND_NEW, NOT_LANDED]);
    const result = await audit();
    expect(result.stdout).toContain('warning  brand_new serves "a" to everyone: it has no rules (read in 1 place)');
    expect(result.stdout).toContain('warning  not_landed is in the registry but no code reads it');
    expect(result.stdout).toContain('1 files, flags.json: 0 problems, 2 warnings');
    expect(result.code).toBe(0);
    expect((await audit('--fail-on', 'warning')).code).toBe(1);
    expect((await audit('--fail-on', 'error')).code).toBe(0);
  });

  it('expired and undeclared flags are errors: exit 1, unless --fail-on none', async () => {
    registry([ROLLING, BRAND_NEW, EXPIRED]);
    write(
      'src/typo.ts',
      "import { createFlags, fileSource } from 'modelflags';\nconst flags = createFlags({ source: fileSource('flags.json') });\nexport const t = () => flags.get('rollin', {});\nexport const e = (u: string) => flags.get('expired', { targetingKey: u });\n",
    );
    try {
      const text = await audit();
      expect(text.code).toBe(1);
      expect(text.stdout).toMatch(/flags\.json:\d+:\d+ {2}error {2}expired was due for removal on 2026-01-01/);
      expect(text.stdout).toMatch(/src\/typo\.ts:3:\d+ {2}error {2}reads "rollin"/);
      expect((await audit('--fail-on', 'none')).code).toBe(0);

      const json = JSON.parse((await audit('--format', 'json')).stdout) as {
        findings: { kind: string; flag: string; level: string }[];
      };
      expect(json.findings.map((f) => [f.kind, f.flag, f.level])).toEqual([
        ['expired', 'expired', 'error'],
        ['ready-to-remove', 'brand_new', 'warning'],
        ['undeclared', 'rollin', 'error'],
      ]);
      const sarif = JSON.parse((await audit('--format', 'sarif')).stdout) as {
        runs: {
          tool: { driver: { rules: { id: string; defaultConfiguration: { level: string } }[] } };
          results: { ruleId: string; level: string }[];
        }[];
      };
      expect(sarif.runs[0]!.results.map((r) => [r.ruleId, r.level])).toEqual([
        ['modelflags/expired', 'error'],
        ['modelflags/ready-to-remove', 'warning'],
        ['modelflags/undeclared', 'error'],
      ]);
      expect(
        Object.fromEntries(sarif.runs[0]!.tool.driver.rules.map((r) => [r.id, r.defaultConfiguration.level])),
      ).toEqual({
        'modelflags/expired': 'error',
        'modelflags/ready-to-remove': 'warning',
        'modelflags/unused': 'warning',
        'modelflags/undeclared': 'error',
        'modelflags/unresolved': 'warning',
      });
    } finally {
      rmSync(join(project, 'src/typo.ts'));
    }
  });

  it('refuses an unknown --fail-on level', async () => {
    registry([ROLLING]);
    expect(await audit('--fail-on', 'warnings')).toMatchObject({
      code: 2,
      stdout: '',
      stderr: 'modelflags: --fail-on must be one of: error, warning, none (got "warnings")\n',
    });
  });
});
