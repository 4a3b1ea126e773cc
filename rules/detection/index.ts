/**
 * `eslint-plugin-modelflags/detection`: flag-read detection, shared by the rules, the audit and the
 * codemod. It imports nothing of the repository but the registry core (and types of the CLI's
 * contract). Along the data path: files.ts finds files, prefilter.ts skips most of them, parse.ts
 * parses the rest, detector.ts finds the reads (sdks/ says what each SDK looks like, keys.ts what
 * a key argument is, project.ts follows imports), scan.ts does all of it for the audit.
 */
export type { CustomReader, DetectionOptions, FlagRead, KeyKind, ProjectView, SdkId, ValueKind } from './types.js';
export { findFlagReads } from './detector.js';
export { mightContainReads, TRIGGER } from './prefilter.js';
export { bindingOf, camelCase, memberName, outerParent, unwrapExpression, variablesOf } from './ast.js';
export { forEachNode, NON_CHILD_FIELDS } from './traverse.js';
export { allowsJsx, checkSyntax, parseBabel, parseForDetection, SourceSyntaxError } from './parse.js';
export { diskProject, workspaceRootOf } from './project.js';
// File discovery is shared with the codemod's own walk over a project.
export { isSourceFile, listSourceFiles, SOURCE_EXTENSIONS, toPosix } from './files.js';
export { scanFlagReads } from './scan.js';
