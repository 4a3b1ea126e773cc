/** A change that breaks the build is never written: every changed file must parse, and type check no worse than before. */
import { checkSyntax, isSourceFile } from 'eslint-plugin-modelflags/detection';
import type { LineDiff } from './diff.js';
import { dependentsOf } from './import-graph.js';
import type { RewriteResult, Site } from './rewrite.js';
import type { NewTypeError } from './verify.js';

export interface ChangeCheck {
  /** `typeChecked` only when a type check ran over changed source files. */
  verification: { typeChecked: boolean; errors: NewTypeError[] };
  /** Why the change may not be written, as sites for a human; empty when it may. */
  blockers: Site[];
}

export async function checkChanges(input: {
  /** New text by file: the source files, the registry, the regenerated typed modules. */
  changes: ReadonlyMap<string, string>;
  registryPath: string;
  results: ReadonlyMap<string, RewriteResult>;
  /** Every file's text after the rewrite, to find the files importing a changed one. */
  current: ReadonlyMap<string, string>;
  diffs: ReadonlyMap<string, LineDiff>;
  cwd: string;
  typeCheck: boolean;
  display: (file: string) => string;
}): Promise<ChangeCheck> {
  const { changes, registryPath, results, diffs, cwd, display } = input;
  const broken: Site[] = [];
  const codeChanges = [...changes.keys()].filter((f) => f !== registryPath);
  for (const file of codeChanges) {
    try {
      // A file rewritten through a window is checked on the window: the rest is its own code.
      const windowText =
        results.get(file)?.output === changes.get(file) ? results.get(file)?.syntaxCheckText : undefined;
      checkSyntax(windowText ?? changes.get(file)!, file);
    } catch (error) {
      broken.push({
        file: display(file),
        line: 1,
        column: 1,
        flag: undefined,
        reason: `internal error: the rewritten file does not parse (${(error as Error).message}); nothing was written, please report this`,
      });
    }
  }
  const verification: ChangeCheck['verification'] = { typeChecked: false, errors: [] };
  const sourceChanges = codeChanges.filter((f) => isSourceFile(f));
  if (broken.length === 0 && input.typeCheck && sourceChanges.length > 0) {
    const roots = [...new Set([...sourceChanges, ...dependentsOf(sourceChanges, input.current)])];
    verification.typeChecked = true;
    // Loaded only to verify: --no-verify runs never evaluate the type checker's wrapper.
    const { compilerOptionsFor, newTypeErrors } = await import('./verify.js');
    // Reported at the line of the file as it is on disk (nothing is written), not of the rewritten text.
    verification.errors = newTypeErrors(roots, changes, compilerOptionsFor(cwd)).map((e) => {
      const at = diffs.get(e.file)?.originalLine(e.line) ?? { line: e.line, rewritten: false };
      if (!at.rewritten) return { ...e, file: display(e.file), line: at.line };
      return {
        file: display(e.file),
        line: at.line,
        column: 1,
        message: e.message,
        rewritten: { line: e.line, column: e.column },
      };
    });
  }
  const typeErrors = verification.errors.map((e): Site => {
    const where = e.rewritten
      ? `in what the codemod rewrote this line to (line ${e.rewritten.line}:${e.rewritten.column} of the rewritten file)`
      : 'at this line';
    return {
      file: e.file,
      line: e.line,
      column: e.column,
      flag: undefined,
      reason: `the change would add a type error ${where} (${e.message}); nothing was written`,
    };
  });
  return { verification, blockers: [...broken, ...typeErrors] };
}
