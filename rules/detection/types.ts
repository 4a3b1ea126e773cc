/** What detection finds (a {@link FlagRead}) and what it is given to find it. */
import type { TSESTree } from '@typescript-eslint/types';
import type { ScopeManager } from '@typescript-eslint/scope-manager';
import type { RegistryReader } from 'modelflags/registry';
import type { SdkId } from './sdks/index.js';

export type { SdkId };

/** An in-house flag reader, declared in the registry's `readers` or in the ESLint settings. */
export type CustomReader = RegistryReader;

export interface DetectionOptions {
  registryKeys: ReadonlySet<string>;
  readers?: readonly CustomReader[];
  /**
   * The file's text. When given, files that mention no SDK, no reader and no registry key are
   * skipped without walking the tree, which keeps the rules cheap on ordinary files.
   */
  text?: string;
  /**
   * The file's call and `new` expressions, when the caller has them already (ESLint's own
   * traversal), so detection does not walk the tree again. Called only when the text pre-filter
   * lets the file through.
   */
  calls?: () => Iterable<TSESTree.CallExpression | TSESTree.NewExpression | TSESTree.JSXOpeningElement>;
  /** The file's path, so imports from the same project can be followed through {@link project}. */
  file?: string;
  project?: ProjectView;
}

/**
 * The rest of the project as detection sees it (implemented over the file system in
 * `project.ts`): imports from local modules and workspace packages are followed one file at a
 * time, so a key kept in another package's enum, or a Vercel flag defined in `flags.ts`, is seen.
 */
export interface ProjectView {
  /** The file an import specifier names, or undefined for external packages and unresolvable ones. */
  resolve(fromFile: string, specifier: string): string | undefined;
  /** The file's text, without parsing it (a cheap look before following an import into it). */
  read(file: string): string | undefined;
  parse(file: string): { ast: TSESTree.Program; scopeManager: ScopeManager; text: string } | undefined;
}

export type KeyKind = 'literal' | 'constant' | 'dynamic' | 'none';
export type ValueKind = 'value' | 'enabled' | 'details' | 'definition' | 'bundle';

export interface FlagRead {
  sdk: SdkId;
  method: string;
  /** The reading call (or `new GetLatestConfigurationCommand(...)`, `fetch(url)`, `useFlags()`). */
  call: TSESTree.Node;
  key: string | undefined;
  keyNode: TSESTree.Node | undefined;
  keyKind: KeyKind;
  defaultNode: TSESTree.Node | undefined;
  contextNode: TSESTree.Node | undefined;
  /** False when the SDK takes the evaluation context elsewhere (a browser SDK, a GrowthBook instance). */
  contextExpected: boolean;
  /**
   * Smallest expression that evaluates to the flag value: the call, the `await` of a promised one,
   * or the member of a details object that holds the value; undefined where the code does not
   * take the value right there (a details object passed on, a definition, a stream).
   */
  valueNode: TSESTree.Expression | undefined;
  valueKind: ValueKind;
  /** The identifier the value is bound to directly (`const model = <value>`, `const { fooBar } = useFlags()`). */
  valueBinding: TSESTree.Identifier | undefined;
  /** Set when the reader returns a stream that stays current (a reader declared with `returns: 'observable'`). */
  observable?: true;
}
