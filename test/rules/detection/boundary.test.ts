import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { globbySync } from 'globby';
import { forEachNode } from '../../../rules/detection/traverse.js';
import { parseForDetection } from '../../../rules/detection/parse.js';

const DETECTION = join(import.meta.dirname, '..', '..', '..', 'rules', 'detection');
const manifest = JSON.parse(readFileSync(join(DETECTION, '..', 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
};

/** What a file imports, with whether only types are imported. */
function importsOf(file: string): { specifier: string; typeOnly: boolean }[] {
  const { ast } = parseForDetection(readFileSync(file, 'utf8'), file);
  const found: { specifier: string; typeOnly: boolean }[] = [];
  forEachNode(ast, (node) => {
    if (node.type === 'ImportDeclaration') {
      const typeOnly =
        node.importKind === 'type' ||
        (node.specifiers.length > 0 &&
          node.specifiers.every((s) => s.type === 'ImportSpecifier' && s.importKind === 'type'));
      found.push({ specifier: node.source.value, typeOnly });
    } else if ((node.type === 'ExportNamedDeclaration' || node.type === 'ExportAllDeclaration') && node.source) {
      found.push({ specifier: node.source.value, typeOnly: node.exportKind === 'type' });
    } else if (node.type === 'TSImportType') {
      found.push({ specifier: String(node.source.value), typeOnly: true });
    } else if (node.type === 'ImportExpression' && node.source.type === 'Literal') {
      found.push({ specifier: String(node.source.value), typeOnly: false });
    } else if (
      node.type === 'CallExpression' &&
      node.arguments[0]?.type === 'Literal' &&
      typeof node.arguments[0].value === 'string'
    ) {
      // `require('x')`, `createRequire(import.meta.url)('x')`
      const callee = node.callee;
      const requires =
        (callee.type === 'Identifier' && callee.name === 'require') ||
        (callee.type === 'CallExpression' &&
          callee.callee.type === 'Identifier' &&
          callee.callee.name === 'createRequire');
      if (requires) found.push({ specifier: node.arguments[0].value, typeOnly: false });
    }
  });
  return found;
}

describe('rules/detection', () => {
  it('imports nothing of the repository but the registry core, and types of the CLI contract', () => {
    const files = globbySync('**/*.ts', { cwd: DETECTION, absolute: true });
    expect(files.length).toBeGreaterThan(15);
    const wrong: string[] = [];
    for (const file of files) {
      const rel = relative(DETECTION, file);
      for (const { specifier, typeOnly } of importsOf(file)) {
        const allowed = specifier.startsWith('.')
          ? !relative(DETECTION, resolve(dirname(file), specifier)).startsWith('..')
          : specifier.startsWith('node:') ||
            specifier === 'modelflags/registry' ||
            (typeOnly && (specifier === 'modelflags/cli' || specifier === 'modelflags/io')) ||
            // The audit's wording of an unreadable file, until the CLI words its own problems.
            (rel === 'scan.ts' && specifier === 'modelflags/io') ||
            (Object.hasOwn(
              manifest.dependencies,
              specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!,
            ) &&
              !specifier.startsWith('modelflags'));
        if (!allowed) wrong.push(`${rel}: ${typeOnly ? 'import type' : 'import'} '${specifier}'`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
