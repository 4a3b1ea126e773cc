/**
 * The composite GitHub Action in action.yml, run here the way the runner runs it: inputs with their
 * defaults, `${{ }}` expressions in env, working-directory and `if`, each `run:` step under
 * `bash --noprofile --norc -eo pipefail`, outputs through $GITHUB_OUTPUT. The upload step cannot
 * reach GitHub from a test, so it stands for "this SARIF file is uploaded": the file must exist and
 * satisfy the SARIF 2.1.0 fields code scanning needs. The audit is this repository's real CLI.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Ajv } from 'ajv';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SARIF_SUBSET_SCHEMA } from '../src/cli/sarif-schema.js';

const root = resolve(import.meta.dirname, '../..');
const yaml = createRequire(import.meta.url)('js-yaml') as { load(text: string): unknown };

interface Step {
  id?: string;
  name?: string;
  if?: string;
  shell?: string;
  run?: string;
  uses?: string;
  with?: Record<string, string>;
  env?: Record<string, string>;
  'working-directory'?: string;
}
interface ActionFile {
  name: string;
  inputs: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: Step[] };
}

const action = yaml.load(readFileSync(join(root, 'action.yml'), 'utf8')) as ActionFile;

const inDays = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

let project: string;
function write(path: string, text: string, mode?: number): void {
  mkdirSync(dirname(join(project, path)), { recursive: true });
  writeFileSync(join(project, path), text);
  if (mode !== undefined) chmodSync(join(project, path), mode);
}

beforeEach(() => {
  project = mkdtempSync(join(tmpdir(), 'modelflags-action-'));
  write('package.json', `${JSON.stringify({ name: 'svc', private: true, type: 'module' }, null, 2)}\n`);
  write(
    'flags.json',
    `${JSON.stringify(
      {
        flags: [
          {
            flag: 'inference_model',
            dimension: 'model',
            owner: 'ml',
            cleanup_by: inDays(60),
            variants: ['haiku', 'sonnet'],
            default: 'haiku',
            rules: [{ condition: { rollout_percentage: 10 }, value: 'sonnet' }],
          },
        ],
      },
      null,
      2,
    )}\n`,
  );
  write(
    'src/flags.ts',
    "import { createFlags, fileSource } from 'modelflags';\nexport const flags = createFlags({ source: fileSource('flags.json') });\n",
  );
  write(
    'src/chat.ts',
    "import { flags } from './flags.js';\nexport const answer = (ctx: { targetingKey: string }) => flags.get('inference_model', ctx);\n",
  );
  // Stands in for `npm ci`: this repository's CLI as the project's installed modelflags.
  write(
    'node_modules/.bin/modelflags',
    `#!/bin/sh\nexec ${JSON.stringify(join(root, 'node_modules/.bin/tsx'))} --conditions=modelflags-source ${JSON.stringify(join(root, 'src/cli/bin.ts'))} "$@"\n`,
    0o755,
  );
  symlinkSync(join(root, 'src'), join(project, 'node_modules/modelflags'));
  symlinkSync(join(root, 'rules'), join(project, 'node_modules/eslint-plugin-modelflags'));
});
afterEach(() => rmSync(project, { recursive: true, force: true }));

/** The value of one `${{ }}` expression: context lookups, string literals, ==, !=, && and always(). */
function evaluate(
  expression: string,
  inputs: Record<string, string>,
  outputs: Record<string, Record<string, string>>,
): string | boolean {
  const term = (t: string): string | boolean => {
    t = t.trim();
    if (t === 'always()') return true;
    const literal = /^'(.*)'$/.exec(t);
    if (literal) return literal[1]!;
    const input = /^inputs\.([\w-]+)$/.exec(t);
    if (input) {
      if (!(input[1]! in action.inputs))
        throw new Error(`action.yml reads inputs.${input[1]}, which it does not declare`);
      return inputs[input[1]!] ?? '';
    }
    const output = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(t);
    if (output) return outputs[output[1]!]?.[output[2]!] ?? '';
    throw new Error(`this runner stand-in does not evaluate "${t}"`);
  };
  const conjuncts = expression.split('&&').map((c) => {
    const comparison = /^(.*?)(==|!=)(.*)$/.exec(c);
    if (!comparison) return term(c);
    const equal = term(comparison[1]!) === term(comparison[3]!);
    return comparison[2] === '==' ? equal : !equal;
  });
  return conjuncts.length === 1 ? conjuncts[0]! : conjuncts.every((c) => c === true);
}

function substitute(
  text: string,
  inputs: Record<string, string>,
  outputs: Record<string, Record<string, string>>,
): string {
  return text.replace(/\$\{\{(.*?)\}\}/g, (_, e: string) => String(evaluate(e, inputs, outputs)));
}

interface StepResult {
  step: string;
  /** Exit code of a run step; 'uploaded' or 'skipped' for the upload. */
  result: number | 'uploaded' | 'skipped';
  log: string;
}

/** Runs the action's steps in order, as the runner does: a failed step ends the run except for `if: always()` steps. */
function runAction(given: Record<string, string>): {
  steps: StepResult[];
  outputs: Record<string, string>;
  uploaded: string[];
} {
  const inputs: Record<string, string> = {};
  for (const [name, spec] of Object.entries(action.inputs)) inputs[name] = given[name] ?? spec.default ?? '';
  for (const name of Object.keys(given))
    if (!(name in action.inputs)) throw new Error(`the action has no input "${name}"`);
  const outputs: Record<string, Record<string, string>> = {};
  const runnerTemp = mkdtempSync(join(tmpdir(), 'modelflags-runner-'));
  const steps: StepResult[] = [];
  const uploaded: string[] = [];
  let failed = false;
  try {
    for (const [i, step] of action.runs.steps.entries()) {
      const name = step.name ?? step.id ?? `step ${i}`;
      const condition =
        step.if === undefined ? !failed : evaluate(step.if.replace(/^\$\{\{(.*)\}\}$/s, '$1'), inputs, outputs);
      if (condition !== true || (failed && !/always\(\)/.test(step.if ?? ''))) {
        steps.push({ step: name, result: 'skipped', log: '' });
        continue;
      }
      if (step.uses !== undefined) {
        expect(step.uses).toMatch(/^github\/codeql-action\/upload-sarif@v\d+$/);
        const sarif = substitute(step.with!['sarif_file']!, inputs, outputs);
        uploaded.push(sarif);
        steps.push({ step: name, result: 'uploaded', log: '' });
        continue;
      }
      expect(step.shell).toBe('bash');
      const outputFile = join(runnerTemp, `output-${i}`);
      writeFileSync(outputFile, '');
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        NO_COLOR: '1',
        GITHUB_OUTPUT: outputFile,
        RUNNER_TEMP: runnerTemp,
      };
      for (const [k, v] of Object.entries(step.env ?? {})) env[k] = substitute(v, inputs, outputs);
      const cwd = resolve(project, substitute(step['working-directory'] ?? '.', inputs, outputs));
      const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run!], {
        cwd,
        env,
        encoding: 'utf8',
      });
      if (step.id !== undefined) {
        outputs[step.id] = Object.fromEntries(
          readFileSync(outputFile, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
        );
      }
      steps.push({ step: name, result: r.status ?? -1, log: `${r.stdout}${r.stderr}` });
      if (r.status !== 0) failed = true;
    }
    const actionOutputs = Object.fromEntries(
      Object.entries(action.outputs).map(([k, o]) => [k, substitute(o.value, inputs, outputs)]),
    );
    // Read before the runner's temp directory goes, as the upload would.
    for (const file of uploaded) expectValidSarif(file);
    return { steps, outputs: actionOutputs, uploaded: uploaded.map((f) => readFileSync(f, 'utf8')) };
  } finally {
    rmSync(runnerTemp, { recursive: true, force: true });
  }
}

function expectValidSarif(file: string): void {
  expect(existsSync(file), `${file} to upload`).toBe(true);
  const ajv = new Ajv({ allErrors: true });
  ajv.addFormat('uri', (s: string) => URL.canParse(s));
  ajv.addFormat('uri-reference', (s: string) => URL.canParse(s, 'file:///'));
  const validate = ajv.compile(SARIF_SUBSET_SCHEMA);
  expect(validate(JSON.parse(readFileSync(file, 'utf8'))) ? [] : validate.errors).toEqual([]);
}

const ruleIds = (sarif: string): string[] =>
  (JSON.parse(sarif) as { runs: { results: { ruleId: string }[] }[] }).runs[0]!.results.map((r) => r.ruleId);
const results = (steps: StepResult[]) => steps.map((s) => ({ step: s.step, result: s.result }));

// Each run step starts the CLI in a fresh process: seconds each on a busy machine.
const SLOW = { timeout: 180_000 };

describe('action.yml', () => {
  it('is a composite action with the documented inputs', () => {
    expect(action.runs.using).toBe('composite');
    expect(Object.keys(action.inputs).sort()).toEqual([
      'category',
      'fail-on',
      'paths',
      'registry',
      'upload',
      'working-directory',
    ]);
    for (const [name, input] of Object.entries(action.inputs)) expect(input.description, name).not.toBe('');
    // Inputs reach scripts through env only: an input spliced into `run:` could inject commands.
    for (const step of action.runs.steps) expect(step.run ?? '', step.name).not.toContain('${{');
  });

  it('is used in docs/ci.md with inputs it declares, after npm ci', () => {
    const doc = readFileSync(join(root, 'docs/ci.md'), 'utf8');
    const block = /```yaml title="\.github\/workflows\/flags-audit\.yml"\n([\s\S]*?)```/.exec(doc);
    expect(block, 'docs/ci.md has the flags-audit workflow').not.toBeNull();
    const workflow = yaml.load(block![1]!) as {
      jobs: Record<string, { permissions: Record<string, string>; steps: Step[] }>;
    };
    const job = Object.values(workflow.jobs)[0]!;
    expect(job.permissions['security-events']).toBe('write');
    const at = job.steps.findIndex((s) => s.uses?.startsWith('modelflags/modelflags@'));
    expect(at).toBeGreaterThan(job.steps.findIndex((s) => s.run === 'npm ci'));
    for (const name of Object.keys(job.steps[at]!.with ?? {})) expect(action.inputs, name).toHaveProperty([name]);
  });

  it('passes on a clean project and uploads a valid, empty SARIF', SLOW, () => {
    const { steps, outputs, uploaded } = runAction({});
    expect(results(steps)).toEqual([
      { step: 'Audit flags (SARIF)', result: 0 },
      { step: 'Upload the audit to code scanning', result: 'uploaded' },
      { step: 'Fail on findings', result: 0 },
    ]);
    expect(outputs['exit-code']).toBe('0');
    expect(uploaded.map(ruleIds)).toEqual([[]]);
  });

  it('uploads the finding, then fails the job and prints it', SLOW, () => {
    write(
      'src/chat.ts',
      "import { flags } from './flags.js';\nexport const answer = (ctx: { targetingKey: string }) => flags.get('inference_modle', ctx);\n",
    );
    const { steps, uploaded } = runAction({ paths: 'src' });
    expect(results(steps)).toEqual([
      { step: 'Audit flags (SARIF)', result: 0 },
      { step: 'Upload the audit to code scanning', result: 'uploaded' },
      { step: 'Fail on findings', result: 1 },
    ]);
    expect(uploaded.map((s) => ruleIds(s).sort())).toEqual([['modelflags/undeclared', 'modelflags/unused']]);
    expect(steps[2]!.log).toContain('inference_modle');
  });

  it('fails on warnings only when fail-on says so', SLOW, () => {
    // inference_model is read nowhere under src/other: an unused flag, a warning.
    write('src/other/noop.ts', 'export const noop = 1;\n');
    expect(results(runAction({ paths: 'src/other' }).steps).map((s) => s.result)).toEqual([0, 'uploaded', 0]);
    expect(results(runAction({ paths: 'src/other', 'fail-on': 'warning' }).steps).map((s) => s.result)).toEqual([
      0,
      'uploaded',
      1,
    ]);
  });

  it('stops with the CLI message and uploads nothing when the registry is missing', SLOW, () => {
    const { steps, uploaded } = runAction({ registry: 'config/flags.json', upload: 'true' });
    expect(results(steps)).toEqual([
      { step: 'Audit flags (SARIF)', result: 2 },
      { step: 'Upload the audit to code scanning', result: 'skipped' },
      { step: 'Fail on findings', result: 'skipped' },
    ]);
    expect(steps[0]!.log).toContain('config/flags.json');
    expect(uploaded).toEqual([]);
  });

  it('audits a project in a subdirectory and leaves the upload off when asked', SLOW, () => {
    renameSync(project, `${project}.tmp`);
    mkdirSync(join(project, 'services'), { recursive: true });
    renameSync(`${project}.tmp`, join(project, 'services/chat'));
    const { steps, uploaded } = runAction({ 'working-directory': 'services/chat', upload: 'false' });
    expect(results(steps)).toEqual([
      { step: 'Audit flags (SARIF)', result: 0 },
      { step: 'Upload the audit to code scanning', result: 'skipped' },
      { step: 'Fail on findings', result: 0 },
    ]);
    expect(uploaded).toEqual([]);
  });
});
