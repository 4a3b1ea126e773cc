/**
 * The SDKs detection knows, and the lookups the detector makes in them. Adding an SDK is one file
 * in this folder and one line in {@link SDKS} (README.md). Package specifiers are matched in the
 * table's order.
 */
import { appconfig } from './appconfig.js';
import { custom } from './custom.js';
import type { ClientKind, SdkDescriptor, SdkPackage, UrlReads } from './descriptor.js';
import { growthbook } from './growthbook.js';
import { launchdarkly } from './launchdarkly.js';
import { modelflags } from './modelflags.js';
import { openfeature } from './openfeature.js';
import { posthog } from './posthog.js';
import { unleash } from './unleash.js';
import { vercel } from './vercel.js';

export const SDKS = [
  modelflags,
  openfeature,
  launchdarkly,
  growthbook,
  unleash,
  posthog,
  vercel,
  appconfig,
  custom,
] as const satisfies readonly SdkDescriptor[];

/** Which SDK a read goes through: the ids of {@link SDKS}. */
export type SdkId = (typeof SDKS)[number]['id'];

export interface KnownPackage extends SdkPackage {
  sdk: SdkId;
}

export interface KnownClient extends ClientKind {
  sdk: SdkId;
}

const PACKAGES: readonly KnownPackage[] = SDKS.flatMap((sdk) => sdk.packages.map((p) => ({ ...p, sdk: sdk.id })));

const CLIENTS: ReadonlyMap<string, KnownClient> = new Map(
  SDKS.flatMap((sdk) => (sdk.clients ?? []).map((c) => [c.name, { ...c, sdk: sdk.id }] as const)),
);

/** The client a descriptor names (a test checks every name is declared). */
export function clientNamed(name: string): KnownClient {
  return CLIENTS.get(name)!;
}

const packagesBySpecifier = new Map<string, KnownPackage | undefined>();

/** The SDK package an import specifier names. */
export function sdkPackage(specifier: string): KnownPackage | undefined {
  if (packagesBySpecifier.has(specifier)) return packagesBySpecifier.get(specifier);
  const found = PACKAGES.find((p) =>
    p.specifiers instanceof RegExp ? p.specifiers.test(specifier) : p.specifiers.includes(specifier),
  );
  if (packagesBySpecifier.size > 10_000) packagesBySpecifier.clear();
  packagesBySpecifier.set(specifier, found);
  return found;
}

/** `./flags`, `/abs/flags`: a module of the project rather than a package. */
export function isLocalSpecifier(specifier: string): boolean {
  return specifier.startsWith('.') || specifier.startsWith('/');
}

/** What the project's own modules commonly export: the clients of the descriptors' {@link SdkDescriptor.localModules}. */
const LOCAL_MODULES: Pick<SdkPackage, 'factories' | 'clientTypes'> = {
  factories: Object.assign({}, ...SDKS.map((sdk) => sdk.localModules?.factories ?? {})),
  clientTypes: Object.assign({}, ...SDKS.map((sdk) => sdk.localModules?.clientTypes ?? {})),
};

/** Where an import's factories, classes and client types are described: its SDK package, or for a module of the project, {@link LOCAL_MODULES}. */
export function clientSource(
  specifier: string,
): Pick<SdkPackage, 'factories' | 'constructors' | 'clientTypes'> | undefined {
  return isLocalSpecifier(specifier) ? LOCAL_MODULES : sdkPackage(specifier);
}

function untracedMethods(which: 'distinctive' | 'ambiguous'): ReadonlyMap<string, KnownClient> {
  return new Map(
    [...CLIENTS.values()].flatMap((client) =>
      (client.untraced?.[which] ?? []).map((method) => [method, client] as const),
    ),
  );
}

/** Method names that are reads on an untraced receiver, with the client they read: see {@link ClientKind.untraced}. */
export const DISTINCTIVE_METHODS = untracedMethods('distinctive');
export const AMBIGUOUS_METHODS = untracedMethods('ambiguous');

/** Every name `x.<name>(...)` can read a flag under: a client method, a module reader, a hook or a definition. */
export const READ_METHOD_NAMES: ReadonlySet<string> = new Set([
  ...[...CLIENTS.values()].flatMap((c) => Object.keys(c.methods)),
  ...PACKAGES.flatMap((p) => [
    ...Object.keys(p.readers ?? {}),
    ...(p.flagObjectHooks ?? []),
    ...(p.definitions?.functions ?? []),
  ]),
]);

export const PROVIDERS: readonly NonNullable<SdkDescriptor['providers']>[] = SDKS.flatMap((sdk) =>
  sdk.providers ? [sdk.providers] : [],
);

export const URL_READS: readonly (UrlReads & { sdk: SdkId })[] = SDKS.flatMap((sdk) =>
  sdk.urls ? [{ ...sdk.urls, sdk: sdk.id }] : [],
);
