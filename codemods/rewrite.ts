/**
 * Rewrites one source file: every read of a retired flag becomes the kept value, then the
 * simplification passes (simplify/) fold what that made constant. The steps are in
 * {@link rewriteWhole}; replacing one read is read-replacement.ts's, constants across modules
 * constant-exports.ts's.
 */
import type { TSESTree } from '@typescript-eslint/types';
import type { FlagValue } from 'modelflags/registry';
import { findFlagReads, type CustomReader, type ProjectView } from 'eslint-plugin-modelflags/detection';
import { allowsJsx, parseForDetection, SourceSyntaxError } from 'eslint-plugin-modelflags/detection';
import { referenceCounts, type AstNode } from './ast.js';
import {
  collectKeyExports,
  constantExportsOf,
  inlineImportedConstants,
  markRemovableExports,
  type ConstantExport,
} from './constant-exports.js';
import { blankHeader, restoreHeader } from './header.js';
import {
  exportedDefinitionName,
  importedRoot,
  importMap,
  indexByRange,
  isShadowedReceiver,
  keepParametersOnOneLine,
  keepPatternsOnOneLine,
  removeDefinition,
  replaceRead,
  resolveImportedKey,
} from './read-replacement.js';
import {
  collectPropConstants,
  dropAttributes,
  inlineProps,
  type PropConstant,
  type PropValues,
} from './prop-constants.js';
import { parseForRewrite } from './recast-lists.js';
import {
  isTestFile,
  keepBlankLinesBetweenChildren,
  removeUnused,
  simplify,
  Simplifier,
  testOverrideEdits,
} from './simplify/index.js';
import { followSemicolonStyle } from './semicolons.js';
import { replaceStreamRead, type StreamPolicy } from './streams.js';
import { applyEdits, keyListEdits } from './text-edits.js';
import { countQuotes, planWindow, restoreWindow, type WindowPlan } from './window.js';

export interface Site {
  file: string;
  line: number;
  column: number;
  flag: string | undefined;
  /** Why a human has to finish this site; absent for rewritten sites. */
  reason?: string;
}

export interface RewriteContext {
  /** Retired flag key → kept value. */
  decisions: ReadonlyMap<string, FlagValue>;
  registryKeys: ReadonlySet<string>;
  readers?: readonly CustomReader[];
  /** A binding exported by another module that now always holds (or returns) the kept value. */
  importedConstant?: (source: string, importedName: string) => ConstantExport | undefined;
  /** An exported constant of another module that names a retired flag key (`FLAGS.MODEL`). */
  importedKey?: (source: string, importedName: string) => string | undefined;
  /** Exports nothing imports any more: their declarations may be removed once inlined. */
  removableExports?: ReadonlySet<string>;
  /** The rest of the project, so that detection resolves keys imported from other files and workspace packages. */
  project?: ProjectView;
  /** Whether a stream read outside `combineLatest` may become `of(value)` (streams.ts); default `unverified`. */
  streams?: StreamPolicy;
  /** Props of this module's components every use passes as a constant: inlined, then gone (prop-constants.ts). */
  inlineProps?: PropValues;
  /** JSX element name → attributes of props that went from the component. */
  dropAttributes?: ReadonlyMap<string, ReadonlySet<string>>;
}

export interface RewriteResult {
  output: string;
  rewritten: Site[];
  unresolved: Site[];
  /** Exports of this file that now hold or return the kept value, for importers to inline. */
  constantExports: Map<string, ConstantExport>;
  /** Exports of this file that name a retired flag key, by (qualified) name. */
  keyExports: Map<string, string>;
  /** Stream reads that became `of(value)`: the type check decides whether they may stay. */
  streamsAsOf: Site[];
  /** JSX attributes the rewrite made constant: the props they pass may go (prop-constants.ts). */
  propConstants: PropConstant[];
  /** `name\0prop` of the props of `inlineProps` that went. */
  inlinedProps: string[];
  /**
   * When the output parses if this text does: the rewritten window, with every run of statements
   * the rewrite left out (the input's own code, verbatim) still a placeholder. Absent: the output.
   */
  syntaxCheckText?: string;
}

export class SourceParseError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    message: string,
  ) {
    super(`${file}:${line}:${column}: ${message}`);
    this.name = 'SourceParseError';
  }
}

function parserFor(file: string): 'ts' | 'tsx' {
  return allowsJsx(file) ? 'tsx' : 'ts';
}

/**
 * Files at least this long are rewritten through a window (codemods/window.ts). The environment
 * variable MODELFLAGS_REWRITE_WINDOW_FROM overrides it: the tests set 0 to send every file through
 * the window and compare with the whole-file rewrite.
 */
const WINDOW_FROM = 100_000;
/** Below this share of the file left out, the window saves too little to be worth it. */
const WINDOW_MIN_LEFT_OUT = 0.3;

function windowFrom(): number {
  const value = process.env['MODELFLAGS_REWRITE_WINDOW_FROM'];
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : WINDOW_FROM;
}

export function rewriteSource(
  file: string,
  text: string,
  context: RewriteContext,
  useWindow = text.length >= windowFrom(),
): RewriteResult {
  if (text.charCodeAt(0) === 0xfeff) {
    // The byte order mark belongs to the encoding, not the code (and editors do not count it as a
    // column): the code after it is rewritten, and the mark put back.
    const result = rewriteSource(file, text.slice(1), context, useWindow);
    result.output = `\uFEFF${result.output}`;
    if (result.syntaxCheckText !== undefined) result.syntaxCheckText = `\uFEFF${result.syntaxCheckText}`;
    return result;
  }
  const plan =
    useWindow && !isTestFile(file)
      ? planWindow({
          text,
          file,
          registryKeys: context.registryKeys,
          readers: context.readers ?? [],
          terms: [...context.decisions.keys(), ...(context.removableExports ?? [])],
          minLeftOut: windowFrom() === 0 ? 0 : WINDOW_MIN_LEFT_OUT,
          isConstantImport: (from, name) => context.importedConstant?.(from, name) !== undefined,
        })
      : undefined;
  if (!plan) return rewriteWhole(file, text, context, undefined);
  const result = rewriteWhole(file, plan.text, context, plan);
  if (result.output === plan.text) return { ...result, output: text };
  const restored = restoreWindow(result.output, plan, text);
  if (restored === undefined) return rewriteSource(file, text, context, false);
  return { ...result, output: restored, syntaxCheckText: result.output };
}

/**
 * The rewrite of `text` as one program: the whole file, or the window `plan` made of it.
 * 1. parse for the detection, and blank the header out (header.ts);
 * 2. text edits: retired keys leave key lists, test set-up pinning the flag goes;
 * 3. find the reads, parse for recast;
 * 4. replace each read of a retired flag with its kept value (or say why a human must);
 * 5. inline constants other modules now export, mark exports nobody imports any more;
 * 6. simplify to a fixed point, drop what lost its last use, note this module's constant exports;
 * 7. print, and put the header back.
 */
function rewriteWhole(
  file: string,
  text: string,
  context: RewriteContext,
  plan: WindowPlan | undefined,
): RewriteResult {
  const result: RewriteResult = {
    output: text,
    rewritten: [],
    unresolved: [],
    constantExports: new Map(),
    keyExports: new Map(),
    streamsAsOf: [],
    propConstants: [],
    inlinedProps: [],
  };
  let detection = parseOrThrow(text, file);
  const header = blankHeader(text, detection.ast);
  let source = header.blanked;
  let edited = false;

  const edits = [
    ...keyListEdits(detection.ast, flagClients(file, detection, context), context.decisions),
    ...(isTestFile(file) ? testOverrideEdits(detection.ast, header.blanked, context.decisions) : []),
  ];
  if (edits.length > 0) {
    source = applyEdits(header.blanked, edits);
    detection = parseForDetection(source, file);
    edited = true;
  }

  const importsByLocal = importMap(detection.ast);
  const reads = findFlagReads(detection.ast, detection.scopeManager, {
    registryKeys: context.registryKeys,
    ...(context.readers ? { readers: context.readers } : {}),
    ...(context.project ? { file, project: context.project } : {}),
  });
  const site = (node: TSESTree.Node, flag: string | undefined, reason?: string): Site => ({
    file,
    line: node.loc.start.line,
    column: node.loc.start.column + 1,
    flag,
    ...(reason === undefined ? {} : { reason }),
  });
  const root = parseForRewrite(parserFor(file), source);
  const program = (root.get().node as AstNode).program as AstNode;
  // Uses are counted on the file as written, so imports only test set-up needed still count as used before.
  const usesBefore = referenceCounts(
    source === header.blanked
      ? program
      : ((parseForRewrite(parserFor(file), header.blanked).get().node as AstNode).program as AstNode),
  );
  const marked = new WeakSet<object>();
  const quotes = countQuotes(program, { ...(plan?.quotes ?? { single: 0, double: 0 }) });
  const simplifier = new Simplifier(program, {
    marked,
    quote: quotes.double > quotes.single ? '"' : "'",
    isTestFile: isTestFile(file),
    removableExports: context.removableExports ?? new Set(),
  });
  const byRange = indexByRange(
    program,
    reads.flatMap((r) => [
      ...(r.valueNode ? [r.valueNode] : []),
      r.call,
      ...(r.call.parent?.type === 'AwaitExpression' ? [r.call.parent] : []),
    ]),
  );

  for (const read of reads) {
    if (isShadowedReceiver(read, detection.scopeManager)) continue;
    const key = read.key ?? resolveImportedKey(read, importsByLocal, context);
    if (key === undefined) {
      if (read.keyKind === 'dynamic' && context.decisions.size > 0) {
        result.unresolved.push(
          site(
            read.call,
            undefined,
            `dynamic flag key: cannot tell whether this ${read.method}() reads ${[...context.decisions.keys()].join(', ')}; use a literal key or a constant`,
          ),
        );
      }
      const imported = read.keyKind === 'constant' ? importedRoot(read.keyNode, importsByLocal) : undefined;
      if (imported && context.decisions.size > 0) {
        result.unresolved.push(
          site(
            read.call,
            undefined,
            `the key of this ${read.method}() is imported from ${imported.source}, where remove-flag cannot read its value: it may read ${[...context.decisions.keys()].join(', ')}; use a literal key or a constant remove-flag can follow`,
          ),
        );
      }
      continue;
    }
    if (!context.decisions.has(key)) continue;
    const value = context.decisions.get(key)!;
    const definedAs = read.valueKind === 'definition' ? exportedDefinitionName(read.call) : undefined;
    if (definedAs !== undefined) {
      // An exported Vercel `flag()`: its callers, once inlined, no longer import it, and then it goes.
      result.constantExports.set(definedAs, { kind: 'await', value });
      if (context.removableExports?.has(definedAs) && removeDefinition(program, definedAs)) {
        result.rewritten.push(site(read.call, key));
        edited = true;
        continue;
      }
    }
    if (read.observable) {
      // A stream never becomes a bare value (streams.ts).
      const done = replaceStreamRead(read, value, byRange, simplifier, program, context.streams ?? 'unverified');
      if (typeof done === 'object') result.unresolved.push(site(read.call, key, done.reason));
      else {
        result.rewritten.push(site(read.call, key));
        if (done === 'of') result.streamsAsOf.push(site(read.call, key));
        edited = true;
      }
      continue;
    }
    const replaced = replaceRead(read, value, byRange, simplifier, program);
    if (replaced === true) {
      result.rewritten.push(site(read.call, key));
      edited = true;
    } else {
      result.unresolved.push(site(read.call, key, replaced));
    }
  }

  if (context.importedConstant) {
    const inlined = inlineImportedConstants(program, context.importedConstant, simplifier);
    for (const left of inlined.left)
      result.unresolved.push({ file, line: left.line, column: left.column, flag: undefined, reason: left.reason });
    if (inlined.count > 0) edited = true;
  }
  collectKeyExports(program, context.decisions, result.keyExports);
  if (
    context.removableExports &&
    context.removableExports.size > 0 &&
    markRemovableExports(program, context.removableExports, result.keyExports, marked, simplifier.readLiterals)
  )
    edited = true;
  if (context.dropAttributes && dropAttributes(program, context.dropAttributes)) edited = true;
  if (context.inlineProps) result.inlinedProps = inlineProps(program, context.inlineProps, simplifier);
  if (result.inlinedProps.length > 0) edited = true;
  if (!edited) return result;

  simplify(simplifier);
  removeUnused(program, usesBefore, {
    isTestFile: simplifier.options.isTestFile,
    externalUses: plan?.externalUses ?? new Set(),
  });
  for (const [name, constant] of constantExportsOf(program, marked, simplifier.readLiterals))
    result.constantExports.set(name, constant);
  result.propConstants = collectPropConstants(program, simplifier);

  keepPatternsOnOneLine(program, simplifier.oneLinePatterns, source);
  keepParametersOnOneLine(program, simplifier.oneLinePatterns, source);
  keepBlankLinesBetweenChildren(program);
  const printed = root.toSource({
    quote: simplifier.options.quote === "'" ? 'single' : 'double',
    lineTerminator: source.includes('\r\n') ? '\r\n' : '\n',
    // Lists recast reprints follow the file's habit of a comma after the last multi-line item.
    trailingComma: /,\r?\n\s*[}\])]/.test(source),
  });
  // Not through a window: its placeholders end with the semicolons it finds them by.
  result.output = restoreHeader(
    text,
    header,
    plan ? printed : followSemicolonStyle(source, detection.ast, printed, file),
  );
  return result;
}

function parseOrThrow(text: string, file: string): ReturnType<typeof parseForDetection> {
  try {
    return parseForDetection(text, file);
  } catch (error) {
    if (!(error instanceof SourceSyntaxError)) throw error;
    throw new SourceParseError(file, error.line, error.column, `cannot parse: ${error.reason}`);
  }
}

/** Names of the flag clients the file reads through (`flags` in `flags.get(...)`), whose key lists lose retired keys. */
function flagClients(
  file: string,
  detection: ReturnType<typeof parseForDetection>,
  context: RewriteContext,
): Set<string> {
  const clients = new Set<string>();
  // With the same options as the reads in rewriteWhole: detection caches its answer per tree and key set.
  for (const read of findFlagReads(detection.ast, detection.scopeManager, {
    registryKeys: context.registryKeys,
    ...(context.project ? { file, project: context.project } : {}),
  })) {
    if (
      read.call.type === 'CallExpression' &&
      read.call.callee.type === 'MemberExpression' &&
      read.call.callee.object.type === 'Identifier'
    )
      clients.add(read.call.callee.object.name);
  }
  return clients;
}
