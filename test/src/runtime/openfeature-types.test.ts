import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { generateTypedModule } from '../../../src/registry/generate.js';
import { parseRegistryOrThrow } from '../../../src/registry/validate.js';

const repo = resolve(import.meta.dirname, '../../..');
const registry = parseRegistryOrThrow(
  JSON.stringify({
    flags: [
      { flag: 'inference_model', default: 'claude-3-haiku', variants: ['claude-3-haiku', 'claude-opus-4-6'] },
      { flag: 'retrieval_top_k', default: 5, variants: [5, 10] },
      { flag: 'streaming', default: false },
    ],
  }),
);

/** Code that reads flags through OpenFeature; each misspelt or mistyped key must be a compile error. */
const app = `import { OpenFeature } from '@openfeature/server-sdk';
import './flags.generated.js';

const client = OpenFeature.getClient();

export async function handle(targetingKey: string): Promise<unknown[]> {
  const context = { targetingKey };
  return [
    await client.getStringValue('inference_model', 'claude-3-haiku', context),
    await client.getStringDetails('inference_model', 'claude-3-haiku', context),
    await client.getNumberValue('retrieval_top_k', 5, context),
    await client.getBooleanValue('streaming', false, context),
    // @ts-expect-error misspelt key
    await client.getStringValue('inference_modle', 'claude-3-haiku', context),
    // @ts-expect-error misspelt key, details
    await client.getStringDetails('inference_modle', 'claude-3-haiku', context),
    // @ts-expect-error a number flag read as a string
    await client.getStringValue('retrieval_top_k', '5', context),
    // @ts-expect-error a string flag read as a boolean
    await client.getBooleanValue('inference_model', false, context),
  ];
}
`;

const scratch = mkdtempSync(join(tmpdir(), 'modelflags-oftypes-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Diagnostics of the fixture, or only of `onlyFile` (checking every library declaration is slow). */
function compile(name: string, openFeature: boolean, skipLibCheck: boolean, onlyFile?: string): string[] {
  const dir = join(scratch, name);
  const runtime = relative(dir, join(repo, 'src/index.js')).split('\\').join('/');
  ts.sys.createDirectory(dir);
  symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'), 'dir');
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }');
  writeFileSync(
    join(dir, 'flags.generated.ts'),
    generateTypedModule(registry, { registryImportPath: './flags.json', runtimeModule: runtime, openFeature }),
  );
  writeFileSync(join(dir, 'app.ts'), app);
  const program = ts.createProgram([join(dir, 'app.ts')], {
    strict: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2023,
    types: ['node'],
    noEmit: true,
    skipLibCheck,
  });
  const diagnostics =
    onlyFile === undefined
      ? ts.getPreEmitDiagnostics(program)
      : program.getSemanticDiagnostics(program.getSourceFile(join(repo, onlyFile)));
  return diagnostics.map((d) => {
    const file = d.file ? relative(d.file.fileName.startsWith(repo) ? repo : dir, d.file.fileName) : '';
    const where = d.file ? `${file}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : '';
    return `${where} TS${d.code}`;
  });
}

describe('modelflags generate --openfeature with the real TypeScript compiler', () => {
  it('makes misspelt and mistyped OpenFeature flag keys compile errors while correct keys compile', () => {
    expect(compile('augmented', true, true)).toEqual([]);
  });

  it('is what makes them errors: without the augmentation every @ts-expect-error is unused', () => {
    expect(compile('plain', false, true)).toEqual([
      'app.ts:13 TS2578',
      'app.ts:15 TS2578',
      'app.ts:17 TS2578',
      'app.ts:19 TS2578',
    ]);
  });

  it('needs skipLibCheck: @openfeature/core itself reports the augmented alias as a duplicate', () => {
    const core = 'node_modules/@openfeature/core/dist/types.d.ts';
    expect(compile('strict-lib-check', true, false, core)).toEqual([
      'node_modules/@openfeature/core/dist/types.d.ts:1146 TS2300',
      'node_modules/@openfeature/core/dist/types.d.ts:1146 TS2300',
      'node_modules/@openfeature/core/dist/types.d.ts:1146 TS2300',
    ]);
  });
});
