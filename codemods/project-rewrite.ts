/** Which files go through rewrite.ts, in which order, and what one file's rewrite tells its importers. */
import {
  camelCase,
  diskProject,
  findFlagReads,
  mightContainReads,
  parseForDetection,
  type CustomReader,
} from 'eslint-plugin-modelflags/detection';
import type { FlagValue } from 'modelflags/registry';
import { isImportedAnywhere, importSources, reExports, resolveImport, STAR_EXPORT } from './import-graph.js';
import { isGenerated } from './project-files.js';
import { planPropRemovals } from './prop-constants.js';
import type { ConstantExport } from './constant-exports.js';
import type { RewriteContext, RewriteResult, Site } from './rewrite.js';
import type { StreamPolicy } from './streams.js';

/**
 * The rewrite across files: files mentioning a retired key first, then, to a fixed point, files
 * importing something those files now export as a constant (a key constant, a constant value, a
 * wrapper), and last the exporting files again to drop exports nobody imports any more.
 */
export class ProjectRewrite {
  readonly results = new Map<string, RewriteResult>();
  readonly unparsable = new Map<string, { line: number; column: number; text: string }>();
  /** Props a rewrite made constant that stay, and why (prop-constants.ts). */
  readonly notes: Site[] = [];
  private readonly constantExports = new Map<string, Map<string, ConstantExport>>();
  readonly keyExports = new Map<string, Map<string, string>>();
  private readonly originalTexts: ReadonlyMap<string, string>;
  private rewriter: typeof import('./rewrite.js') | undefined;

  constructor(
    /** The registry's keys, and any key being checked for reads: detection takes a call with one of them as a read. */
    private readonly registryKeys: ReadonlySet<string>,
    readonly decisions: ReadonlyMap<string, FlagValue>,
    private readonly texts: Map<string, string>,
    private readonly readers: readonly CustomReader[] | undefined,
    private readonly streams: StreamPolicy = 'unverified',
    /** Every file of the project is in `texts`, so every use of a component can be seen. */
    private readonly coversProject = false,
  ) {
    this.originalTexts = new Map(texts);
  }

  async run(onProgress?: (done: number, total: number, stage: 'rewriting') => void): Promise<void> {
    const terms = [...this.decisions.keys()].flatMap((k) => [k, camelCase(k)]);
    const queue = new Set<string>();
    for (const [file, text] of this.texts) {
      if (isGenerated(text)) continue;
      if (terms.some((t) => text.includes(t)) || this.hasUnknownKeyRead(file, text)) queue.add(file);
    }
    if (queue.size === 0) return;
    // jscodeshift, recast and Babel load only once some file mentions a retired key.
    this.rewriter = await import('./rewrite.js');
    let guard = 0;
    let done = 0;
    while (queue.size > 0 && guard++ < 10 * this.texts.size + 10) {
      onProgress?.(done, done++ + queue.size, 'rewriting');
      const file = queue.values().next().value as string;
      queue.delete(file);
      const fresh = this.rewrite(file, new Set());
      for (const importer of this.importersOf(file, fresh)) queue.add(importer);
    }
    if (this.constantExports.size > 0 || this.keyExports.size > 0) this.dropUnusedReExports();
    for (const file of new Set([...this.constantExports.keys(), ...this.keyExports.keys()])) {
      const names = [
        ...(this.constantExports.get(file)?.keys() ?? []),
        ...(this.keyExports.get(file)?.keys() ?? []),
      ].map((n) => n.split('.')[0]!);
      // Only exports the rewrite made redundant go: one nobody imported was public API or an entry point.
      const unused = new Set(
        names.filter(
          (name) => isImportedAnywhere(this.originalTexts, file, name) && !isImportedAnywhere(this.texts, file, name),
        ),
      );
      if (unused.size > 0) this.rewrite(file, unused);
    }
    this.removeConstantProps();
  }

  /**
   * Props the rewrite made constant at every use go (prop-constants.ts): the components first,
   * then the attributes, only of the props that did go from their component.
   */
  private removeConstantProps(): void {
    const found = new Map([...this.results].map(([file, r]) => [file, r.propConstants] as const));
    if (![...found.values()].some((c) => c.length > 0)) return;
    const plan = planPropRemovals(found, this.texts, this.coversProject);
    this.notes.push(...plan.notes.map((n) => ({ ...n, flag: undefined })));
    const byComponent = new Map<string, Map<string, Map<string, FlagValue>>>();
    for (const r of plan.removals) {
      const names = byComponent.get(r.file) ?? new Map();
      names.set(r.name, (names.get(r.name) ?? new Map()).set(r.prop, r.value));
      byComponent.set(r.file, names);
    }
    const drops = new Map<string, Map<string, Set<string>>>();
    for (const [file, inline] of byComponent) {
      this.rewrite(file, new Set(), { inlineProps: inline });
      const inlined = new Set(this.results.get(file)?.inlinedProps ?? []);
      for (const r of plan.removals) {
        if (r.file !== file || !inlined.has(`${r.name}\0${r.prop}`)) continue;
        for (const [use, locals] of r.uses) {
          const byLocal = drops.get(use) ?? new Map<string, Set<string>>();
          for (const l of locals) byLocal.set(l, (byLocal.get(l) ?? new Set()).add(r.prop));
          drops.set(use, byLocal);
        }
      }
    }
    for (const [file, dropAttributes] of drops) this.rewrite(file, new Set(), { dropAttributes });
  }

  /**
   * A file that never names a retired key can still read it through a key computed at run time
   * (`flags.get(key)`) or a constant whose value detection could not see (`Keys.Model` of a
   * package it cannot read): it goes through the rewrite too, which reports such a site, so the
   * entry is not removed while it might be read there.
   */
  private hasUnknownKeyRead(file: string, text: string): boolean {
    const options = { registryKeys: this.registryKeys, text, ...(this.readers ? { readers: this.readers } : {}) };
    if (!mightContainReads(options)) return false;
    try {
      const { ast, scopeManager } = parseForDetection(text, file);
      return findFlagReads(ast, scopeManager, options).some(
        (read) => read.keyKind === 'dynamic' || (read.keyKind === 'constant' && read.key === undefined),
      );
    } catch {
      // A file that does not parse is reported by the rewrite only when it names a key; detection cannot see into it either.
      return false;
    }
  }

  /**
   * Rewrites one file; returns the export names that are new since the file was last rewritten.
   * `props` (the pass over props) edits what no read marks, so the whole file is rewritten.
   */
  private rewrite(
    file: string,
    removableExports: ReadonlySet<string>,
    props?: Pick<RewriteContext, 'inlineProps' | 'dropAttributes'>,
  ): string[] {
    const text = this.texts.get(file)!;
    const { rewriteSource, SourceParseError } = this.rewriter!;
    let result: RewriteResult;
    try {
      result = rewriteSource(
        file,
        text,
        {
          decisions: this.decisions,
          registryKeys: this.registryKeys,
          ...(this.readers ? { readers: this.readers } : {}),
          importedConstant: (source, name) => this.lookup(this.constantExports, file, source, name),
          importedKey: (source, name) => this.lookup(this.keyExports, file, source, name),
          removableExports,
          project: diskProject,
          streams: this.streams,
          ...props,
        },
        props === undefined ? undefined : false,
      );
    } catch (error) {
      if (error instanceof SourceParseError) {
        this.unparsable.set(file, {
          line: error.line,
          column: error.column,
          text: error.message.slice(error.message.indexOf(': ') + 2),
        });
        return [];
      }
      throw error;
    }
    const previous = this.results.get(file);
    // A second pass over a file sees the first pass's output: keep the sites it rewrote then.
    if (previous) result.rewritten.unshift(...previous.rewritten);
    if (previous) result.propConstants.unshift(...previous.propConstants);
    // The window of this pass holds the earlier passes' output unchecked: check the whole text.
    if (previous) delete result.syntaxCheckText;
    this.results.set(file, result);
    this.texts.set(file, result.output);
    const fresh: string[] = [];
    const merge = <T>(store: Map<string, Map<string, T>>, found: Map<string, T>): void => {
      const known = store.get(file) ?? new Map<string, T>();
      for (const [name, value] of found) {
        if (!known.has(name)) fresh.push(name);
        known.set(name, value);
      }
      if (known.size > 0) store.set(file, known);
    };
    merge(this.constantExports, result.constantExports);
    merge(this.keyExports, result.keyExports);
    return fresh;
  }

  /**
   * Re-exports (`export { MODEL } from './config'`) of a constant the importers no longer import
   * go, outermost first, so that the declaration they forwarded is seen as unused next.
   */
  private dropUnusedReExports(): void {
    for (let changed = true; changed;) {
      changed = false;
      for (const [file, text] of this.texts) {
        if (isGenerated(text)) continue;
        const unused = new Set<string>();
        for (const re of reExports(text)) {
          for (const [exported, local] of re.names) {
            if (local === '*' || !this.forwardsConstant(file, re.source, local)) continue;
            if (
              isImportedAnywhere(this.originalTexts, file, exported) &&
              !isImportedAnywhere(this.texts, file, exported)
            )
              unused.add(exported);
          }
        }
        if (unused.size === 0) continue;
        this.rewrite(file, unused);
        changed ||= this.texts.get(file) !== text;
      }
    }
  }

  private forwardsConstant(from: string, source: string, name: string): boolean {
    return (
      this.lookup(this.constantExports, from, source, name) !== undefined ||
      this.lookup(this.keyExports, from, source, name) !== undefined
    );
  }

  /** What `name` imported from `source` holds, following re-export chains to the declaration. */
  private lookup<T>(
    store: Map<string, Map<string, T>>,
    from: string,
    source: string,
    name: string,
    seen = new Set<string>(),
  ): T | undefined {
    const target = resolveImport(from, source, this.texts);
    if (target === undefined || seen.has(target)) return undefined;
    seen.add(target);
    const own = store.get(target)?.get(name);
    if (own !== undefined) return own;
    const [head, ...rest] = name.split('.');
    for (const re of reExports(this.texts.get(target)!)) {
      const local = re.names.get(head!) ?? (re.star ? head : undefined);
      // `export * as keys from './keys'` forwards the module itself: `keys.MODEL_FLAG` is its `MODEL_FLAG`.
      const forwarded = local === '*' ? rest.join('.') : [local, ...rest].join('.');
      if (local === undefined || forwarded === '') continue;
      const found = this.lookup(store, target, re.source, forwarded, seen);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  /** Files importing `names` from `file`, directly or through files that re-export them. */
  private importersOf(file: string, names: readonly string[], seen = new Set([file])): string[] {
    if (names.length === 0) return [];
    const out: string[] = [];
    for (const [candidate, text] of this.texts) {
      if (seen.has(candidate) || isGenerated(text)) continue;
      if (!names.some((n) => text.includes(n.split('.')[0]!)) && !STAR_EXPORT.test(text)) continue;
      if (!importSources(text).some((s) => resolveImport(candidate, s, this.texts) === file)) continue;
      seen.add(candidate);
      out.push(candidate);
      const forwarded = reExports(text)
        .filter((re) => resolveImport(candidate, re.source, this.texts) === file)
        .flatMap((re) =>
          re.star
            ? names
            : [...re.names]
                .filter(([, local]) => local === '*' || names.some((n) => n.split('.')[0] === local))
                .map(([exported]) => exported),
        );
      out.push(...this.importersOf(candidate, forwarded, seen));
    }
    return out;
  }
}
