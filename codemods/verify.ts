/**
 * Type-check verification: the TypeScript program over the changed files and the files that
 * import them must have no error that it did not have before the change. Comparing with the
 * program before the change keeps a project's existing errors from blocking the codemod.
 */
import { dirname, resolve } from 'node:path';
import ts from 'typescript';

export interface NewTypeError {
  file: string;
  line: number;
  column: number;
  message: string;
}

const FALLBACK_OPTIONS: ts.CompilerOptions = {
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
export function compilerOptionsFor(directory: string): ts.CompilerOptions {
  const configPath = ts.findConfigFile(directory, (f) => ts.sys.fileExists(f));
  if (!configPath) return FALLBACK_OPTIONS;
  const parsed = ts.getParsedCommandLineOfConfigFile(configPath, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
  return parsed ? { ...parsed.options, noEmit: true, skipLibCheck: true } : FALLBACK_OPTIONS;
}

/**
 * Errors present after the change but not before, over `roots` (absolute paths). `changes` maps
 * absolute paths to their new text; every other file is read from disk.
 */
export function newTypeErrors(roots: readonly string[], changes: ReadonlyMap<string, string>, options: ts.CompilerOptions): NewTypeError[] {
  const cache = new Map<string, ts.SourceFile>();
  const diagnose = (overlay: ReadonlyMap<string, string> | undefined): Map<string, { count: number; first: NewTypeError }> => {
    const host = ts.createCompilerHost(options, true);
    const readFile = (fileName: string): string | undefined => overlay?.get(resolve(fileName)) ?? ts.sys.readFile(fileName);
    host.readFile = readFile;
    host.fileExists = (fileName) => overlay?.has(resolve(fileName)) === true || ts.sys.fileExists(fileName);
    host.getSourceFile = (fileName, languageVersion) => {
      const text = readFile(fileName);
      if (text === undefined) return undefined;
      const cacheKey = `${fileName}\u0000${overlay?.has(resolve(fileName)) ? 'after' : 'disk'}`;
      let sourceFile = cache.get(cacheKey);
      if (!sourceFile) {
        sourceFile = ts.createSourceFile(fileName, text, languageVersion, true);
        cache.set(cacheKey, sourceFile);
      }
      return sourceFile;
    };
    const program = ts.createProgram({ rootNames: [...roots], options, host });
    const found = new Map<string, { count: number; first: NewTypeError }>();
    for (const root of roots) {
      const sourceFile = program.getSourceFile(root);
      if (!sourceFile) continue;
      for (const d of [...program.getSyntacticDiagnostics(sourceFile), ...program.getSemanticDiagnostics(sourceFile)]) {
        if (d.category !== ts.DiagnosticCategory.Error) continue;
        const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
        // Positions move when lines are deleted, so errors are matched by file, code and text.
        const key = `${root}\u0000${d.code}\u0000${message}`;
        const { line, character } = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : { line: 0, character: 0 };
        const entry = found.get(key);
        if (entry) entry.count++;
        else found.set(key, { count: 1, first: { file: root, line: line + 1, column: character + 1, message: `TS${d.code}: ${message}` } });
      }
    }
    return found;
  };
  const before = diagnose(undefined);
  const after = diagnose(changes);
  const errors: NewTypeError[] = [];
  for (const [key, entry] of after) {
    if (entry.count > (before.get(key)?.count ?? 0)) errors.push(entry.first);
  }
  return errors;
}

export function projectDirectoryOf(file: string): string {
  return dirname(resolve(file));
}
