/**
 * Entries naming a retired key leave their lists well formed, whatever the list's layout; the key
 * in any other role stays.
 */
import { describe, expect, it } from 'vitest';
import { removeKeyTableEntries } from '../../codemods/key-tables.js';

const registryKeys = new Set(['smart-routing', 'fast-path', 'beta']);
const remove = (text: string, isReferenced = (): boolean => false): string =>
  removeKeyTableEntries('x.ts', text, new Set(['smart-routing']), registryKeys, isReferenced).output;

describe('removeKeyTableEntries', () => {
  it.each([
    ["const x = { 'smart-routing': 1, beta: 2 };", 'const x = { beta: 2 };'],
    ["const x = { beta: 2, 'smart-routing': 1 };", 'const x = { beta: 2 };'],
    ["const x = {\n  beta: 2,\n  // routed by cost\n  'smart-routing': 1,\n};\n", 'const x = {\n  beta: 2,\n};\n'],
    ["type T = { 'smart-routing': boolean; beta: boolean };", 'type T = { beta: boolean };'],
    ["type T = { beta: boolean; 'smart-routing': boolean };", 'type T = { beta: boolean };'],
    [
      "interface F {\n  'smart-routing': boolean;\n  'fast-path': boolean;\n}\n",
      "interface F {\n  'fast-path': boolean;\n}\n",
    ],
    ["const K = { SMART: 'smart-routing', FAST: 'fast-path' } as const;", "const K = { FAST: 'fast-path' } as const;"],
    ["enum E {\n  Smart = 'smart-routing',\n  Fast = 'fast-path',\n}\n", "enum E {\n  Fast = 'fast-path',\n}\n"],
  ])('%j', (input, output) => {
    expect(remove(input)).toBe(output);
  });

  it('leaves the key in another role, and objects that are not tables of keys', () => {
    const text = "hasPlanFeature('smart-routing');\nconst flag = { key: 'smart-routing', owner: 'ml' };\n";
    expect(remove(text)).toBe(text);
  });

  it('keeps a key-table entry or enum member whose name code still uses', () => {
    const text =
      "const K = { SMART: 'smart-routing', FAST: 'fast-path' } as const;\nenum E { Smart = 'smart-routing', Fast = 'fast-path' }\n";
    expect(remove(text, () => true)).toBe(text);
  });
});
