/**
 * The rewrite's window (codemods/window.ts) must never change what the rewrite produces: every
 * fixture goes through remove-flag as usual and with the window forced on for every file, with the
 * same files and report, and generated modules where the window does engage give byte for byte
 * what the whole-file rewrite gives.
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { largeSource } from '../../bench/codemod/size.js';
import type { CustomReader } from '../../rules/detection/types.js';
import { removeFlag, type FlagToRemove } from '../../codemods/remove-flag.js';
import { rewriteSource, type RewriteContext } from '../../codemods/rewrite.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const SHARED = join(FIXTURES, '_shared');

function listFiles(root: string): string[] {
  if (!existsSync(root)) return [];
  const out: string[] = [];
  const visit = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      const full = join(dir, entry);
      if (statSync(full).isDirectory()) visit(full);
      else out.push(relative(root, full));
    }
  };
  visit(root);
  return out.sort();
}

const context: RewriteContext = {
  decisions: new Map([['inference_model', 'claude-sonnet-4-6']]),
  registryKeys: new Set(['inference_model', 'system_prompt_version']),
};

/** The same file through the window and whole; the window must have engaged. */
function bothWays(source: string): {
  window: ReturnType<typeof rewriteSource>;
  whole: ReturnType<typeof rewriteSource>;
} {
  const window = rewriteSource('src/big.ts', source, context, true);
  const whole = rewriteSource('src/big.ts', source, context, false);
  expect(whole.syntaxCheckText).toBeUndefined();
  return { window, whole };
}

describe('the rewrite window', () => {
  it('rewrites a generated module through the window exactly as the whole file', () => {
    const source = largeSource(40_000);
    const { window, whole } = bothWays(source);
    expect(window.syntaxCheckText, 'the window engaged').toBeDefined();
    expect(window.syntaxCheckText!.length).toBeLessThan(source.length);
    expect(window.output).toBe(whole.output);
    expect(window.rewritten).toEqual(whole.rewritten);
    expect(window.rewritten).toHaveLength(36);
    expect(window.unresolved).toEqual(whole.unresolved);
  });

  it('keeps an import the left-out code still uses, as the whole-file rewrite does', () => {
    const source = [
      "import { flags } from './flags';",
      "import { legacy } from './legacy';",
      '',
      'export function pick(ctx: { userId: string }): string {',
      "  if (flags.get('inference_model', ctx) === 'claude-3-haiku') {",
      '    return legacy();',
      '  }',
      "  return 'large';",
      '}',
      '',
      largeSource(20_000).replace(/^import .*\n/, ''),
      'export const other = (): string => legacy();',
      '',
    ].join('\n');
    const { window, whole } = bothWays(source);
    expect(window.syntaxCheckText, 'the window engaged').toBeDefined();
    expect(whole.output).toContain("import { legacy } from './legacy';");
    expect(window.output).toBe(whole.output);
  });

  it('falls back to the whole file when a name is declared on both sides', () => {
    // `model` is declared in a function the window leaves out and in those it rewrites: the
    // rewrite's by-name count of uses would see only some of them.
    const source = largeSource(20_000) + 'export function elsewhere(model: string): string {\n  return model;\n}\n';
    const { window, whole } = bothWays(source);
    expect(window.syntaxCheckText).toBeUndefined();
    expect(window.output).toBe(whole.output);
  });

  it('falls back to the whole file when the window writes a name declared only outside it', () => {
    // `legacyLimit` is a global in the window and a local of a left-out function; the whole-file
    // rewrite counts uses by name, so the dead branch's going takes the local's declaration along.
    const source = [
      "import { flags } from './flags';",
      '',
      'export function pick(ctx: { userId: string }): string {',
      "  if (flags.get('inference_model', ctx) === 'claude-3-haiku') {",
      '    return String(legacyLimit);',
      '  }',
      "  return 'large';",
      '}',
      '',
      largeSource(20_000).replace(/^import .*\n/, ''),
      'export function cleanup(): void {',
      '  const legacyLimit = 10;',
      '}',
      '',
    ].join('\n');
    const { window, whole } = bothWays(source);
    expect(window.syntaxCheckText).toBeUndefined();
    expect(window.output).toBe(whole.output);
  });
});

// Fixtures hold their .gitignore files as `_gitignore`, as in fixtures.test.ts.
function installGitignores(root: string): void {
  for (const f of listFiles(root))
    if (basename(f) === '_gitignore') renameSync(join(root, f), join(root, dirname(f), '.gitignore'));
}

interface CaseSpec {
  flags?: FlagToRemove[];
  flag?: string;
  keep?: string;
  paths?: string[];
  readers?: CustomReader[];
  registry?: string;
  verify?: boolean;
  withoutRegistry?: boolean;
}

describe('every fixture through the window and whole', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'remove-flag-window-'));
  const before = process.env['MODELFLAGS_REWRITE_WINDOW_FROM'];
  afterAll(() => {
    if (before === undefined) delete process.env['MODELFLAGS_REWRITE_WINDOW_FROM'];
    else process.env['MODELFLAGS_REWRITE_WINDOW_FROM'] = before;
    rmSync(scratch, { recursive: true, force: true });
  });
  /** remove-flag on a fresh copy of the case; `windowFrom` as MODELFLAGS_REWRITE_WINDOW_FROM. */
  const run = async (
    name: string,
    windowFrom: string | undefined,
  ): Promise<{ files: Map<string, string>; report: unknown }> => {
    const dir = join(FIXTURES, name);
    const spec = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as CaseSpec;
    const work = join(scratch, `${name}-${windowFrom ?? 'whole'}`);
    mkdirSync(work, { recursive: true });
    cpSync(join(dir, 'input'), work, { recursive: true });
    installGitignores(work);
    const registry = spec.registry ?? 'flags.json';
    if (!spec.withoutRegistry && !existsSync(join(dir, 'input', registry)))
      cpSync(join(SHARED, 'flags.json'), join(work, registry));
    if (windowFrom === undefined) delete process.env['MODELFLAGS_REWRITE_WINDOW_FROM'];
    else process.env['MODELFLAGS_REWRITE_WINDOW_FROM'] = windowFrom;
    const report = await removeFlag({
      flags: spec.flags ?? [{ flag: spec.flag!, keep: spec.keep! }],
      cwd: work,
      registry,
      verify: spec.verify ?? false,
      ...(spec.paths ? { paths: spec.paths } : {}),
      ...(spec.readers ? { readers: spec.readers } : {}),
    });
    const files = new Map(listFiles(work).map((f) => [f, readFileSync(join(work, f), 'utf8')]));
    return {
      files,
      report: {
        exitCode: report.exitCode,
        rewritten: report.rewritten,
        unresolved: report.unresolved,
        errors: report.errors,
        changedFiles: report.changedFiles,
      },
    };
  };
  const cases = readdirSync(FIXTURES)
    .filter((name) => !name.startsWith('_') && statSync(join(FIXTURES, name)).isDirectory())
    .sort();
  for (const name of cases) {
    it(name, async () => {
      const whole = await run(name, undefined);
      const window = await run(name, '0');
      expect(window.report).toEqual(whole.report);
      expect([...window.files.keys()]).toEqual([...whole.files.keys()]);
      for (const [file, text] of whole.files) expect(window.files.get(file), file).toBe(text);
    });
  }
});
