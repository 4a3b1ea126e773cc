/**
 * The pre-commit hooks, the husky + lint-staged set-up and the CI job from docs/ci.md, each tried
 * on a throwaway git repository with real commits. pre-commit, husky and lint-staged cannot be
 * installed here, so their mechanics are reproduced as docs/ci.md describes; ESLint and the
 * modelflags CLI are the real ones (this repository's), behind shims in node_modules/.bin.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Ajv } from 'ajv';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SARIF_SUBSET_SCHEMA } from '../src/cli/sarif-schema.js';

const root = resolve(import.meta.dirname, '../..');
const builtPlugin = join(root, 'rules/dist/index.js');
const yaml = createRequire(import.meta.url)('js-yaml') as { load(text: string): unknown };
const ciDoc = readFileSync(join(root, 'docs/ci.md'), 'utf8');

/** The fenced block of docs/ci.md whose info string has `title="<title>"`. */
function docBlock(title: string): string {
  const match = new RegExp(
    '```\\w+ title="' + title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '"\\n([\\s\\S]*?)```',
  ).exec(ciDoc);
  if (!match) throw new Error(`docs/ci.md has no code block titled ${title}`);
  return match[1]!;
}

interface Run {
  code: number;
  out: string;
}

function sh(cwd: string, command: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Run {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env } });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8' });
}

const inDays = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

const GOOD_CHAT = [
  "import { flags } from './flags.js';",
  'export function answer(ctx: { targetingKey: string }): string {',
  "  return flags.get('inference_model', ctx);",
  '}',
  '',
].join('\n');
// Read once at module load (the kill switch would not work) and a misspelt key.
const BAD_CHAT = [
  "import { flags } from './flags.js';",
  "const MODEL = flags.get('inference_model', { targetingKey: 'boot' });",
  'export function answer(ctx: { targetingKey: string }): string {',
  "  return `${MODEL} ${flags.get('inference_modle', ctx)}`;",
  '}',
  '',
].join('\n');

let project: string;

function write(path: string, text: string, mode?: number): void {
  mkdirSync(dirname(join(project, path)), { recursive: true });
  writeFileSync(join(project, path), text);
  if (mode !== undefined) chmodSync(join(project, path), mode);
}

// Each step starts npx, ESLint or the CLI in a fresh process: seconds each on a busy machine.
const SLOW = { timeout: 180_000 };

/** A minimal lint-staged: globs without a slash match basenames; strings get files appended; functions return commands. */
const LINT_STAGED_STAND_IN = `#!/usr/bin/env node
import { execSync, spawnSync } from 'node:child_process';
import { basename, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
const cwd = process.cwd();
const config = (await import(pathToFileURL(resolve(cwd, 'lint-staged.config.js')).href)).default;
const staged = execSync('git diff --cached --name-only --diff-filter=ACMR', { encoding: 'utf8' }).split('\\n').filter(Boolean);
const toRegExp = (glob) => {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') re += glob[i + 1] === '*' ? (i++, '.*') : '[^/]*';
    else if (c === '{') re += '(?:';
    else if (c === '}') re += ')';
    else if (c === ',') re += '|';
    else re += c.replace(/[.+?^$()|[\\]\\\\]/g, '\\\\$&');
  }
  return new RegExp('^' + re + '$');
};
let failed = false;
for (const [glob, task] of Object.entries(config)) {
  const re = toRegExp(glob);
  const files = staged.filter((f) => re.test(glob.includes('/') ? f : basename(f))).map((f) => resolve(cwd, f));
  if (files.length === 0) continue;
  const commands = typeof task === 'function' ? [].concat(task(files)) : [].concat(task).map((c) => c + ' ' + files.join(' '));
  for (const command of commands) {
    const r = spawnSync(command, { shell: true, stdio: 'inherit', env: { ...process.env, PATH: resolve(cwd, 'node_modules/.bin') + ':' + process.env.PATH } });
    if (r.status !== 0) { failed = true; break; }
  }
}
process.exit(failed ? 1 : 0);
`;

beforeAll(() => {
  if (!existsSync(builtPlugin))
    throw new Error(
      `${builtPlugin} is missing: run \`npx tsc -p tsconfig.build.json\` (npm ci runs it through "prepare")`,
    );
});

beforeEach(() => {
  project = mkdtempSync(join(tmpdir(), 'modelflags-hooks-'));
  git(project, 'init', '-q', '-b', 'main');
  git(project, 'config', 'user.email', 'dev@example.com');
  git(project, 'config', 'user.name', 'Dev');
  git(project, 'config', 'commit.gpgsign', 'false');
  write('package.json', `${JSON.stringify({ name: 'svc', private: true, type: 'module' }, null, 2)}\n`);
  write('.gitignore', 'node_modules/\n*.sarif\n');
  write(
    'eslint.config.js',
    `import modelflags from ${JSON.stringify(pathToFileURL(builtPlugin).href)};\n` +
      `import * as tsParser from ${JSON.stringify(pathToFileURL(join(root, 'node_modules/@typescript-eslint/parser/dist/index.js')).href)};\n` +
      "export default [{ files: ['**/*.ts'], languageOptions: { parser: tsParser } }, ...modelflags.configs.recommended, { settings: { modelflags: { registry: new URL('./flags.json', import.meta.url) } } }];\n",
  );
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
  write('src/chat.ts', GOOD_CHAT);
  // Stand-ins for `npm install`: this repository's ESLint and CLI, and the package itself.
  write(
    'node_modules/.bin/eslint',
    `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(join(root, 'node_modules/eslint/bin/eslint.js'))} "$@"\n`,
    0o755,
  );
  write(
    'node_modules/.bin/modelflags',
    `#!/bin/sh\nexec ${JSON.stringify(join(root, 'node_modules/.bin/tsx'))} --conditions=modelflags-source ${JSON.stringify(join(root, 'src/cli/bin.ts'))} "$@"\n`,
    0o755,
  );
  write('node_modules/.bin/lint-staged', LINT_STAGED_STAND_IN, 0o755);
  symlinkSync(join(root, 'src'), join(project, 'node_modules/modelflags'));
  symlinkSync(join(root, 'rules'), join(project, 'node_modules/eslint-plugin-modelflags'));
  git(project, 'add', '-A');
  git(project, 'commit', '-q', '-m', 'initial');
});

afterEach(() => rmSync(project, { recursive: true, force: true }));

describe('.pre-commit-hooks.yaml', () => {
  const hooks = yaml.load(readFileSync(join(root, '.pre-commit-hooks.yaml'), 'utf8')) as {
    id: string;
    entry: string;
    language: string;
    pass_filenames?: boolean;
    types_or?: string[];
    files?: string;
  }[];

  it("has the fields pre-commit's manifest requires", () => {
    const validate = new Ajv({ allErrors: true }).compile({
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['id', 'name', 'entry', 'language'],
        properties: {
          id: { type: 'string', pattern: '^[a-z0-9-]+$' },
          name: { type: 'string' },
          description: { type: 'string' },
          entry: { type: 'string' },
          language: {
            enum: [
              'system',
              'node',
              'script',
              'python',
              'docker',
              'docker_image',
              'golang',
              'rust',
              'ruby',
              'fail',
              'pygrep',
            ],
          },
          files: { type: 'string' },
          exclude: { type: 'string' },
          types: { type: 'array', items: { type: 'string' } },
          types_or: { type: 'array', items: { type: 'string' } },
          pass_filenames: { type: 'boolean' },
          always_run: { type: 'boolean' },
          require_serial: { type: 'boolean' },
          args: { type: 'array', items: { type: 'string' } },
        },
        additionalProperties: false,
      },
    });
    expect(validate(hooks) ? [] : validate.errors).toEqual([]);
    expect(hooks.map((h) => [h.id, h.pass_filenames ?? true])).toEqual([
      ['modelflags-eslint', true],
      ['modelflags-audit', false],
      ['modelflags-check', false],
    ]);
  });

  /** Runs a hook the way pre-commit does: entry split like a shell word list, matching staged files appended. */
  function runHook(id: string): Run {
    const hook = hooks.find((h) => h.id === id)!;
    const tags: Record<string, string[]> = {
      js: ['javascript'],
      mjs: ['javascript'],
      cjs: ['javascript'],
      jsx: ['jsx', 'javascript'],
      ts: ['ts'],
      mts: ['ts'],
      cts: ['ts'],
      tsx: ['tsx'],
      json: ['json'],
    };
    const staged = git(project, 'diff', '--cached', '--name-only', '--diff-filter=ACMR').split('\n').filter(Boolean);
    const files = staged.filter(
      (f) =>
        (hook.files === undefined || new RegExp(hook.files).test(f)) &&
        (hook.types_or === undefined || (tags[f.split('.').pop()!] ?? []).some((t) => hook.types_or!.includes(t))),
    );
    const [command, ...args] = hook.entry.split(/\s+/);
    // pre-commit runs a hook only when a staged file matches it, whether or not it passes the names on.
    if (files.length === 0) return { code: 0, out: '(no files)' };
    return sh(project, command!, hook.pass_filenames === false ? args : [...args, ...files]);
  }

  it('fails the commit for a module-level read and a misspelt key, and passes once fixed', SLOW, () => {
    write('src/chat.ts', BAD_CHAT);
    git(project, 'add', 'src/chat.ts');
    const lint = runHook('modelflags-eslint');
    expect(lint.code).toBe(1);
    expect(lint.out).toContain('modelflags/read-per-request');
    expect(lint.out).toContain('modelflags/no-unknown-flag');
    const audit = runHook('modelflags-audit');
    expect(audit.code).toBe(1);
    expect(audit.out).toMatch(
      /src\/chat\.ts:4:\d+ {2}error {2}reads "inference_modle", which is not in flags\.json \(did you mean "inference_model"\?\)/,
    );
    expect(audit.out).not.toContain('\u001b[');

    write('src/chat.ts', GOOD_CHAT.replace('string {', 'string {\n  // per request'));
    git(project, 'add', 'src/chat.ts');
    expect(runHook('modelflags-eslint')).toMatchObject({ code: 0 });
    expect(runHook('modelflags-audit')).toMatchObject({ code: 0 });
    git(project, 'commit', '-q', '-m', 'fix');
    expect(git(project, 'log', '--format=%s')).toBe('fix\ninitial\n');
  });
  it('runs check when the registry is staged, and fails the commit for an invalid one', SLOW, () => {
    write('src/chat.ts', GOOD_CHAT.replace('string {', 'string {\n  // per request'));
    git(project, 'add', 'src/chat.ts');
    expect(runHook('modelflags-check')).toEqual({ code: 0, out: '(no files)' });

    const registry = readFileSync(join(project, 'flags.json'), 'utf8');
    write('flags.json', registry.replace('"owner": "ml"', '"owner": 7'));
    git(project, 'add', 'flags.json');
    const refused = runHook('modelflags-check');
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(/flags\.json:\d+:\d+: .*owner/);

    write('flags.json', registry.replace('"owner": "ml"', '"owner": "ml-platform"'));
    git(project, 'add', 'flags.json');
    expect(runHook('modelflags-check')).toMatchObject({ code: 0 });
  });
});

describe('husky + lint-staged (docs/ci.md)', () => {
  it('refuses the commit of a bad file and accepts the fixed one', SLOW, () => {
    write('.husky/pre-commit', docBlock('.husky/pre-commit'), 0o755);
    write('lint-staged.config.js', docBlock('lint-staged.config.js'));
    git(project, 'add', '.husky', 'lint-staged.config.js');
    git(project, 'commit', '-q', '-m', 'hooks');
    git(project, 'config', 'core.hooksPath', '.husky');

    write('src/chat.ts', BAD_CHAT);
    git(project, 'add', 'src/chat.ts');
    const refused = sh(project, 'git', ['commit', '-m', 'bad']);
    expect(refused.code).not.toBe(0);
    expect(refused.out).toContain('modelflags/read-per-request');
    expect(git(project, 'log', '--format=%s')).toBe('hooks\ninitial\n');

    // A registry edit runs `modelflags check` too (without file arguments).
    write('src/chat.ts', GOOD_CHAT.replace('string {', 'string {\n  // per request'));
    write(
      'flags.json',
      readFileSync(join(project, 'flags.json'), 'utf8').replace('"owner": "ml"', '"owner": "ml-platform"'),
    );
    git(project, 'add', 'src/chat.ts', 'flags.json');
    const accepted = sh(project, 'git', ['commit', '-m', 'good']);
    expect(accepted.out).toContain('flags.json: 1 flag, valid');
    expect(accepted.code).toBe(0);
    expect(git(project, 'log', '--format=%s')).toBe('good\nhooks\ninitial\n');
  });
});

describe('GitHub Actions job (docs/ci.md)', () => {
  const workflow = yaml.load(docBlock('.github/workflows/modelflags.yml')) as {
    jobs: Record<string, { steps: { name?: string; run?: string; uses?: string }[] }>;
  };
  const runSteps = (): { name: string; run: string }[] =>
    Object.values(workflow.jobs)
      .flatMap((j) => j.steps)
      .filter((s): s is { name?: string; run: string } => typeof s.run === 'string' && s.run.trim() !== 'npm ci')
      .map((s) => ({ name: s.name ?? s.run, run: s.run }));

  it('passes on a clean project and leaves a valid SARIF file to upload', SLOW, () => {
    const steps = runSteps();
    expect(steps.map((s) => s.name)).toEqual([
      'Lint flag use',
      'Validate the registry and the generated types',
      'Audit flags (SARIF for code scanning)',
      'Fail on audit findings',
    ]);
    for (const step of steps)
      expect(sh(project, 'bash', ['-eo', 'pipefail', '-c', step.run]), step.name).toMatchObject({ code: 0 });
    const sarif = JSON.parse(readFileSync(join(project, 'modelflags.sarif'), 'utf8')) as unknown;
    const ajv = new Ajv({ allErrors: true });
    ajv.addFormat('uri', (s: string) => URL.canParse(s));
    ajv.addFormat('uri-reference', (s: string) => URL.canParse(s, 'file:///'));
    const validate = ajv.compile(SARIF_SUBSET_SCHEMA);
    expect(validate(sarif) ? [] : validate.errors).toEqual([]);
  });

  it('fails the job on a bad commit, after writing the SARIF with the finding', SLOW, () => {
    write('src/chat.ts', BAD_CHAT);
    const results = runSteps().map((s) => ({
      name: s.name,
      code: sh(project, 'bash', ['-eo', 'pipefail', '-c', s.run]).code,
    }));
    expect(results).toEqual([
      { name: 'Lint flag use', code: 1 },
      { name: 'Validate the registry and the generated types', code: 0 },
      { name: 'Audit flags (SARIF for code scanning)', code: 0 },
      { name: 'Fail on audit findings', code: 1 },
    ]);
    const sarif = JSON.parse(readFileSync(join(project, 'modelflags.sarif'), 'utf8')) as {
      runs: { results: { ruleId: string }[] }[];
    };
    expect(sarif.runs[0]!.results.map((r) => r.ruleId)).toEqual(['modelflags/undeclared']);
  });
});
