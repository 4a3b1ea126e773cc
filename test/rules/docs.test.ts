/**
 * The rule docs and the plugin stay in step: every rule has a docs page whose examples are linted
 * here (```ts wrong blocks must be reported, ```ts right blocks must not), a test file, an entry
 * in each config, and a README row.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import json from '@eslint/json';
import * as tsParser from '@typescript-eslint/parser';
import { Linter } from 'eslint';
import { describe, expect, it } from 'vitest';
import plugin, { REGISTRY_FILE_RULES, rules, type RuleId } from '../../rules/index.js';
import { SETTINGS } from './support.js';

const root = resolve(import.meta.dirname, '../..');
const ruleIds = Object.keys(rules) as RuleId[];

interface Example {
  language: string;
  expectation: 'wrong' | 'right';
  code: string;
  line: number;
}

function examplesOf(markdown: string): Example[] {
  const out: Example[] = [];
  const fence = /^```(\w+) (wrong|right)\n([\s\S]*?)^```$/gm;
  for (let m = fence.exec(markdown); m; m = fence.exec(markdown)) {
    out.push({
      language: m[1]!,
      expectation: m[2] as 'wrong' | 'right',
      code: m[3]!,
      line: markdown.slice(0, m.index).split('\n').length,
    });
  }
  return out;
}

function lintExample(id: RuleId, example: Example): Linter.LintMessage[] {
  const linter = new Linter({ configType: 'flat' });
  const rule = { [`modelflags/${id}`]: 'error' as const };
  const plugins = { modelflags: plugin as never };
  const isJson = example.language === 'json';
  const config: Linter.Config[] = isJson
    ? [
        {
          files: ['**/*.json'],
          plugins: { ...plugins, json: json as never },
          language: 'json/json',
          settings: SETTINGS,
          rules: rule,
        },
      ]
    : [
        {
          files: ['**/*.{ts,tsx,js,jsx}'],
          plugins,
          languageOptions: { parser: tsParser as never },
          settings: SETTINGS,
          rules: rule,
        },
      ];
  const filename = isJson ? 'flags.json' : `example.${example.language}`;
  return linter.verify(example.code, config, { filename });
}

describe.each(ruleIds)('%s', (id) => {
  const docPath = join(root, 'docs/rules', `${id}.md`);
  const markdown = existsSync(docPath) ? readFileSync(docPath, 'utf8') : '';

  it('has a docs page with wrong and right examples, a test file, config entries and a README row', () => {
    expect(markdown, `docs/rules/${id}.md`).not.toBe('');
    const kinds = new Set(examplesOf(markdown).map((e) => e.expectation));
    expect([...kinds].sort()).toEqual(['right', 'wrong']);
    const tested = readdirSync(join(root, 'test/rules')).some(
      (f) => f === `${id}.test.ts` || (REGISTRY_FILE_RULES.includes(id) && f === 'registry-file.test.ts'),
    );
    expect(tested, `test/rules/${id}.test.ts`).toBe(true);
    for (const [name, config] of Object.entries(plugin.configs)) {
      expect(
        config.flatMap((block) => Object.keys(block.rules ?? {})),
        `configs.${name}`,
      ).toContain(`modelflags/${id}`);
    }
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const table = readme.slice(
      readme.indexOf('<!-- begin auto-generated rules list -->'),
      readme.indexOf('<!-- end auto-generated rules list -->'),
    );
    expect(table, 'README rules table (run the eslint-doc-generator command in bench/lint/README.md)').toContain(
      `[${id}](docs/rules/${id}.md)`,
    );
  });

  for (const example of examplesOf(markdown)) {
    it(`example at docs/rules/${id}.md:${example.line} is ${example.expectation}`, () => {
      const messages = lintExample(id, example);
      expect(
        messages.filter((m) => m.ruleId === null),
        'the example must parse and be linted',
      ).toEqual([]);
      const reported = messages.filter((m) => m.ruleId === `modelflags/${id}`);
      if (example.expectation === 'wrong') expect(reported.length).toBeGreaterThan(0);
      else expect(reported.map((m) => m.message)).toEqual([]);
    });
  }
});

describe('the plugin', () => {
  it('declares its name, version and namespace', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    expect(plugin.meta).toEqual({ name: 'eslint-plugin-modelflags', version: pkg.version, namespace: 'modelflags' });
  });

  it('has exactly one rule module per file in rules/ besides the shared modules', () => {
    const shared = ['index.ts', 'flow.ts', 'support.ts', 'registry-document.ts', 'typed-flow.ts'];
    const files = readdirSync(join(root, 'rules')).filter((f) => f.endsWith('.ts') && !shared.includes(f));
    expect(files.map((f) => f.replace(/\.ts$/, '')).sort()).toEqual([...ruleIds].sort());
  });
});
