/**
 * Cheap looks at a file's text, built from the SDK descriptors, that spare parsing and walking
 * files which cannot matter: most files mention no SDK and no flag key.
 */
import { camelCase } from './ast.js';
import { readerMethod } from './sdks/custom.js';
import { SDKS } from './sdks/index.js';
import type { DetectionOptions } from './types.js';

const escape = (word: string): string => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A file can only read a flag through an SDK if it mentions one of the descriptors' prefilter words
 * (matched loosely: `flag` covers `createFlags`, `flags/next`, `useFlags`).
 */
export const TRIGGER = new RegExp([...new Set(SDKS.flatMap((sdk) => sdk.prefilter))].map(escape).join('|'), 'i');

/** A file that imports an SDK, so it could export a flag client, an SDK function or a Vercel flag. */
export const MENTIONS_SDK = new RegExp(`['"](?:${SDKS.flatMap((sdk) => sdk.mentions).join('|')})['"]`);

const prefilters = new Map<string, RegExp>();

/**
 * One case-insensitive pass over the text for everything a read needs: {@link TRIGGER}, the
 * registry keys (also camelCased) and the custom readers' method names. Ignoring case only lets
 * more files through to detection, which decides. Compiled once per key set and reader list.
 */
export function mightContainReads(options: DetectionOptions): boolean {
  const { text } = options;
  if (text === undefined) return true;
  const readers = (options.readers ?? []).map(readerMethod);
  const keys = [...options.registryKeys];
  const signature = `${readers.join('\u0000')}\u0001${keys.join('\u0000')}`;
  let prefilter = prefilters.get(signature);
  if (!prefilter) {
    const words = [...readers, ...keys, ...keys.map(camelCase)];
    if (prefilters.size > 16) prefilters.clear();
    // An empty word is in every text.
    prefilter = words.includes('') ? /(?:)/ : new RegExp([TRIGGER.source, ...words.map(escape)].join('|'), 'i');
    prefilters.set(signature, prefilter);
  }
  return prefilter.test(text);
}
