/**
 * Fixture suite for remove-flag: every folder under fixtures/ (except `_shared`) is one case with
 * `input/`, `expected/` and `case.json`. Each case runs on a temp copy, is compared byte for
 * byte, runs a second time to prove nothing changes (and that it exits as the first run did: a
 * flag the first run removed is a verified no-op), and its output must type check.
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
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import type { CustomReader } from '../../rules/detection/types.js';
import { removeFlag, type FlagToRemove } from '../../codemods/remove-flag.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const SHARED = join(FIXTURES, '_shared');
const REQUIRE = createRequire(import.meta.url);

interface CaseSpec {
  description: string;
  flags?: FlagToRemove[];
  flag?: string;
  keep?: string;
  paths?: string[];
  readers?: CustomReader[];
  registry?: string;
  verify?: boolean;
  exitCode?: 0 | 1 | 2;
  /** Sites left for a human: file and line, and a fragment of the reason. */
  unresolved?: { file: string; line: number; reason: string }[];
  /** `--ignore` globs. */
  ignore?: string[];
  /** Sites listed as notes, not blockers: file and line, and a fragment of the reason. */
  notes?: { file: string; line: number; reason: string }[];
  /** Message fragments expected among the input errors (exit 2). */
  errors?: string[];
  /** Run without any registry file, to test the refusal. */
  withoutRegistry?: boolean;
  /** Skip type checking when the case is about code that does not type check on purpose. */
  typecheck?: boolean;
  /** The project has Prettier installed: this repository's, linked into its node_modules. */
  prettier?: boolean;
  /** Packages installed in the project's node_modules as the types in `_shared/packages/<name>.d.ts`. */
  stubs?: string[];
}

function listFiles(root: string): string[] {
  if (!existsSync(root)) return [];
  const out: string[] = [];
  const visit = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      if (entry === 'node_modules') continue;
      const full = join(dir, entry);
      if (statSync(full).isDirectory()) visit(full);
      else out.push(relative(root, full));
    }
  };
  visit(root);
  return out.sort();
}

// Fixtures hold their .gitignore files as `_gitignore`: a real one would hide the fixture's own
// files from this repository's git.
const GITIGNORE_STAND_IN = '_gitignore';

function installGitignores(root: string): void {
  for (const f of listFiles(root))
    if (basename(f) === GITIGNORE_STAND_IN) renameSync(join(root, f), join(root, dirname(f), '.gitignore'));
}

function snapshot(root: string): Map<string, string> {
  const key = (f: string): string => (basename(f) === '.gitignore' ? join(dirname(f), GITIGNORE_STAND_IN) : f);
  return new Map(listFiles(root).map((f) => [key(f), readFileSync(join(root, f), 'utf8')]));
}

// Lib files parse once for the whole suite; each case builds its own small program.
const sourceFileCache = new Map<string, ts.SourceFile>();
const compilerOptions: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  jsx: ts.JsxEmit.Preserve,
  lib: ['lib.es2022.d.ts'],
  types: [],
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  resolveJsonModule: true,
  allowImportingTsExtensions: true,
};

function typeErrors(root: string): string[] {
  const files = listFiles(root)
    .filter((f) => /\.(ts|tsx|mts|cts)$/.test(f))
    .map((f) => join(root, f));
  const host = ts.createCompilerHost(compilerOptions, true);
  const original = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError) => {
    if (!fileName.includes('/lib.') && !fileName.endsWith('stubs.d.ts'))
      return original(fileName, languageVersion, onError);
    let sf = sourceFileCache.get(fileName);
    if (!sf) {
      sf = original(fileName, languageVersion, onError)!;
      sourceFileCache.set(fileName, sf);
    }
    return sf;
  };
  const program = ts.createProgram({
    rootNames: [...files, join(SHARED, 'stubs.d.ts')],
    options: compilerOptions,
    host,
  });
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where =
      d.file && d.start !== undefined
        ? `${relative(root, d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}`
        : '';
    return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
  });
}

const cases = readdirSync(FIXTURES)
  .filter((name) => !name.startsWith('_') && statSync(join(FIXTURES, name)).isDirectory())
  .sort();
const scratch = mkdtempSync(join(tmpdir(), 'remove-flag-fixtures-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('remove-flag fixtures', () => {
  it('has at least 100 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(100);
  });

  for (const name of cases) {
    const dir = join(FIXTURES, name);
    const spec = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as CaseSpec;
    it(`${name}: ${spec.description}`, async () => {
      const work = join(scratch, name);
      mkdirSync(work, { recursive: true });
      cpSync(join(dir, 'input'), work, { recursive: true });
      installGitignores(work);
      for (const name of spec.stubs ?? []) {
        mkdirSync(join(work, 'node_modules', name), { recursive: true });
        writeFileSync(join(work, 'node_modules', name, 'package.json'), JSON.stringify({ name, types: 'index.d.ts' }));
        cpSync(join(SHARED, 'packages', `${name}.d.ts`), join(work, 'node_modules', name, 'index.d.ts'));
      }
      if (spec.prettier) {
        mkdirSync(join(work, 'node_modules'), { recursive: true });
        symlinkSync(dirname(REQUIRE.resolve('prettier/package.json')), join(work, 'node_modules', 'prettier'));
      }
      const registry = spec.registry ?? 'flags.json';
      const sharedRegistry = !spec.withoutRegistry && !existsSync(join(dir, 'input', registry));
      if (sharedRegistry) cpSync(join(SHARED, 'flags.json'), join(work, registry));
      if (spec.typecheck !== false) expect(typeErrors(work), 'the input itself must type check').toEqual([]);

      const flags = spec.flags ?? [{ flag: spec.flag!, keep: spec.keep! }];
      const run = () =>
        removeFlag({
          flags,
          cwd: work,
          registry,
          verify: spec.verify ?? false,
          ...(spec.paths ? { paths: spec.paths } : {}),
          ...(spec.readers ? { readers: spec.readers } : {}),
          ...(spec.ignore ? { ignore: spec.ignore } : {}),
        });
      const report = await run();
      expect(report.errors.map((e) => e.message).join('\n')).toSatisfy((text: string) =>
        (spec.errors ?? []).every((e) => text.includes(e)),
      );
      if (!spec.errors) expect(report.errors).toEqual([]);
      expect(report.exitCode).toBe(spec.exitCode ?? 0);
      expect(report.unresolved.map((s) => `${s.file}:${s.line}`)).toEqual(
        (spec.unresolved ?? []).map((s) => `${s.file}:${s.line}`),
      );
      for (const [i, s] of (spec.unresolved ?? []).entries()) expect(report.unresolved[i]!.reason).toContain(s.reason);
      expect(report.notes.map((s) => `${s.file}:${s.line}`)).toEqual(
        (spec.notes ?? []).map((s) => `${s.file}:${s.line}`),
      );
      for (const [i, s] of (spec.notes ?? []).entries()) expect(report.notes[i]!.reason).toContain(s.reason);

      const actual = snapshot(work);
      if (sharedRegistry) actual.delete(registry);
      const expected = snapshot(join(dir, 'expected'));
      expect([...actual.keys()]).toEqual([...expected.keys()]);
      for (const [file, text] of expected) expect(actual.get(file), file).toBe(text);

      const again = await run();
      expect(again.written ? again.changedFiles : [], 'a second run changes nothing').toEqual([]);
      // It answers as the first did: a flag the first removed is gone from the registry, and the
      // second run's own search finds no code reading it (exit 0, nothing to do).
      expect(again.exitCode, 'a second run exits as the first did').toBe(report.exitCode);
      if (report.written && report.registry?.action === 'removed') {
        expect(again.notInRegistry).toEqual(flags.map((f) => f.flag));
        expect(again.unresolved).toEqual([]);
      }
      const after = snapshot(work);
      if (sharedRegistry) after.delete(registry);
      expect(after).toEqual(actual);

      if (spec.typecheck !== false) expect(typeErrors(work), 'the output must type check').toEqual([]);
    });
  }
});
