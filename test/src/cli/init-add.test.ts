/**
 * `modelflags init` then `add` then `check`, as a new user runs them: the real bin in a temporary
 * directory. `add` keeps the file as its team formatted it, and refuses bad input leaving it untouched.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendFlagEntry } from '../../../src/registry/edit.js';
import { parseRegistry } from '../../../src/registry/validate.js';
import { modelflags, runInProcess } from './support.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'modelflags-init-add-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const inDays = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
const registryText = (): string => readFileSync(join(dir, 'flags.json'), 'utf8');

describe('init, add, check end to end', () => {
  it('starts a registry, adds a flag born with a cleanup date, and the result checks and generates', async () => {
    const init = await modelflags(['init'], dir);
    expect(init.code).toBe(0);
    expect(init.stdout).toContain("import modelflags from 'eslint-plugin-modelflags';");
    expect(init.stdout).toContain('extends: [modelflags.configs.recommended],');
    expect(init.stdout).toContain('settings: { modelflags: { registry: "flags.json" } },');
    const started = JSON.parse(registryText()) as {
      $schema: string;
      flags: { flag: string; owner: string; dimension: string; cleanup_by: string }[];
    };
    expect(started.$schema).toBe('./node_modules/modelflags/schema/flags.schema.json');
    expect(started.flags).toHaveLength(1);
    expect(started.flags[0]).toMatchObject({ owner: expect.any(String), dimension: 'model', cleanup_by: inDays(90) });

    const before = registryText();
    const again = await modelflags(['init'], dir);
    expect(again).toMatchObject({ code: 2, stdout: '' });
    expect(again.stderr).toBe(
      'modelflags: flags.json: already exists; it was left as it is. Add flags to it with `npx modelflags add <flag> …`\n',
    );
    expect(registryText()).toBe(before);

    const add = await modelflags(
      [
        'add',
        'summary_model',
        '--variants',
        'claude-3-haiku,claude-sonnet-4-6',
        '--default',
        'claude-3-haiku',
        '--owner',
        'ml-platform',
        '--dimension',
        'model',
        '--cleanup-in',
        '30d',
        '--description',
        'LLM that writes summaries',
      ],
      dir,
    );
    expect(add).toMatchObject({ code: 0, stderr: '' });
    const after = registryText();
    // Everything before the new entry is byte-identical; the entry follows the file's layout.
    const lastBrace = before.lastIndexOf('}', before.lastIndexOf(']'));
    expect(after.slice(0, lastBrace + 1)).toBe(before.slice(0, lastBrace + 1));
    expect(after.slice(lastBrace + 1)).toBe(
      [
        ',',
        '    {',
        '      "flag": "summary_model",',
        '      "description": "LLM that writes summaries",',
        '      "dimension": "model",',
        '      "owner": "ml-platform",',
        `      "cleanup_by": "${inDays(30)}",`,
        '      "variants": ["claude-3-haiku", "claude-sonnet-4-6"],',
        '      "default": "claude-3-haiku",',
        '      "rules": []',
        '    }',
        '  ]',
        '}',
        '',
      ].join('\n'),
    );

    expect(await modelflags(['check'], dir)).toEqual({ code: 0, stdout: 'flags.json: 2 flags, valid\n', stderr: '' });
    expect((await modelflags(['generate'], dir)).code).toBe(0);
    expect(readFileSync(join(dir, 'flags.generated.ts'), 'utf8')).toContain(
      "summary_model: 'claude-3-haiku' | 'claude-sonnet-4-6';",
    );
    expect((await modelflags(['check'], dir)).stdout).toContain('flags.generated.ts: up to date');
    // Born without rules and without code reading it: a warning, not a failed build.
    const audit = await runInProcess(['audit', '--no-color'], dir);
    expect(audit.code).toBe(0);
    expect(audit.stdout).toContain('warning  summary_model serves "claude-3-haiku" to everyone: it has no rules');
  });

  it('keeps CRLF line endings, four-space indentation and the file’s member order', async () => {
    const crlf = [
      '{',
      '    "flags": [',
      '        {',
      '            "owner": "search",',
      '            "flag": "retrieval_top_k",',
      '            "default": 4,',
      '            "variants": [4, 8],',
      '            "cleanup_by": "2099-01-01"',
      '        }',
      '    ]',
      '}',
      '',
    ].join('\r\n');
    writeFileSync(join(dir, 'flags.json'), crlf);
    const add = await runInProcess(
      [
        'add',
        'rerank_depth',
        '--variants',
        '10,20',
        '--default',
        '20',
        '--owner',
        'search',
        '--cleanup-by',
        inDays(60),
      ],
      dir,
    );
    expect(add).toMatchObject({ code: 0, stderr: '' });
    expect(registryText()).toBe(
      crlf.replace(
        '        }\r\n    ]',
        [
          '        },',
          '        {',
          '            "owner": "search",',
          '            "flag": "rerank_depth",',
          '            "default": 20,',
          '            "variants": [10, 20],',
          `            "cleanup_by": "${inDays(60)}",`,
          '            "rules": []',
          '        }',
          '    ]',
        ].join('\r\n'),
      ),
    );
  });

  it('writes a one-line entry into a registry of one-line entries, and into an empty list', async () => {
    writeFileSync(
      join(dir, 'flags.json'),
      '{ "flags": [\n  { "flag": "a", "owner": "t", "cleanup_by": "2099-01-01", "variants": ["x", "y"], "default": "x" }\n] }\n',
    );
    expect(
      (
        await runInProcess(
          ['add', 'b', '--variants', 'p,q', '--default', 'q', '--owner', 't', '--cleanup-by', inDays(10)],
          dir,
        )
      ).code,
    ).toBe(0);
    expect(registryText()).toBe(
      `{ "flags": [\n  { "flag": "a", "owner": "t", "cleanup_by": "2099-01-01", "variants": ["x", "y"], "default": "x" },\n  { "flag": "b", "owner": "t", "cleanup_by": "${inDays(10)}", "variants": ["p", "q"], "default": "q", "rules": [] }\n] }\n`,
    );
    writeFileSync(join(dir, 'flags.json'), '{\n  "flags": []\n}\n');
    expect(
      (await runInProcess(['add', 'c', '--variants', 'true,false', '--default', 'false', '--owner', 't'], dir)).code,
    ).toBe(0);
    const added = parseRegistry(registryText(), 'flags.json').registry!.byKey.get('c')!;
    expect(added).toMatchObject({ type: 'boolean', defaultValue: false, cleanupBy: inDays(90) });
    expect(registryText()).toMatch(/^\{\n {2}"flags": \[\n {4}\{\n {6}"flag": "c",/);
  });

  it.each([
    [
      ['add', 'bad key', '--variants', 'a,b', '--default', 'a', '--owner', 't'],
      '"bad key" is not a valid flag key: use letters, digits, ".", "_" and "-", starting with a letter or digit',
    ],
    [
      ['add', 'inference_model', '--variants', 'a,b', '--default', 'a', '--owner', 't'],
      'flags.json:5:15: inference_model is already in the registry; nothing was written',
    ],
    [
      ['add', 'f', '--variants', 'a,b', '--default', 'c', '--owner', 't'],
      '--default "c" is not one of --variants (a, b)',
    ],
    [
      ['add', 'f', '--variants', 'a,b', '--default', 'a'],
      'add needs --owner: every flag says what it serves and who removes it',
    ],
    [
      ['add', 'f', '--variants', 'a,b', '--default', 'a', '--owner', 't', '--cleanup-in', '400d'],
      `the cleanup date ${inDays(400)} is 400 days away; at most 180`,
    ],
    [
      ['add', 'f', '--variants', 'a,b', '--default', 'a', '--owner', 't', '--cleanup-by', '2020-01-01'],
      'the cleanup date 2020-01-01 is not after today',
    ],
    [
      ['add', 'f', '--variants', 'a,b', '--default', 'a', '--owner', 't', '--cleanup-in', 'soon'],
      '--cleanup-in must be a number of days or weeks, like 90d or 12w (got "soon")',
    ],
    [
      ['add', 'f', '--variants', 'a,b', '--default', 'a', '--owner', 't', '--dimension', 'modle'],
      '--dimension must be one of: model, prompt, retrieval, format, parameter, other (got "modle") (did you mean "model"?)',
    ],
  ])('refuses %j with a clear message, exit 2, file untouched', async (argv, message) => {
    expect((await runInProcess(['init'], dir)).code).toBe(0);
    const before = registryText();
    const result = await runInProcess(argv, dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(registryText()).toBe(before);
  });

  it('refuses to add to a registry that does not exist, pointing at init', async () => {
    const result = await runInProcess(['add', 'f', '--variants', 'a,b', '--default', 'a', '--owner', 't'], dir);
    expect(result).toMatchObject({ code: 2, stderr: expect.stringContaining('flags.json: no registry here') });
    expect(result.stderr).toContain('npx modelflags init');
  });
});

describe('appendFlagEntry', () => {
  it('keeps every byte of any JSON layout and yields a registry with the new flag last', () => {
    const entry = {
      flag: 'added_flag',
      owner: 'team',
      cleanup_by: '2099-01-01',
      variants: ['p', 'q'],
      default: 'p',
      rules: [],
    };
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            flag: fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/),
            default: fc.constantFrom('a', 'b'),
            variants: fc.constant(['a', 'b']),
          }),
          { maxLength: 4 },
        ),
        fc.constantFrom(0, 1, 2, 4, '\t'),
        fc.constantFrom('\n', '\r\n'),
        (flags, indent, eol) => {
          const unique = flags.filter(
            (f, i) => flags.findIndex((g) => g.flag === f.flag) === i && f.flag !== entry.flag,
          );
          const text = `${JSON.stringify({ flags: unique }, null, indent).replaceAll('\n', eol)}${eol}`;
          const out = appendFlagEntry(text, entry);
          const parsed = parseRegistry(out, 'flags.json');
          expect(parsed.issues).toEqual([]);
          expect(parsed.registry!.flags.map((f) => f.key)).toEqual([...unique.map((f) => f.flag), entry.flag]);
          // Only the insertion differs: the original is the output with one span removed.
          let start = 0;
          while (start < text.length && text[start] === out[start]) start++;
          const tail = text.length - start;
          expect(out.slice(0, start) + out.slice(out.length - tail)).toBe(text);
          if (eol === '\n') expect(out).not.toContain('\r');
          else expect(out.replaceAll('\r\n', '')).not.toContain('\n');
        },
      ),
    );
  });
});
