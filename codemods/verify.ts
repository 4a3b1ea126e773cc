/**
 * Type-check verification: the TypeScript program over the changed files and the files that
 * import them must have no error that it did not have before the change. Comparing with the
 * program before the change keeps a project's existing errors from blocking the codemod.
 */
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import type * as TS from 'typescript';

// Required rather than imported: an ESM import of TypeScript's 9 MB CommonJS bundle makes Node
// scan all of it for named exports first, and typescript-estree has usually required it already.
const ts = createRequire(import.meta.url)('typescript') as typeof TS;

export interface NewTypeError {
  file: string;
  /**
   * `newTypeErrors` gives the position in the text it checked (the rewritten one); the
   * `remove-flag` report maps it back to the file as it is on disk, which it leaves unwritten.
   */
  line: number;
  column: number;
  message: string;
  /** Set when the error is on a line the change rewrote: where it is in the rewritten text. */
  rewritten?: { line: number; column: number };
}

const FALLBACK_OPTIONS: TS.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  jsx: ts.JsxEmit.Preserve,
  strict: true,
  skipLibCheck: true,
  allowJs: true,
  resolveJsonModule: true,
  noEmit: true,
};

/** Compiler options of the nearest tsconfig.json above `directory`, or sensible defaults. */
export function compilerOptionsFor(directory: string): TS.CompilerOptions {
  const configPath = ts.findConfigFile(directory, (f) => ts.sys.fileExists(f));
  if (!configPath) return FALLBACK_OPTIONS;
  const parsed = ts.getParsedCommandLineOfConfigFile(
    configPath,
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined },
  );
  return parsed ? { ...parsed.options, noEmit: true, skipLibCheck: true } : FALLBACK_OPTIONS;
}

type Found = Map<string, { count: number; first: NewTypeError }>;

/**
 * Errors present after the change but not before, over `roots` (absolute paths). `changes` maps
 * absolute paths to their new text; every other file is read from disk.
 *
 * The program after the change is checked first, and only over `roots`: when those have no
 * errors, nothing can be new and the program before the change is never built. Otherwise it is
 * built reusing the first program's unchanged source files, and only the roots with errors after
 * are checked in it.
 */
export function newTypeErrors(
  roots: readonly string[],
  changes: ReadonlyMap<string, string>,
  options: TS.CompilerOptions,
): NewTypeError[] {
  // Unchanged files (lib files above all) are parsed once and shared by both programs.
  const unchanged = new Map<string, TS.SourceFile>();
  const createHost = (overlay: ReadonlyMap<string, string> | undefined): TS.CompilerHost => {
    const host = ts.createCompilerHost(options, true);
    const changed = (fileName: string): string | undefined => overlay?.get(resolve(fileName));
    host.readFile = (fileName) => changed(fileName) ?? ts.sys.readFile(fileName);
    host.fileExists = (fileName) => changed(fileName) !== undefined || ts.sys.fileExists(fileName);
    host.getSourceFile = (fileName, languageVersion) => {
      const text = changed(fileName);
      if (text !== undefined) return ts.createSourceFile(fileName, text, languageVersion, true);
      const key = resolve(fileName);
      let sourceFile = unchanged.get(key);
      if (!sourceFile) {
        const disk = ts.sys.readFile(fileName);
        if (disk === undefined) return undefined;
        sourceFile = ts.createSourceFile(fileName, disk, languageVersion, true);
        unchanged.set(key, sourceFile);
      }
      return sourceFile;
    };
    return host;
  };
  const diagnose = (program: TS.Program, files: readonly string[]): Found => {
    const found: Found = new Map();
    for (const root of files) {
      const sourceFile = program.getSourceFile(root);
      if (!sourceFile) continue;
      for (const d of [...program.getSyntacticDiagnostics(sourceFile), ...program.getSemanticDiagnostics(sourceFile)]) {
        if (d.category !== ts.DiagnosticCategory.Error) continue;
        const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
        // Positions move when lines are deleted, so errors are matched by file, code and text.
        const key = `${root}\u0000${d.code}\u0000${message}`;
        const { line, character } =
          d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : { line: 0, character: 0 };
        const entry = found.get(key);
        if (entry) entry.count++;
        else
          found.set(key, {
            count: 1,
            first: { file: root, line: line + 1, column: character + 1, message: `TS${d.code}: ${message}` },
          });
      }
    }
    return found;
  };
  const afterProgram = ts.createProgram({ rootNames: [...roots], options, host: createHost(changes) });
  const after = diagnose(afterProgram, roots);
  if (after.size === 0) return [];
  const failing = roots.filter((root) => [...after.values()].some((e) => e.first.file === root));
  const beforeProgram = ts.createProgram({
    rootNames: [...roots],
    options,
    host: createHost(undefined),
    oldProgram: afterProgram,
  });
  const before = diagnose(beforeProgram, failing);
  const errors: NewTypeError[] = [];
  for (const [key, entry] of after) {
    if (entry.count > (before.get(key)?.count ?? 0)) errors.push(entry.first);
  }
  return errors;
}
