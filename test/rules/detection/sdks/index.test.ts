import { describe, expect, it } from 'vitest';
import { mightContainReads, TRIGGER } from '../../../../rules/detection/prefilter.js';
import { clientNamed, sdkPackage, SDKS } from '../../../../rules/detection/sdks/index.js';
import { reads } from '../reads.js';

const packages = SDKS.flatMap((sdk) => sdk.packages.map((p) => ({ sdk: sdk.id, ...p })));
const clients = SDKS.flatMap((sdk) => (sdk.clients ?? []).map((c) => ({ sdk: sdk.id, ...c })));

/** The client names a package or client hands over to: its factories, classes, types, default export, derived clients, browser twin. */
function namedClients(): string[] {
  return [
    ...packages.flatMap((p) => [
      ...Object.values(p.factories ?? {}),
      ...Object.values(p.constructors ?? {}),
      ...Object.values(p.clientTypes ?? {}),
      ...(p.defaultClient ? [p.defaultClient.client] : []),
    ]),
    ...SDKS.flatMap((sdk) => [
      ...Object.values(sdk.localModules?.factories ?? {}),
      ...Object.values(sdk.localModules?.clientTypes ?? {}),
    ]),
    ...clients.flatMap((c) => [
      ...Object.values(c.derived ?? {}),
      ...(c.untraced?.browser ? [c.untraced.browser.client] : []),
    ]),
  ];
}

describe('the SDK table', () => {
  it('names only clients and packages it declares, each once', () => {
    const clientNames = clients.map((c) => c.name);
    const packageNames = packages.map((p) => p.name);
    expect(new Set(clientNames).size).toBe(clientNames.length);
    expect(new Set(packageNames).size).toBe(packageNames.length);
    for (const name of namedClients()) expect(clientNamed(name)?.name, name).toBe(name);
    for (const c of clients) {
      for (const name of [...(c.untraced?.packages ?? []), ...(c.untraced?.browser?.packages ?? [])])
        expect(packageNames, `${c.name} names ${name}`).toContain(name);
    }
  });

  it('keeps every SDK client with its own SDK', () => {
    for (const p of packages) {
      for (const name of [
        ...Object.values(p.factories ?? {}),
        ...Object.values(p.constructors ?? {}),
        ...Object.values(p.clientTypes ?? {}),
      ]) {
        expect(clientNamed(name).sdk, `${p.name} → ${name}`).toBe(p.sdk);
      }
    }
  });

  it('lets an untraced call count only by a method its client has, claimed by one client', () => {
    const claimed = new Map<string, string>();
    for (const c of clients) {
      for (const method of [...(c.untraced?.distinctive ?? []), ...(c.untraced?.ambiguous ?? [])]) {
        expect(Object.keys(c.methods), `${c.name}.${method}`).toContain(method);
        expect(claimed.get(method), `${method} is claimed by ${claimed.get(method)} and ${c.name}`).toBeUndefined();
        claimed.set(method, c.name);
      }
    }
  });

  it('matches every package by its own specifiers, ahead of the packages after it', () => {
    for (const p of packages) {
      if (p.specifiers instanceof RegExp) continue;
      for (const specifier of p.specifiers) expect(sdkPackage(specifier)?.name, specifier).toBe(p.name);
    }
    expect(sdkPackage('@launchdarkly/server-sdk-ai')?.name).toBe('ld-ai');
    expect(sdkPackage('@launchdarkly/node-server-sdk')?.name).toBe('ld-server');
    expect(sdkPackage('@openfeature/react-sdk')?.name).toBe('openfeature-web');
    expect(sdkPackage('flags/next')?.name).toBe('vercel');
    expect(sdkPackage('./flags')).toBeUndefined();
  });

  it('lets through the pre-filter a file that only imports one of its packages', () => {
    for (const p of packages) {
      if (p.specifiers instanceof RegExp) continue;
      for (const specifier of p.specifiers) {
        const text = `import * as sdk from '${specifier}';\nexport const read = (k) => sdk.anything(k);`;
        expect(TRIGGER.test(text), specifier).toBe(true);
        expect(mightContainReads({ registryKeys: new Set(), text }), specifier).toBe(true);
      }
    }
  });

  it('reads through an SDK package imported under any specifier it matches', () => {
    const code = (specifier: string) => `
      import { GrowthBook } from '${specifier}';
      export const f = () => new GrowthBook({}).isOn('inference_model');`;
    expect(reads(code('@growthbook/growthbook-react')).map((r) => [r.sdk, r.key])).toEqual([
      ['growthbook', 'inference_model'],
    ]);
    expect(reads(code('@growthbook/growthbook-vue')).map((r) => [r.sdk, r.key])).toEqual([]);
  });
});
