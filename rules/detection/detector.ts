/**
 * Flag-read detection shared by the ESLint rules, `modelflags audit` and the `remove-flag` codemod.
 *
 * Reads are recognised by where the reading function or client came from (an import of a known
 * SDK, followed through variables, destructuring, `require`, class fields and typed parameters),
 * not by method names alone: `map.get('x')` and a string equal to a flag key in a log message are
 * not reads. Where the origin cannot be seen (a client imported from a local module), a key
 * argument that is a registry key is taken as strong evidence. What each SDK looks like is data
 * in `sdks/`; this file names none.
 */
import { AST_NODE_TYPES, type TSESTree } from '@typescript-eslint/types';
import { DefinitionType, type ScopeManager } from '@typescript-eslint/scope-manager';
import {
  bindingOf,
  calleeChain,
  camelCase,
  findProperty,
  isFunctionNode,
  memberName,
  outerParent,
  staticString,
  typeAnnotationOf,
  unwrapExpression,
  type Variable,
} from './ast.js';
import { KeyResolver, type Owned } from './keys.js';
import { mightContainReads, MENTIONS_SDK } from './prefilter.js';
import { componentReaderProp, custom, readerCalledBy, readerSpec } from './sdks/custom.js';
import { own, type FlagDefinitions, type MethodSpec } from './sdks/descriptor.js';
import {
  AMBIGUOUS_METHODS,
  clientNamed,
  clientSource,
  DISTINCTIVE_METHODS,
  isLocalSpecifier,
  PROVIDERS,
  READ_METHOD_NAMES,
  sdkPackage,
  URL_READS,
  type KnownClient,
} from './sdks/index.js';
import { forEachNode } from './traverse.js';
import type { CustomReader, DetectionOptions, FlagRead, KeyKind, SdkId, ValueKind } from './types.js';

interface CachedReads {
  /** The options the reads were found with: a copy of the keys, since callers may reuse and change their set. */
  keys: string[];
  readers: readonly CustomReader[];
  reads: FlagRead[];
}

const readCache = new WeakMap<TSESTree.Program, CachedReads>();

const optionsKeyOf = (keys: Iterable<string>, readers: readonly CustomReader[]): string =>
  JSON.stringify([[...keys].sort(), readers]);

/**
 * Every flag read in a file, in source order. Results are memoised per tree and options; most
 * trees are analysed once, so the options are only compared when a tree comes back.
 */
export function findFlagReads(
  ast: TSESTree.Program,
  scopeManager: ScopeManager,
  options: DetectionOptions,
): FlagRead[] {
  const readers = options.readers ?? [];
  const cached = readCache.get(ast);
  if (cached && optionsKeyOf(cached.keys, cached.readers) === optionsKeyOf(options.registryKeys, readers))
    return cached.reads;
  const reads = mightContainReads(options) ? new Detector(ast, scopeManager, options).run() : [];
  readCache.set(ast, {
    keys: [...options.registryKeys],
    readers: JSON.parse(JSON.stringify(readers)) as CustomReader[],
    reads,
  });
  return reads;
}

/** Where a value comes from, as far as detection can tell. */
type Origin =
  /** Reached from an import: `path` are the property names read off the binding (`[]` = namespace). */
  | { kind: 'module'; source: string; path: readonly string[] }
  | { kind: 'client'; client: KnownClient }
  /** A flag definition (Vercel's `flag({ key })`): calling it reads the flag. */
  | {
      kind: 'flag-definition';
      sdk: SdkId;
      definitions: FlagDefinitions;
      key: string | undefined;
      keyNode: TSESTree.Node | undefined;
      keyKind: KeyKind;
    }
  /** A value that is certainly not a flag client (a `new Map()`, a literal, ...). */
  | { kind: 'other' };

/** What a flag definition's object argument says. */
interface Definition {
  key: string | undefined;
  keyNode: TSESTree.Node | undefined;
  keyKind: KeyKind;
  defaultNode: TSESTree.Node | undefined;
}

/** Detectors of files read through the project, kept with their trees. */
const fileDetectors = new WeakMap<TSESTree.Program, Detector>();

class Detector extends KeyResolver {
  private readonly origins = new Map<TSESTree.Node, Origin | undefined>();
  private readonly resolving = new Set<TSESTree.Node>();
  /** Names of the SDK packages the file imports. */
  private readonly importedPackages = new Set<string>();
  private readonly reads: FlagRead[] = [];

  run(): FlagRead[] {
    for (const statement of this.ast.body) {
      if (statement.type === AST_NODE_TYPES.ImportDeclaration && typeof statement.source.value === 'string') {
        const imported = sdkPackage(statement.source.value);
        if (imported) this.importedPackages.add(imported.name);
      }
    }
    const visit = (node: TSESTree.Node): void => {
      if (node.type === AST_NODE_TYPES.CallExpression) this.visitCall(node);
      else if (node.type === AST_NODE_TYPES.NewExpression) this.visitNew(node);
      else if (node.type === AST_NODE_TYPES.JSXOpeningElement) this.visitElement(node);
    };
    if (this.options.calls) {
      for (const node of this.options.calls()) visit(node);
    } else {
      forEachNode(this.ast, visit);
    }
    this.reads.sort(
      (a, b) => a.call.range[0] - b.call.range[0] || (a.keyNode?.range[0] ?? 0) - (b.keyNode?.range[0] ?? 0),
    );
    return this.reads;
  }

  protected analysisOf(file: string): this | undefined {
    const parsed = this.options.project!.parse(file);
    if (!parsed) return undefined;
    let detector = fileDetectors.get(parsed.ast);
    if (!detector) {
      detector = new Detector(parsed.ast, parsed.scopeManager, {
        registryKeys: this.options.registryKeys,
        file,
        project: this.options.project!,
        text: parsed.text,
      });
      fileDetectors.set(parsed.ast, detector);
    }
    return detector as this;
  }

  /** A method of a class declared `implements Provider` with `Provider` from an SDK's {@link PROVIDERS}. */
  protected isInProvider(fn: TSESTree.Node): boolean {
    let n: TSESTree.Node | undefined = fn.parent;
    while (n && n.type !== AST_NODE_TYPES.ClassDeclaration && n.type !== AST_NODE_TYPES.ClassExpression) n = n.parent;
    return (n?.implements ?? []).some((clause) => {
      const name = clause.expression;
      if (name.type !== AST_NODE_TYPES.Identifier) return false;
      const origin = this.identifierOrigin(name, 0);
      return (
        origin?.kind === 'module' &&
        PROVIDERS.some((p) => p.packages.test(origin.source) && p.typeName.test(lastOf(origin.path) ?? ''))
      );
    });
  }

  private visitCall(call: TSESTree.CallExpression): void {
    const callee = unwrapExpression(call.callee);
    if (this.visitCustomReader(call, callee)) return;
    if (this.visitUrl(call)) return;

    if (callee.type === AST_NODE_TYPES.MemberExpression) {
      const method = memberName(callee);
      // Most calls (`items.push`, `res.json`) cannot be reads whatever their receiver is; tracing it is the expensive part.
      if (method === undefined || !READ_METHOD_NAMES.has(method)) return;
      const receiver = this.originOf(callee.object);
      if (receiver?.kind === 'client') {
        const spec = own(receiver.client.methods, method);
        if (spec) this.addRead(receiver.client.sdk, method, call, spec);
        return;
      }
      if (receiver?.kind === 'module' && sdkPackage(receiver.source)) {
        this.visitModuleFunction(call, receiver.source, [...receiver.path, method]);
        return;
      }
      if (receiver?.kind === 'other' || receiver?.kind === 'flag-definition') return;
      this.visitUntracedMethod(call, callee, method);
      return;
    }
    const origin = this.originOf(callee);
    if (origin?.kind === 'module') this.visitModuleFunction(call, origin.source, origin.path);
    else if (origin?.kind === 'flag-definition') {
      this.reads.push({
        sdk: origin.sdk,
        method: origin.definitions.method,
        call,
        key: origin.key,
        keyNode: origin.keyNode,
        keyKind: origin.keyKind,
        defaultNode: undefined,
        contextNode: undefined,
        contextExpected: false,
        ...this.valueOfRead(call, origin.definitions.read),
      });
    }
  }

  /**
   * `<IfFeatureEnabled feature="x">` (an SDK's component) and in-house components declared as
   * readers with a props path (`{ "callee": "IfFeatureOn", "keyArgument": "0.feature" }`): React
   * calls a component with its props as the first argument, so the path reads the same.
   */
  private visitElement(element: TSESTree.JSXOpeningElement): void {
    const name = element.name.type === AST_NODE_TYPES.JSXIdentifier ? element.name.name : undefined;
    if (name === undefined || !/^[A-Z]/.test(name)) return;
    let prop = componentReaderProp(this.options.readers ?? [], name);
    let sdk: SdkId = custom.id;
    if (prop === undefined) {
      const def = this.variables.get(element.name)?.defs[0];
      const source =
        def?.type === DefinitionType.ImportBinding && def.parent?.type === AST_NODE_TYPES.ImportDeclaration
          ? String(def.parent.source.value)
          : undefined;
      const imported =
        def?.node.type === AST_NODE_TYPES.ImportSpecifier && def.node.imported.type === AST_NODE_TYPES.Identifier
          ? def.node.imported.name
          : undefined;
      const sdkImport = source === undefined ? undefined : sdkPackage(source);
      prop = sdkImport && imported !== undefined ? own(sdkImport.components, imported) : undefined;
      if (!sdkImport || prop === undefined) return;
      sdk = sdkImport.sdk;
    }
    const attribute = element.attributes.find(
      (a): a is TSESTree.JSXAttribute =>
        a.type === AST_NODE_TYPES.JSXAttribute && a.name.type === AST_NODE_TYPES.JSXIdentifier && a.name.name === prop,
    );
    const value = attribute?.value;
    const keyNode =
      value?.type === AST_NODE_TYPES.JSXExpressionContainer
        ? value.expression.type === AST_NODE_TYPES.JSXEmptyExpression
          ? undefined
          : value.expression
        : (value ?? undefined);
    const resolved = keyNode ? this.resolveKey(keyNode) : { key: undefined, kind: 'none' as const };
    this.reads.push({
      sdk,
      method: name,
      call: element,
      key: resolved.key,
      keyNode,
      keyKind: keyNode?.type === AST_NODE_TYPES.Literal ? 'literal' : resolved.kind,
      defaultNode: undefined,
      contextNode: undefined,
      contextExpected: false,
      valueNode: undefined,
      valueKind: 'enabled',
      valueBinding: undefined,
    });
  }

  /** A function of an SDK package called directly: a hook, a module-level reader, a flag definition. */
  private visitModuleFunction(call: TSESTree.CallExpression, source: string, rawPath: readonly string[]): void {
    const sdkImport = sdkPackage(source);
    const path = rawPath[0] === 'default' ? rawPath.slice(1) : rawPath;
    if (!sdkImport || path.length !== 1) return;
    const name = path[0]!;
    if (sdkImport.flagObjectHooks?.includes(name)) {
      this.visitFlagObject(call, sdkImport.sdk, name);
      return;
    }
    if (sdkImport.definitions?.functions.includes(name)) {
      this.visitDefinition(call, sdkImport.sdk, sdkImport.definitions);
      return;
    }
    const spec = own(sdkImport.readers, name);
    if (spec) this.addRead(sdkImport.sdk, name, call, spec);
  }

  /** `new GetLatestConfigurationCommand(...)`: a command that fetches a whole configuration. */
  private visitNew(node: TSESTree.NewExpression): void {
    const origin = this.originOf(node.callee);
    if (origin?.kind !== 'module') return;
    const sdkImport = sdkPackage(origin.source);
    const name = lastOf(origin.path);
    if (!sdkImport || name === undefined || !sdkImport.commands?.includes(name)) return;
    this.reads.push({
      sdk: sdkImport.sdk,
      method: name,
      call: node,
      key: undefined,
      keyNode: undefined,
      keyKind: 'none',
      defaultNode: undefined,
      contextNode: undefined,
      contextExpected: false,
      valueNode: undefined,
      valueKind: 'bundle',
      valueBinding: undefined,
    });
  }

  /** A client whose origin is out of sight: decide by method name, SDK imports and registry keys. */
  private visitUntracedMethod(call: TSESTree.CallExpression, callee: TSESTree.MemberExpression, method: string): void {
    const distinctive = DISTINCTIVE_METHODS.get(method);
    const ambiguous = AMBIGUOUS_METHODS.get(method);
    const client = distinctive ?? ambiguous;
    const untraced = client?.untraced;
    if (!client || !untraced) return;
    const keyArg = call.arguments[0];
    if (!keyArg || keyArg.type === AST_NODE_TYPES.SpreadElement) return;
    const key = this.resolveKey(keyArg);
    // `headers.get('host')`, `cookies.get(name)`: a registry key read off a web API is a coincidence of names.
    const isRegistryKey =
      key.key !== undefined && this.options.registryKeys.has(key.key) && !isWebApiReceiver(callee.object);
    const importsSdk = this.importsAny(untraced.packages) || this.importsAny(untraced.browser?.packages ?? []);
    let evidence = isRegistryKey || (distinctive !== undefined && importsSdk);
    const localReceiver = ambiguous?.untraced?.localReceiver;
    if (!evidence && localReceiver) evidence = this.isImportedLocally(callee.object, localReceiver);
    else if (!evidence && ambiguous !== undefined) evidence = importsSdk && !this.isLocalValue(callee.object);
    if (!evidence) return;
    const refined = this.browserFlavour(client);
    const spec = own(refined.methods, method) ?? own(client.methods, method);
    if (spec) this.addRead(refined.sdk, method, call, spec);
  }

  private importsAny(packages: readonly string[]): boolean {
    return packages.some((p) => this.importedPackages.has(p));
  }

  /** With an SDK's browser package imported but not its server one, an untraced client is the browser client. */
  private browserFlavour(client: KnownClient): KnownClient {
    const browser = client.untraced?.browser;
    return browser && this.importsAny(browser.packages) && !this.importsAny(client.untraced!.packages)
      ? clientNamed(browser.client)
      : client;
  }

  /** `flags.get(...)` where `flags` is imported from a local module (the usual runtime set-up) under a name `pattern` matches. */
  private isImportedLocally(receiver: TSESTree.Node, pattern: RegExp): boolean {
    const node = unwrapExpression(receiver);
    if (node.type !== AST_NODE_TYPES.Identifier || !pattern.test(node.name)) return false;
    const def = this.variables.get(node)?.defs[0];
    return (
      def?.type === DefinitionType.ImportBinding &&
      def.parent?.type === AST_NODE_TYPES.ImportDeclaration &&
      isLocalSpecifier(String(def.parent.source.value))
    );
  }

  /** A receiver declared in this file with a visible initialiser, so its origin was knowable and is not an SDK. */
  private isLocalValue(receiver: TSESTree.Node): boolean {
    const node = unwrapExpression(receiver);
    if (node.type !== AST_NODE_TYPES.Identifier) return false;
    const def = this.variables.get(node)?.defs[0];
    return (
      def?.type === DefinitionType.Variable &&
      def.node.type === AST_NODE_TYPES.VariableDeclarator &&
      def.node.init !== null
    );
  }

  private visitCustomReader(call: TSESTree.CallExpression, callee: TSESTree.Node): boolean {
    const readers = this.options.readers;
    if (!readers || readers.length === 0) return false;
    const chain = calleeChain(callee);
    if (chain === undefined) return false;
    const reader = readerCalledBy(readers, chain);
    if (!reader) return false;
    const { spec, path } = readerSpec(reader, outerParent(call).parent?.type === AST_NODE_TYPES.AwaitExpression);
    let keyNode: TSESTree.Node | undefined = call.arguments[spec.key];
    for (const name of path) {
      const object: TSESTree.Node | undefined = keyNode && unwrapExpression(keyNode);
      keyNode = object?.type === AST_NODE_TYPES.ObjectExpression ? findProperty(object, name)?.value : undefined;
    }
    const read = this.addRead(
      custom.id,
      chain.slice(chain.lastIndexOf('.') + 1),
      call,
      spec,
      path.length > 0 ? { keyNode } : undefined,
    );
    if (reader.returns === 'observable') {
      read.observable = true;
      // A stream is not the value: what the code does with it is up to the stream's operators.
      read.valueNode = undefined;
      read.valueBinding = undefined;
    }
    return true;
  }

  /** A URL an SDK's local agent serves flags at, passed to `fetch` or any other call. */
  private visitUrl(call: TSESTree.CallExpression): boolean {
    const first = call.arguments[0];
    if (!first) return false;
    const arg = unwrapExpression(first);
    let url: string;
    if (arg.type === AST_NODE_TYPES.Literal && typeof arg.value === 'string') url = arg.value;
    // A hole in a template stands for an unknown part of the URL.
    else if (arg.type === AST_NODE_TYPES.TemplateLiteral)
      url = arg.quasis.map((q) => q.value.cooked ?? q.value.raw).join('\u0000');
    else return false;
    const urls = URL_READS.find((u) => u.pattern.test(url));
    if (!urls) return false;
    const query = url.includes('?') ? url.slice(url.indexOf('?') + 1).split('#')[0]! : '';
    const flagParams = query.split('&').filter((p) => p.startsWith(`${urls.parameter}=`));
    const base = {
      sdk: urls.sdk,
      method: urls.method,
      call,
      keyNode: arg,
      defaultNode: undefined,
      contextNode: undefined,
      contextExpected: false,
      valueNode: undefined,
      valueBinding: undefined,
    };
    if (flagParams.length === 0) {
      this.reads.push({ ...base, key: undefined, keyKind: 'none', valueKind: 'bundle' });
      return true;
    }
    for (const param of flagParams) {
      const raw = param.slice(urls.parameter.length + 1);
      if (raw.includes('\u0000'))
        this.reads.push({ ...base, key: undefined, keyKind: 'dynamic', valueKind: 'details' });
      else this.reads.push({ ...base, key: safeDecode(raw), keyKind: 'literal', valueKind: 'details' });
    }
    return true;
  }

  /** LaunchDarkly React: `useFlags().fooBar`, `const { fooBar } = useFlags()`, `const f = useFlags(); f.fooBar`. */
  private visitFlagObject(call: TSESTree.CallExpression, sdk: SdkId, method: string): void {
    const { node: outer, parent } = outerParent(call);
    const push = (
      keyNode: TSESTree.Node,
      written: string | undefined,
      keyKind: KeyKind,
      valueNode: TSESTree.Expression | undefined,
      valueBinding: TSESTree.Identifier | undefined,
      defaultNode?: TSESTree.Node,
    ): void => {
      this.reads.push({
        sdk,
        method,
        call,
        key: this.registryKeyNamed(written),
        keyNode,
        keyKind,
        defaultNode,
        contextNode: undefined,
        contextExpected: false,
        valueNode,
        valueKind: 'value',
        valueBinding,
      });
    };
    const fromMember = (member: TSESTree.MemberExpression): void => {
      const name = memberName(member);
      if (name === undefined) {
        // `flags[FLAG_KEY]`, `flags[key]` with `key: FeatureKey`: a constant key is as good as a written one.
        const resolved = this.resolveKey(member.property);
        push(
          member.property,
          resolved.key,
          resolved.kind === 'dynamic' ? 'dynamic' : 'constant',
          member,
          bindingOf(member),
        );
        return;
      }
      push(member.property, name, 'literal', member, bindingOf(member));
    };
    const fromPattern = (pattern: TSESTree.ObjectPattern): void => {
      for (const property of pattern.properties) {
        if (property.type !== AST_NODE_TYPES.Property) continue;
        const name =
          !property.computed && property.key.type === AST_NODE_TYPES.Identifier
            ? property.key.name
            : staticString(property.key);
        const value = property.value.type === AST_NODE_TYPES.AssignmentPattern ? property.value.left : property.value;
        const binding = value.type === AST_NODE_TYPES.Identifier ? value : undefined;
        const defaultNode = property.value.type === AST_NODE_TYPES.AssignmentPattern ? property.value.right : undefined;
        push(property.key, name, name === undefined ? 'dynamic' : 'literal', undefined, binding, defaultNode);
      }
    };
    if (parent?.type === AST_NODE_TYPES.MemberExpression && parent.object === outer) fromMember(parent);
    else if (parent?.type === AST_NODE_TYPES.VariableDeclarator && parent.init === outer) {
      if (parent.id.type === AST_NODE_TYPES.ObjectPattern) fromPattern(parent.id);
      else if (parent.id.type === AST_NODE_TYPES.Identifier) {
        const variable = this.variables.get(parent.id);
        for (const ref of variable?.references ?? []) {
          const { parent: refParent, node: refOuter } = outerParent(ref.identifier as TSESTree.Node);
          if (refParent?.type === AST_NODE_TYPES.MemberExpression && refParent.object === refOuter)
            fromMember(refParent);
        }
      }
    }
  }

  /** The registry key a flag object's member names: the key itself, or the key it is the camelCased form of. */
  private registryKeyNamed(written: string | undefined): string | undefined {
    let key = written;
    if (written !== undefined && !this.options.registryKeys.has(written)) {
      for (const registryKey of this.options.registryKeys) if (camelCase(registryKey) === written) key = registryKey;
    }
    return key;
  }

  private visitDefinition(call: TSESTree.CallExpression, sdk: SdkId, definitions: FlagDefinitions): void {
    const def = this.definitionOf(call, definitions);
    if (!def) return;
    this.reads.push({
      sdk,
      method: definitions.method,
      call,
      key: def.key,
      keyNode: def.keyNode,
      keyKind: def.keyKind,
      defaultNode: def.defaultNode,
      contextNode: undefined,
      contextExpected: false,
      valueNode: undefined,
      valueKind: 'definition',
      valueBinding: undefined,
    });
  }

  private definitionOf(call: TSESTree.CallExpression, definitions: FlagDefinitions): Definition | undefined {
    const first = call.arguments[0];
    const config = first && unwrapExpression(first);
    if (!config || config.type !== AST_NODE_TYPES.ObjectExpression) return undefined;
    const keyProperty = findProperty(config, definitions.keyProperty);
    const defaultProperty = findProperty(config, definitions.defaultProperty);
    const resolved = keyProperty ? this.resolveKey(keyProperty.value) : { key: undefined, kind: 'none' as const };
    return {
      key: resolved.key,
      keyNode: keyProperty?.value,
      keyKind: resolved.kind,
      defaultNode: defaultProperty?.value,
    };
  }

  /** `override.keyNode`: the key sits elsewhere than the spec's argument (inside an object argument). */
  private addRead(
    sdk: SdkId,
    method: string,
    call: TSESTree.CallExpression,
    spec: MethodSpec,
    override?: { keyNode: TSESTree.Node | undefined },
  ): FlagRead {
    const arg = (index: number | undefined): TSESTree.Node | undefined => {
      if (index === undefined) return undefined;
      const a = call.arguments[index];
      return a && a.type !== AST_NODE_TYPES.SpreadElement ? a : undefined;
    };
    const keyNode = override ? override.keyNode : arg(spec.key);
    const resolved = keyNode ? this.resolveKey(keyNode) : { key: undefined, kind: 'none' as const };
    const read: FlagRead = {
      sdk,
      method,
      call,
      key: resolved.key,
      keyNode,
      keyKind: resolved.kind,
      defaultNode: arg(spec.default),
      contextNode: arg(spec.context),
      contextExpected: spec.context !== undefined,
      ...this.valueOfRead(call, spec),
    };
    this.reads.push(read);
    return read;
  }

  private valueOfRead(
    call: TSESTree.CallExpression,
    spec: MethodSpec,
  ): {
    valueNode: TSESTree.Expression | undefined;
    valueKind: ValueKind;
    valueBinding: TSESTree.Identifier | undefined;
  } {
    let container: TSESTree.Expression | undefined = call;
    if (spec.async) {
      const { node, parent } = outerParent(call);
      container = parent?.type === AST_NODE_TYPES.AwaitExpression && parent.argument === node ? parent : undefined;
    }
    let valueNode: TSESTree.Expression | undefined = container;
    if (container && spec.valueKind === 'details') {
      const { node, parent } = outerParent(container);
      const wanted = spec.valueMember ?? 'value';
      valueNode =
        parent?.type === AST_NODE_TYPES.MemberExpression && parent.object === node && memberName(parent) === wanted
          ? parent
          : undefined;
    }
    if (spec.valueKind === 'definition') valueNode = undefined;
    return { valueNode, valueKind: spec.valueKind, valueBinding: valueNode ? bindingOf(valueNode) : undefined };
  }

  private originOf(node: TSESTree.Node, depth = 0): Origin | undefined {
    if (this.origins.has(node)) return this.origins.get(node);
    if (depth > 12 || this.resolving.has(node)) return undefined;
    this.resolving.add(node);
    const origin = this.computeOrigin(node, depth);
    this.resolving.delete(node);
    this.origins.set(node, origin);
    return origin;
  }

  private computeOrigin(node: TSESTree.Node, depth: number): Origin | undefined {
    const n = unwrapExpression(node);
    switch (n.type) {
      case AST_NODE_TYPES.Identifier:
        return this.identifierOrigin(n, depth);
      case AST_NODE_TYPES.AwaitExpression:
        return this.originOf(n.argument, depth + 1);
      case AST_NODE_TYPES.MemberExpression: {
        const name = memberName(n);
        if (name === undefined) return undefined;
        const object = unwrapExpression(n.object);
        if (object.type === AST_NODE_TYPES.ThisExpression) return this.thisMemberOrigin(n, name, depth);
        const base = this.originOf(object, depth + 1);
        if (base?.kind === 'module') return { kind: 'module', source: base.source, path: [...base.path, name] };
        return undefined;
      }
      case AST_NODE_TYPES.CallExpression: {
        const callee = unwrapExpression(n.callee);
        if (callee.type === AST_NODE_TYPES.Identifier && callee.name === 'require' && !this.variables.has(callee)) {
          const source = n.arguments[0];
          return source?.type === AST_NODE_TYPES.Literal && typeof source.value === 'string'
            ? { kind: 'module', source: source.value, path: [] }
            : undefined;
        }
        if (callee.type === AST_NODE_TYPES.MemberExpression) {
          const method = memberName(callee);
          const receiver = this.originOf(callee.object, depth + 1);
          if (receiver?.kind === 'client' && method !== undefined) {
            const derived = own(receiver.client.derived, method);
            if (derived !== undefined) return { kind: 'client', client: clientNamed(derived) };
            if (receiver.client.returnsSelf?.includes(method)) return receiver;
          }
        }
        const fn = this.originOf(callee, depth + 1);
        if (fn?.kind === 'module' && sdkPackage(fn.source))
          return this.factoryResult(fn, false) ?? this.definitionOrigin(n, fn);
        return (
          (fn?.kind === 'module' ? this.factoryResult(fn, false) : undefined) ?? this.returnedClient(callee, depth + 1)
        );
      }
      case AST_NODE_TYPES.ConditionalExpression: {
        // `key ? new PostHog(key) : undefined`
        const branches = [n.consequent, n.alternate].map((b) =>
          isNothing(b) ? undefined : this.originOf(b, depth + 1),
        );
        const client = branches.find((o) => o?.kind === 'client');
        return client && branches.every((o, i) => o === client || isNothing([n.consequent, n.alternate][i]!))
          ? client
          : undefined;
      }
      case AST_NODE_TYPES.NewExpression: {
        const fn = this.originOf(n.callee, depth + 1);
        if (fn?.kind === 'module') return this.factoryResult(fn, true) ?? { kind: 'other' };
        return { kind: 'other' };
      }
      case AST_NODE_TYPES.ObjectExpression:
      case AST_NODE_TYPES.ArrayExpression:
      case AST_NODE_TYPES.Literal:
      case AST_NODE_TYPES.TemplateLiteral:
        return { kind: 'other' };
      default:
        return undefined;
    }
  }

  /** `getClient()` where `getClient` (here or in a project file) returns a client: `() => client`, `function () { return client; }`. */
  private returnedClient(callee: TSESTree.Node, depth: number): Origin | undefined {
    const id = unwrapExpression(callee);
    if (id.type !== AST_NODE_TYPES.Identifier || depth > 12) return undefined;
    const def = this.variables.get(id)?.defs[0];
    let fn: Owned<this> | undefined;
    if (def?.type === DefinitionType.FunctionName) fn = { owner: this, node: def.node as TSESTree.Node };
    else if (
      def?.type === DefinitionType.Variable &&
      def.node.type === AST_NODE_TYPES.VariableDeclarator &&
      def.node.init
    )
      fn = { owner: this, node: def.node.init };
    else if (
      def?.type === DefinitionType.ImportBinding &&
      this.options.project &&
      !sdkPackage(String(def.parent?.type === AST_NODE_TYPES.ImportDeclaration ? def.parent.source.value : ''))
    ) {
      fn = this.importedValue(def, depth);
    }
    if (!fn || !isFunctionNode(fn.node)) return undefined;
    const body = fn.node.body;
    let returned: TSESTree.Node | undefined;
    if (body.type !== AST_NODE_TYPES.BlockStatement) returned = body;
    else {
      const returns = body.body.filter(
        (st): st is TSESTree.ReturnStatement => st.type === AST_NODE_TYPES.ReturnStatement,
      );
      if (returns.length === 1) returned = returns[0]!.argument ?? undefined;
    }
    const origin = returned && fn.owner.originOf(returned, depth + 1);
    return origin?.kind === 'client' ? origin : undefined;
  }

  /** A call of an SDK's flag-defining function (`flag({ key })`): what it returns reads that flag. */
  private definitionOrigin(
    call: TSESTree.CallExpression,
    fn: { source: string; path: readonly string[] },
  ): Origin | undefined {
    const sdkImport = sdkPackage(fn.source);
    const definitions = sdkImport?.definitions;
    const name = lastOf(fn.path);
    if (!sdkImport || !definitions || name === undefined || !definitions.functions.includes(name)) return undefined;
    const def = this.definitionOf(call, definitions);
    return def
      ? {
          kind: 'flag-definition',
          sdk: sdkImport.sdk,
          definitions,
          key: def.key,
          keyNode: def.keyNode,
          keyKind: def.keyKind,
        }
      : undefined;
  }

  /** The client a package's factory returns (or, `isNew`, its class constructs). */
  private factoryResult(fn: { source: string; path: readonly string[] }, isNew: boolean): Origin | undefined {
    const source = clientSource(fn.source);
    if (!source) return undefined;
    const path = fn.path[0] === 'default' ? fn.path.slice(1) : fn.path;
    const client = own(isNew ? source.constructors : source.factories, path.join('.'));
    return client === undefined ? undefined : { kind: 'client', client: clientNamed(client) };
  }

  private identifierOrigin(id: TSESTree.Identifier, depth: number): Origin | undefined {
    const variable = this.variables.get(id);
    const def = variable?.defs[0];
    if (!variable || !def) return undefined;
    if (def.type === DefinitionType.ImportBinding) {
      const declaration = def.parent;
      if (declaration?.type !== AST_NODE_TYPES.ImportDeclaration || typeof declaration.source.value !== 'string')
        return undefined;
      const source = declaration.source.value;
      const spec = def.node;
      if (spec.type === AST_NODE_TYPES.ImportNamespaceSpecifier) return { kind: 'module', source, path: [] };
      if (spec.type === AST_NODE_TYPES.ImportDefaultSpecifier) {
        const ready = sdkPackage(source)?.defaultClient;
        if (ready?.specifier === source) return { kind: 'client', client: clientNamed(ready.client) };
        return { kind: 'module', source, path: ['default'] };
      }
      if (spec.type === AST_NODE_TYPES.ImportSpecifier) {
        const imported =
          spec.imported.type === AST_NODE_TYPES.Identifier ? spec.imported.name : String(spec.imported.value);
        return this.projectOrigin(def, depth) ?? { kind: 'module', source, path: [imported] };
      }
      return undefined;
    }
    if (def.type === DefinitionType.Variable && def.node.type === AST_NODE_TYPES.VariableDeclarator) {
      const declarator = def.node;
      const writes = variable.references.filter((r) => r.isWrite() && !r.init).length;
      if (writes > 0) return undefined;
      if (!declarator.init) return undefined;
      if (declarator.id === def.name) return this.originOf(declarator.init, depth + 1);
      // `const { OpenFeature } = require('@openfeature/server-sdk')`, `const { flags } = await import(...)`.
      if (declarator.id.type === AST_NODE_TYPES.ObjectPattern) {
        const base = this.originOf(declarator.init, depth + 1);
        const property = declarator.id.properties.find(
          (p): p is TSESTree.Property =>
            p.type === AST_NODE_TYPES.Property &&
            (p.value === def.name || (p.value.type === AST_NODE_TYPES.AssignmentPattern && p.value.left === def.name)),
        );
        const name =
          property && !property.computed && property.key.type === AST_NODE_TYPES.Identifier
            ? property.key.name
            : undefined;
        if (base?.kind === 'module' && name !== undefined)
          return { kind: 'module', source: base.source, path: [...base.path, name] };
      }
      return undefined;
    }
    if (def.type === DefinitionType.Parameter) return this.typedOrigin(typeAnnotationOf(def.name));
    return undefined;
  }

  /**
   * An import from a file of this project that exports a flag client, an SDK function under another
   * name (`export const useFeatureOn = useFeatureIsOn`) or a flag definition (`export const f = flag({...})`).
   */
  private projectOrigin(def: Variable['defs'][number], depth: number): Origin | undefined {
    const declaration = def.parent;
    if (
      !this.options.project ||
      declaration?.type !== AST_NODE_TYPES.ImportDeclaration ||
      sdkPackage(String(declaration.source.value))
    )
      return undefined;
    const target = this.importedValue(def, depth, MENTIONS_SDK);
    if (!target || !MENTIONS_SDK.test(target.owner.text)) return undefined;
    const origin = target.owner.originOf(target.node, depth + 1);
    if (origin?.kind === 'client' || origin?.kind === 'flag-definition') return origin;
    if (origin?.kind === 'module' && sdkPackage(origin.source)) return origin;
    return undefined;
  }

  /** `this.client` in a class: a field initialiser, a typed field or parameter property, or a constructor assignment. */
  private thisMemberOrigin(member: TSESTree.MemberExpression, name: string, depth: number): Origin | undefined {
    let n: TSESTree.Node | undefined = member.parent;
    while (n && n.type !== AST_NODE_TYPES.ClassBody) n = n.parent;
    if (!n) return undefined;
    for (const element of n.body) {
      if (
        element.type === AST_NODE_TYPES.PropertyDefinition &&
        !element.computed &&
        element.key.type === AST_NODE_TYPES.Identifier &&
        element.key.name === name
      ) {
        if (element.value) return this.originOf(element.value, depth + 1);
        return this.typedOrigin(element.typeAnnotation);
      }
      if (element.type === AST_NODE_TYPES.MethodDefinition && element.kind === 'constructor') {
        for (const param of element.value.params) {
          if (
            param.type === AST_NODE_TYPES.TSParameterProperty &&
            param.parameter.type === AST_NODE_TYPES.Identifier &&
            param.parameter.name === name
          ) {
            return this.typedOrigin(param.parameter.typeAnnotation);
          }
        }
        for (const statement of element.value.body?.body ?? []) {
          if (
            statement.type !== AST_NODE_TYPES.ExpressionStatement ||
            statement.expression.type !== AST_NODE_TYPES.AssignmentExpression
          )
            continue;
          const { left, right } = statement.expression;
          if (
            left.type === AST_NODE_TYPES.MemberExpression &&
            left.object.type === AST_NODE_TYPES.ThisExpression &&
            memberName(left) === name
          ) {
            return this.originOf(right, depth + 1);
          }
        }
      }
    }
    return undefined;
  }

  private typedOrigin(annotation: TSESTree.TSTypeAnnotation | undefined): Origin | undefined {
    const type = annotation?.typeAnnotation;
    if (type?.type !== AST_NODE_TYPES.TSTypeReference) return undefined;
    let typeName: TSESTree.EntityName = type.typeName;
    const path: string[] = [];
    while (typeName.type === AST_NODE_TYPES.TSQualifiedName) {
      path.unshift(typeName.right.name);
      typeName = typeName.left;
    }
    if (typeName.type !== AST_NODE_TYPES.Identifier) return undefined;
    const base = this.identifierOrigin(typeName, 0);
    if (base?.kind !== 'module') return undefined;
    const source = clientSource(base.source);
    const name = lastOf([...base.path, ...path]);
    const client = source && name !== undefined ? own(source.clientTypes, name) : undefined;
    return client === undefined ? undefined : { kind: 'client', client: clientNamed(client) };
  }
}

/** Receivers of standard `get` methods (Fetch, URL, Map-like stores) that are never a flag client. */
const WEB_API_RECEIVERS =
  /^(headers|cookies|searchParams|params|query|formData|map|cache|storage|localStorage|sessionStorage|env)$/i;

function isWebApiReceiver(receiver: TSESTree.Node): boolean {
  const n = unwrapExpression(receiver);
  const name =
    n.type === AST_NODE_TYPES.Identifier
      ? n.name
      : n.type === AST_NODE_TYPES.MemberExpression
        ? memberName(n)
        : undefined;
  return name !== undefined && WEB_API_RECEIVERS.test(name);
}

function isNothing(node: TSESTree.Node): boolean {
  const n = unwrapExpression(node);
  return (
    (n.type === AST_NODE_TYPES.Identifier && n.name === 'undefined') ||
    (n.type === AST_NODE_TYPES.Literal && n.value === null)
  );
}

function lastOf<T>(list: readonly T[]): T | undefined {
  return list[list.length - 1];
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
