/**
 * What detection knows of an SDK, as data: one {@link SdkDescriptor} per SDK family, listed in
 * `index.ts`. The detector (`../detector.ts`) holds no SDK name; README.md says how to add one.
 */
import type { ValueKind } from '../types.js';

/** Where a reading call takes its arguments, and what it returns. */
export interface MethodSpec {
  key: number;
  default?: number;
  context?: number;
  valueKind: ValueKind;
  /** Returns a promise: the value is the awaited call. */
  async: boolean;
  /** Member of the details object that holds the value, when it is not `value`. */
  valueMember?: string;
}

export const sync = (key: number, valueKind: ValueKind, rest: Partial<MethodSpec> = {}): MethodSpec => ({
  key,
  valueKind,
  async: false,
  ...rest,
});
export const promised = (key: number, valueKind: ValueKind, rest: Partial<MethodSpec> = {}): MethodSpec => ({
  key,
  valueKind,
  async: true,
  ...rest,
});

/** A kind of client an SDK hands out (a server client, a browser client): what its methods read. */
export interface ClientKind {
  /** Unique in the table: packages name the clients they produce by it. */
  name: string;
  methods: Readonly<Record<string, MethodSpec>>;
  /** Methods that resolve to the client they are called on (`await init(key).waitForInitialization()`). */
  returnsSelf?: readonly string[];
  /** Methods that return a client of another kind: method → client name. */
  derived?: Readonly<Record<string, string>>;
  /** When a client's origin is out of sight (a field injected elsewhere), what still makes a call on it a read. */
  untraced?: UntracedClient;
}

/**
 * A call `x.method(key)` on a receiver detection cannot trace is a read of this client when its key
 * is a registry key, or when the method is `distinctive` and the file imports one of `packages`
 * (or `browser.packages`), or when it is `ambiguous` and the file imports one of them while the
 * receiver is not a value declared here (with `localReceiver`: when the receiver is imported from a
 * local module under a name it matches).
 */
export interface UntracedClient {
  /** Method names no other library is likely to have. */
  distinctive?: readonly string[];
  /** Method names that are reads only with more evidence (`get`, `isOn`). */
  ambiguous?: readonly string[];
  /** The client's own packages (by package name). */
  packages: readonly string[];
  /** Taken as this browser client when a file imports its packages and none of the client's own. */
  browser?: { client: string; packages: readonly string[] };
  /** For `ambiguous` methods: a receiver imported from a local module under a name this matches. */
  localReceiver?: RegExp;
}

/** An npm package (or a family of them) of an SDK, and what reading flags through its exports looks like. */
export interface SdkPackage {
  /** Unique in the table: clients name their packages by it. */
  name: string;
  /** The import specifiers that are this package. */
  specifiers: readonly string[] | RegExp;
  /** Functions that return a client: export path (`getClient`, `OpenFeature.getClient`) → client name. */
  factories?: Readonly<Record<string, string>>;
  /** Classes whose `new` is a client: export path → client name. */
  constructors?: Readonly<Record<string, string>>;
  /** Type names that mark a typed parameter or field as a client: type name → client name. */
  clientTypes?: Readonly<Record<string, string>>;
  /** The default export of this one specifier is a ready client. */
  defaultClient?: { specifier: string; client: string };
  /** Exported functions that read a flag themselves (hooks, module-level helpers). */
  readers?: Readonly<Record<string, MethodSpec>>;
  /** Hooks returning every flag as a member named by the camelCased key (`useFlags().inferenceModel`). */
  flagObjectHooks?: readonly string[];
  /** Functions that define a flag (`flag({ key, defaultValue })`); calling what they return reads it. */
  definitions?: FlagDefinitions;
  /** Commands constructed to fetch a whole configuration (`new GetLatestConfigurationCommand(...)`). */
  commands?: readonly string[];
  /** JSX components that read the flag a prop names: component → prop. */
  components?: Readonly<Record<string, string>>;
}

export interface FlagDefinitions {
  functions: readonly string[];
  /** The method name reads through a definition are reported under. */
  method: string;
  /** Properties of the definition's object argument. */
  keyProperty: string;
  defaultProperty: string;
  /** Calling the defined flag. */
  read: MethodSpec;
}

/** Reads in a URL a file fetches: a local agent's endpoint with the flag in a query parameter. */
export interface UrlReads {
  pattern: RegExp;
  /** The query parameter naming a flag; a URL without it fetches the whole configuration. */
  parameter: string;
  method: string;
}

/** `Id` is the descriptor's own id, so the table's ids make up `SdkId`. */
export interface SdkDescriptor<Id extends string = string> {
  /** Reported as every read's `sdk`. */
  id: Id;
  /**
   * Words one of which a file must contain to read a flag through this SDK, compared ignoring case
   * (the text pre-filter): loose on purpose, since detection decides.
   */
  prefilter: readonly string[];
  /** Import specifiers (pattern sources) of a file that could export this SDK's client or function. */
  mentions: readonly string[];
  packages: readonly SdkPackage[];
  clients?: readonly ClientKind[];
  /** Clients often created in a module of the project and imported from there (the runtime's `createFlags`). */
  localModules?: Pick<SdkPackage, 'factories' | 'clientTypes'>;
  /**
   * Interfaces a class implements to evaluate flags for the SDK (an OpenFeature provider): the flag
   * key of its methods is whichever one the caller names, so it is not a computed key.
   */
  providers?: { packages: RegExp; typeName: RegExp };
  urls?: UrlReads;
}

/** A descriptor's table looked up by a name from user code, which may be `constructor` or `__proto__`. */
export function own<T>(table: Readonly<Record<string, T>> | undefined, name: string): T | undefined {
  return table !== undefined && Object.hasOwn(table, name) ? table[name] : undefined;
}
