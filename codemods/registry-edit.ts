/** The registry after the rewrite: the entry removed or collapsed, and the typed modules generated from it. */
import { dirname, resolve } from 'node:path';
import {
  collapseFlagEntry,
  generateTypedModule,
  parseGeneratedHeader,
  parseRegistry,
  removeFlagEntry,
  type FlagValue,
  type Registry,
} from 'modelflags/registry';

/**
 * The registry text with each retired flag's entry removed, or collapsed to serve the kept value
 * to everyone where `needsHuman(flag)` (a read is left somewhere).
 */
export function editRegistry(
  registryText: string,
  registryFile: string,
  decisions: ReadonlyMap<string, FlagValue>,
  needsHuman: (flag: string) => boolean,
): string {
  let text = registryText;
  for (const [flag, kept] of decisions) {
    const def = parseRegistry(text, registryFile).registry?.byKey.get(flag);
    if (!def) continue;
    text = needsHuman(flag) ? collapseFlagEntry(text, def, kept) : removeFlagEntry(text, def);
  }
  return text;
}

/** Typed modules whose header says they were generated from this registry. */
export function generatedModulesFor(
  registryPath: string,
  files: readonly string[],
  texts: ReadonlyMap<string, string>,
): Map<string, string> {
  const out = new Map<string, string>();
  for (const file of files) {
    const text = texts.get(file)!;
    const header = parseGeneratedHeader(text);
    if (header && resolve(dirname(file), header.registryImportPath) === registryPath) out.set(file, text);
  }
  return out;
}

/** The typed modules that change when regenerated from the registry `text`, with their new text. */
export function regeneratedFrom(
  text: string,
  registryFile: string,
  generated: ReadonlyMap<string, string>,
): Map<string, string> {
  const out = new Map<string, string>();
  const edited = parseRegistry(text, registryFile).registry;
  if (edited)
    for (const [file, module] of generated)
      if (regenerate(module, edited) !== module) out.set(file, regenerate(module, edited));
  return out;
}

/** The module regenerated with the options it was generated with (read back from its text). */
function regenerate(text: string, registry: Registry): string {
  const header = parseGeneratedHeader(text)!;
  const runtime = /import \{ createFlags as createUntypedFlags \} from '([^']+)'/.exec(text)?.[1];
  return generateTypedModule(registry, {
    registryImportPath: header.registryImportPath,
    ...(runtime ? { runtimeModule: runtime } : {}),
    openFeature: text.includes("declare module '@openfeature/core'"),
  });
}
