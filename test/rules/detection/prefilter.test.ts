import { describe, expect, it } from 'vitest';
import { findFlagReads } from '../../../rules/detection/detector.js';
import { parseForDetection } from '../../../rules/detection/parse.js';
import { registryKeys } from './reads.js';

describe('the text pre-filter', () => {
  it('skips files that mention no SDK, reader or registry key, and keeps those that do', () => {
    const plain = `const cache = new Map(); export const get = (k) => cache.get(k);`;
    const { ast, scopeManager } = parseForDetection(plain, 'a.ts');
    expect(findFlagReads(ast, scopeManager, { registryKeys, text: plain })).toEqual([]);
    const withKey = `import { c } from './c.js'; export const m = (x) => c.get('retrieval_top_k', x);`;
    const parsed = parseForDetection(withKey, 'b.ts');
    expect(findFlagReads(parsed.ast, parsed.scopeManager, { registryKeys, text: withKey }).map((r) => r.key)).toEqual([
      'retrieval_top_k',
    ]);
  });
});
