/**
 * The codemod as a plain jscodeshift transform, for teams that already drive jscodeshift:
 *
 *   npx jscodeshift --no-babel -t node_modules/modelflags/dist/codemods/transform.js src \
 *     --flag=inference_model --keep=claude-sonnet-4-6 --registry=flags.json
 *
 * It rewrites one file at a time, so it does not edit the registry, regenerate types, follow
 * constants across files or type-check; `npx remove-flag` does all of that.
 */
import type { API, FileInfo, Options } from 'jscodeshift';
import { loadRegistryFile } from 'modelflags/registry';
import { removeKeyTableEntries } from './key-tables.js';
import { parseKeep } from './inputs.js';
import { rewriteSource } from './rewrite.js';

export default function transform(file: FileInfo, api: API, options: Options): string | undefined {
  const flag = String(options['flag'] ?? '');
  const keep = String(options['keep'] ?? '');
  const registry = loadRegistryFile(String(options['registry'] ?? 'flags.json'));
  const def = registry.byKey.get(flag);
  if (!def) throw new Error(`--flag=${flag}: not a flag in ${registry.file}`);
  const kept = parseKeep(def, keep);
  if (kept === undefined)
    throw new Error(
      `--keep=${keep} is not a variant of ${flag}; variants are ${def.variants.map((v) => JSON.stringify(v)).join(', ')}`,
    );
  const result = rewriteSource(file.path, file.source, {
    decisions: new Map([[flag, kept]]),
    registryKeys: new Set(registry.byKey.keys()),
  });
  for (const site of result.unresolved) api.report(`${site.file}:${site.line}:${site.column}: ${site.reason ?? ''}`);
  // Members named by the key go as with remove-flag; a table entry holding the key is kept, since
  // one file cannot tell whether other files still use its name.
  const { output } = removeKeyTableEntries(
    file.path,
    result.output,
    new Set([flag]),
    new Set(registry.byKey.keys()),
    () => true,
  );
  return output === file.source ? undefined : output;
}
