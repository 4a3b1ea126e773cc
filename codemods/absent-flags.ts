/**
 * A flag named on the command line that is not in the registry: retired by an earlier run (the
 * same command run again must be a no-op), or never a flag (a typo). Nothing is removed either
 * way. What remove-flag checks is that no code reads it, with the removal's own search: the
 * rewrite runs over the project in memory (never written) and every site it would rewrite or
 * leave, and every mention of the key the removal's remaining-reads check finds, is listed. Only
 * when there is none does it say there is nothing to do.
 */
import { closestMatch, type FlagValue, type Registry } from 'modelflags/registry';
import { parseKeep } from './inputs.js';
import type { Site } from './rewrite.js';

/**
 * `--keep` as typed, without a flag to give it a type: `true`/`false` and numbers as such. Only
 * the in-memory rewrite sees it (a GrowthBook `isOn` of a string value is a site left for a human).
 */
export function looseValue(keep: string): FlagValue {
  if (keep === 'true' || keep === 'false') return keep === 'true';
  return keep.trim() !== '' && Number.isFinite(Number(keep)) ? Number(keep) : keep;
}

/**
 * Every site that may still read a flag not in the registry, from the rewrite's pass over the
 * project: the reads it would rewrite, the entries it would remove, the sites it would leave for a
 * human (mentions of the key included), and any other file it would change (test set-up pinning
 * the flag, a type naming it), at the first line it would change. Paths as displayed. A site
 * with a `flag` names that key; the others (a dynamic key, a file that does not parse) only might
 * read it.
 */
export function absentReads(
  pass: {
    rewritten: readonly Site[];
    keyTableEntries: readonly Site[];
    unresolved: readonly Site[];
    current: ReadonlyMap<string, string>;
  },
  absent: ReadonlySet<string>,
  original: ReadonlyMap<string, string>,
  display: (file: string) => string,
): Site[] {
  const sites: Site[] = [
    ...pass.rewritten.map((s) => ({ ...s, reason: readReason(s.flag) })),
    ...pass.keyTableEntries.map((s) => ({
      ...s,
      reason: `an entry holding the key "${s.flag}", which is not in the registry: nothing can serve it; delete the entry by hand`,
    })),
    ...pass.unresolved,
  ];
  const withSites = new Set(sites.map((s) => s.file));
  for (const [file, text] of pass.current) {
    const before = original.get(file);
    if (before === undefined || text === before || withSites.has(display(file))) continue;
    sites.push({
      file: display(file),
      line: firstChangedLine(before, text),
      column: 1,
      flag: absent.size === 1 ? [...absent][0] : undefined,
      reason:
        'remove-flag would change this file for a flag that is not in the registry (test set-up pinning it, or a type naming it): clean it by hand, or put the flag back in the registry and run remove-flag on it',
    });
  }
  return sites.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column));
}

/**
 * The registry key `flag` is probably a typo of: one within did-you-mean distance of which `keep`
 * is a variant, so that the command would have been right with that key. A near key without that
 * variant (`checkout-v1 --keep gpt-4` beside `checkout-v2`'s `gpt-5`) is another flag: then an
 * absent key no code reads is the no-op an already retired flag is.
 */
export function nearRegistryKey(flag: string, keep: string, registry: Registry): string | undefined {
  const near = closestMatch(flag, [...registry.byKey.keys()]);
  return near !== undefined && parseKeep(registry.byKey.get(near)!, keep) !== undefined ? near : undefined;
}

export function unknownFlagMessage(flag: string, near: string, registryFile: string): string {
  return `unknown flag "${flag}" (did you mean "${near}"?): it is not in ${registryFile}, and no code reads it. If it was retired already there is nothing to do; to retire ${near}, run the command with that key`;
}

function readReason(flag: string | undefined): string {
  return `a read of "${flag}", which is not in the registry: replace it by hand with the value it should have, or put the flag back in the registry and run remove-flag on it`;
}

function firstChangedLine(before: string, after: string): number {
  const a = before.split('\n');
  const b = after.split('\n');
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i + 1;
}
