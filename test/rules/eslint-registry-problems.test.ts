/**
 * The real ESLint CLI with the built plugin and a registry that cannot be used: the run goes on,
 * the problem is one lint message (line 1 of the first file linted, by no-unknown-flag, an error),
 * and every other rule still lints every file.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtPluginConfig, eslintJson, type LintMessage } from '../support/eslint-cli.js';

let project: string;

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'modelflags-eslint-registry-'));
  mkdirSync(join(project, 'src'));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ type: 'module' }));
  writeFileSync(
    join(project, 'eslint.config.js'),
    builtPluginConfig(
      'recommended',
      "{ registry: new URL('./flags.json', import.meta.url), today: '2026-06-01' }",
      "{ rules: { 'no-debugger': 'error' } }",
    ),
  );
  // Two files with findings that need no registry: a read at module load, and a core rule.
  for (const name of ['a', 'b']) {
    writeFileSync(
      join(project, `src/${name}.ts`),
      [
        "import { flags } from './flags.js';",
        "export const model = flags.get('inference_model', { targetingKey: 'boot' });",
        'debugger;',
        '',
      ].join('\n'),
    );
  }
});
afterAll(() => rmSync(project, { recursive: true, force: true }));

async function lint(): Promise<[string, LintMessage][]> {
  const files = await eslintJson(['.'], project);
  return files.flatMap((f) => f.messages.map((m): [string, LintMessage] => [f.filePath.slice(project.length + 1), m]));
}

/** The run still lints both source files with every rule that needs no registry. */
function expectOtherRulesRan(messages: [string, LintMessage][]): void {
  for (const file of ['src/a.ts', 'src/b.ts']) {
    const rules = messages.filter(([f]) => f === file).map(([, m]) => m.ruleId);
    expect(rules).toContain('modelflags/read-per-request');
    expect(rules).toContain('no-debugger');
  }
}

function registryProblems(messages: [string, LintMessage][]): [string, LintMessage][] {
  return messages.filter(([, m]) => m.message.includes('the registry in the config cannot be used'));
}

describe('eslint with a registry that cannot be used', () => {
  const cases: [string, () => void, RegExp][] = [
    [
      'missing',
      () => rmSync(join(project, 'flags.json'), { force: true }),
      /\/flags\.json:1:1: cannot read the registry: no such file; fix settings\.modelflags\.registry in eslint\.config\.js\.$/,
    ],
    [
      'invalid',
      () => writeFileSync(join(project, 'flags.json'), '{ "flags": [ { "flag": "Bad Key", "default": 1 } ] }'),
      /\/flags\.json:1:24: flag key "Bad Key" is invalid: /,
    ],
    [
      'nested deeper than the parser allows',
      () => writeFileSync(join(project, 'flags.json'), `{ "flags": [${'['.repeat(300)}${']'.repeat(300)}] }`),
      /\/flags\.json:1:\d+: invalid JSON: nesting deeper than 256 levels\.$/,
    ],
    [
      'a directory',
      () => mkdirSync(join(project, 'flags.json')),
      /\/flags\.json:1:1: cannot read the registry: not a regular file\.$/,
    ],
  ];
  for (const [what, arrange, problem] of cases) {
    it(`${what}: one error at line 1, and the other rules still lint every file`, async () => {
      rmSync(join(project, 'flags.json'), { recursive: true, force: true });
      arrange();
      const messages = await lint();
      const reported = registryProblems(messages);
      expect(reported).toHaveLength(1);
      const [, message] = reported[0]!;
      expect(message).toMatchObject({ ruleId: 'modelflags/no-unknown-flag', severity: 2, line: 1, column: 1 });
      expect(message.message).toMatch(
        /^This rule needs the flag registry: the registry in the config cannot be used, so the rules that need it check nothing until it is fixed:\n/,
      );
      expect(message.message).toMatch(problem);
      expectOtherRulesRan(messages);
    }, 60_000);
  }
});
