import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAudit } from '../../../src/cli/audit/audit.js';
import * as detection from '../../../rules/detection/index.js';
import { runModelflagsCli } from '../../../src/cli/main.js';
import { SARIF_SUBSET_SCHEMA } from './sarif-schema.js';
import { runCli } from '../../support/cli.js';

let project: string;

function write(path: string, text: string): void {
  mkdirSync(dirname(join(project, path)), { recursive: true });
  writeFileSync(join(project, path), text);
}

const REGISTRY = `{
  "flags": [
    { "flag": "inference_model", "cleanup_by": "2027-03-31", "variants": ["haiku", "sonnet"], "default": "haiku",
      "rules": [ { "condition": { "rollout_percentage": 10 }, "value": "sonnet" } ] },
    { "flag": "system_prompt_version", "cleanup_by": "2026-01-15", "owner": "ml-platform", "variants": ["v3", "v4"], "default": "v3",
      "rules": [ { "condition": { "user_segment": "beta" }, "split": { "v3": 50, "v4": 50 } } ] },
    { "flag": "retrieval_top_k", "cleanup_by": "2027-01-01", "variants": [4, 8], "default": 4 },
    { "flag": "response_format", "cleanup_by": "2027-01-01", "variants": ["text", "json"], "default": "text",
      "rules": [ { "condition": {}, "value": "json" } ] },
    { "flag": "legacy_router", "cleanup_by": "2027-01-01", "variants": [true, false], "default": false,
      "rules": [ { "condition": { "user_segment": "beta" }, "value": true } ] }
  ]
}
`;

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'modelflags-audit-'));
  write('flags.json', REGISTRY);
  write('.gitignore', 'generated/\n');
  write(
    'src/flags.ts',
    "import { createFlags, fileSource } from 'modelflags';\nexport const flags = createFlags({ source: fileSource('flags.json') });\n",
  );
  write(
    'src/chat.ts',
    [
      "import { flags } from './flags.js';",
      'export function answer(ctx: { targetingKey: string }) {',
      "  const model = flags.get('inference_model', ctx);",
      "  const prompt = flags.get('system_prompt_version', ctx);",
      "  const k = flags.get('retrieval_top_k', ctx);",
      "  const format = flags.get('response_format', ctx);",
      "  const tone = flags.get('inference_modle', ctx);",
      '  return { model, prompt, k, format, tone };',
      '}',
      '',
    ].join('\n'),
  );
  write(
    'src/dynamic.mjs',
    "import { flags } from './flags.js';\nexport const pick = (name, ctx) => flags.get(name, ctx);\n",
  );
  write(
    'src/broken.tsx',
    "import { flags } from './flags.js';\nexport const x = <div>{flags.get('inference_model', {})</div>;\n",
  );
  write('src/util.ts', 'export const add = (a: number, b: number) => a + b;\n');
  // Ignored by .gitignore: its read of legacy_router must not count.
  write(
    'generated/router.ts',
    "import { flags } from '../src/flags.js';\nexport const r = flags.get('legacy_router', {});\n",
  );
});
afterAll(() => rmSync(project, { recursive: true, force: true }));

const cli = (argv: string[]) => runCli(argv, project);

describe('modelflags audit', () => {
  it('groups what to fix, with file:line:column and the remove-flag command, and exits 1', async () => {
    const { code, out, err } = await cli(['audit', '--today', '2026-06-01', '--no-color']);
    expect(err).toBe('');
    expect(code).toBe(1);
    const lines = out.split('\n');
    expect(lines.slice(0, 19)).toEqual([
      'Past cleanup_by (1)',
      '  flags.json:5:54  error  system_prompt_version was due for removal on 2026-01-15 (read in 1 place); owner: ml-platform',
      '      read at src/chat.ts:4:28',
      '      run: npx remove-flag system_prompt_version --keep <variant>',
      '',
      'Ready to remove (one variant for everyone) (2)',
      '  flags.json:7:15  warning  retrieval_top_k serves 4 to everyone: it has no rules (read in 1 place)',
      '      read at src/chat.ts:5:23',
      '      run: npx remove-flag retrieval_top_k --keep 4',
      '  flags.json:8:15  warning  response_format serves "json" to everyone: rule 1 matches everyone (read in 1 place)',
      '      read at src/chat.ts:6:28',
      '      run: npx remove-flag response_format --keep json',
      '',
      'In the registry, read by no code (1)',
      '  flags.json:10:15  warning  legacy_router is in the registry but no code reads it (unless one of the dynamic reads below reads it); remove it from flags.json',
      '',
      'Read in code, not in the registry (1)',
      '  src/chat.ts:7:26  error  reads "inference_modle", which is not in flags.json (did you mean "inference_model"?); add the flag to the registry or fix the key',
      '',
    ]);
    expect(lines[19]).toBe('Not audited (2)');
    expect(lines[20]).toMatch(
      /^ {2}src\/broken\.tsx:2:\d+ {2}warning {2}does not parse \(.+\); flag reads in this file were not audited$/,
    );
    expect(lines[21]).toBe(
      '  src/dynamic.mjs:2:46  warning  get() reads a flag whose key is computed at run time; the audit cannot tell which flag it is (use a literal or a constant)',
    );
    expect(lines.slice(22)).toEqual(['', '5 files, flags.json: 2 problems, 5 warnings (as of 2026-06-01)', '']);
    expect(out).not.toContain('\u001b[');
  });

  it('colours the groups when asked (the CLI asks when stdout is a TTY)', async () => {
    const { out } = await cli(['audit', '--today', '2026-06-01', '--color']);
    expect(out).toContain('\u001b[1m\u001b[31mPast cleanup_by (1)\u001b[39m\u001b[22m');
    expect(out).toContain('\u001b[1m\u001b[33mIn the registry, read by no code (1)\u001b[39m\u001b[22m');
    expect(out).toContain('run: \u001b[36mnpx remove-flag retrieval_top_k --keep 4\u001b[39m');
  });

  it('exits 0 when only warnings remain, and audits only the paths given', async () => {
    const { code, out } = await cli([
      'audit',
      'src/dynamic.mjs',
      'src/util.ts',
      '--registry',
      'flags.json',
      '--today',
      '2026-01-01',
      '--no-color',
    ]);
    // Every registry flag is unread when only these files are scanned: warnings (its code may not have landed yet).
    expect(code).toBe(0);
    expect(out).toContain('2 files, flags.json: 0 problems, 8 warnings');
    const clean = mkdtempSync(join(tmpdir(), 'modelflags-audit-clean-'));
    try {
      writeFileSync(
        join(clean, 'flags.json'),
        '{ "flags": [ { "flag": "m", "cleanup_by": "2030-01-01", "variants": ["a", "b"], "default": "a", "rules": [ { "condition": { "rollout_percentage": 5 }, "value": "b" } ] } ] }\n',
      );
      writeFileSync(
        join(clean, 'app.ts'),
        "import { createFlags, fileSource } from 'modelflags';\nconst flags = createFlags({ source: fileSource('flags.json') });\nexport const f = (name: string) => flags.get(name, {});\nexport const g = () => flags.get('m', { targetingKey: 'u' });\n",
      );
      let text = '';
      const result = await runModelflagsCli(['audit', '--today', '2026-01-01', '--no-color'], {
        out: (t) => (text += t),
        err: (t) => (text += t),
        cwd: clean,
      });
      expect(text).toContain('1 files, flags.json: 0 problems, 1 warning');
      expect(result).toBe(0);
    } finally {
      rmSync(clean, { recursive: true, force: true });
    }
  });

  it('prints the same findings as JSON', async () => {
    const { code, out } = await cli(['audit', '--today', '2026-06-01', '--format', 'json']);
    expect(code).toBe(1);
    const report = JSON.parse(out) as {
      version: number;
      findings: { kind: string; flag?: string; command?: string; location: { file: string; line: number } }[];
    };
    expect(report.version).toBe(1);
    expect(report.findings.map((f) => [f.kind, f.flag ?? null])).toEqual([
      ['expired', 'system_prompt_version'],
      ['ready-to-remove', 'retrieval_top_k'],
      ['ready-to-remove', 'response_format'],
      ['unused', 'legacy_router'],
      ['undeclared', 'inference_modle'],
      ['unresolved', null],
      ['unresolved', null],
    ]);
  });

  it('writes SARIF 2.1.0 that code scanning accepts', async () => {
    const { code, out } = await cli(['audit', '--today', '2026-06-01', '--format', 'sarif']);
    expect(code).toBe(1);
    const sarif = JSON.parse(out) as {
      runs: {
        tool: { driver: { rules: { id: string }[] } };
        results: {
          ruleId: string;
          ruleIndex: number;
          level: string;
          locations: { physicalLocation: { artifactLocation: { uri: string } } }[];
        }[];
      }[];
    };
    const ajv = new Ajv({ allErrors: true, strict: true });
    // ajv-formats is not a dependency; these are the two formats the subset uses.
    ajv.addFormat('uri', (s: string) => URL.canParse(s));
    ajv.addFormat('uri-reference', (s: string) => URL.canParse(s, 'file:///') && !/\s/.test(s));
    const validate = ajv.compile(SARIF_SUBSET_SCHEMA);
    expect(validate(sarif) ? [] : validate.errors).toEqual([]);
    const run = sarif.runs[0]!;
    for (const r of run.results) expect(run.tool.driver.rules[r.ruleIndex]!.id).toBe(r.ruleId);
    expect(run.results.map((r) => [r.ruleId, r.level, r.locations[0]!.physicalLocation.artifactLocation.uri])).toEqual([
      ['modelflags/expired', 'error', 'flags.json'],
      ['modelflags/ready-to-remove', 'warning', 'flags.json'],
      ['modelflags/ready-to-remove', 'warning', 'flags.json'],
      ['modelflags/unused', 'warning', 'flags.json'],
      ['modelflags/undeclared', 'error', 'src/chat.ts'],
      ['modelflags/unresolved', 'warning', 'src/broken.tsx'],
      ['modelflags/unresolved', 'warning', 'src/dynamic.mjs'],
    ]);
    // The subset schema rejects what upload-sarif rejects.
    expect(validate({ version: '2.1.0', runs: [{ tool: { driver: {} }, results: [] }] })).toBe(false);
    expect(validate({ ...sarif, version: '2.0.0' })).toBe(false);
  });

  it('refuses a missing registry with exit 2 and says what to pass', async () => {
    const { code, err } = await cli(['audit', '--registry', 'nope.json']);
    expect(code).toBe(2);
    expect(err).toBe(
      'modelflags: nope.json: no registry here. Pass --registry <path to flags.json>, or create one (see docs/registry.md)\n',
    );
    expect((await cli(['audit', '--format', 'xml'])).err).toContain(
      '--format must be one of: text, json, sarif (got "xml")',
    );
  });

  it('is the same as the library call', async () => {
    const result = await runAudit({ cwd: project, today: '2026-06-01' }, detection);
    expect(result.filesScanned).toBe(5);
    expect(result.findings).toHaveLength(7);
  });
});
