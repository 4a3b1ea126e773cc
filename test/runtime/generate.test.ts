import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { generateTypedModule, parseGeneratedHeader, registryImportPath } from '../../src/generate.js';
import { parseRegistryOrThrow } from '../../src/registry.js';

const root = new URL('../..', import.meta.url).pathname;
const exampleRegistry = readFileSync(join(root, 'examples/inference-service/flags.json'), 'utf8');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Type-checks `files` (name → source) against the generated module; returns the diagnostics as text. */
function typeCheck(files: Record<string, string>): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'modelflags-types-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const program = ts.createProgram({
    rootNames: Object.keys(files).map((n) => join(dir, n)),
    options: {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      skipLibCheck: true,
      types: ['node'],
      typeRoots: [join(root, 'node_modules/@types')],
      // The generated module imports the runtime by package name; point it at the source.
      paths: { modelflags: [join(root, 'src/index.ts')] },
    },
  });
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file && d.start !== undefined ? `${d.file.fileName.slice(dir.length + 1)}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}` : '';
    return `${where} TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
  });
}

const generated = generateTypedModule(parseRegistryOrThrow(exampleRegistry), { registryImportPath: './flags.json' });

describe('modelflags generate', () => {
  it('writes a header that names the registry', () => {
    expect(parseGeneratedHeader(generated)).toEqual({ registryImportPath: './flags.json' });
    expect(parseGeneratedHeader('// hand written\nexport {}')).toBeUndefined();
    expect(registryImportPath('/app/src/flags.generated.ts', '/app/flags.json')).toBe('../flags.json');
    expect(registryImportPath('/app/flags.generated.ts', '/app/flags.json')).toBe('./flags.json');
  });

  it('types get() by the registry: unknown keys and undeclared variants do not compile', () => {
    const usage = `
import { createFlags, type FlagValues } from './flags.generated.js';
import { staticSource } from 'modelflags';

const flags = createFlags({ source: staticSource({ flags: [] }) });
const model = flags.get('inference_model', { targetingKey: 'u1', user_segment: 'internal' });
export const exact: 'claude-3-haiku' | 'claude-sonnet-4-6' | 'claude-opus-4-6' = model;
export const isOpus = model === 'claude-opus-4-6';
export const prompt: FlagValues['system_prompt_version'] = flags.get('system_prompt_version', {});
export const detail: 'v3' | 'v4' = flags.detail('system_prompt_version', {}).value;

// @ts-expect-error: not a flag in the registry
flags.get('inference_modle', {});
// @ts-expect-error: gpt-4o is not a variant of inference_model
export const isGpt = model === 'gpt-4o';
// @ts-expect-error: a prompt version is not a model
export const wrong: FlagValues['inference_model'] = flags.get('system_prompt_version', {});
// @ts-expect-error: customer_id is a string attribute
flags.get('inference_model', { customer_id: 42 });
switch (model) {
  case 'claude-3-haiku':
    break;
  // @ts-expect-error: not a variant
  case 'claude-2':
    break;
}
`;
    expect(typeCheck({ 'flags.generated.ts': generated, 'usage.ts': usage, 'package.json': '{"type":"module"}' })).toEqual([]);
  });

  it('fails the @ts-expect-error lines when the typed module is missing, so the test above can fail', () => {
    const untyped = `
import { createFlags, staticSource } from 'modelflags';
const flags = createFlags({ source: staticSource({ flags: [] }) });
// @ts-expect-error
flags.get('inference_modle', {});
`;
    const diagnostics = typeCheck({ 'usage.ts': untyped, 'package.json': '{"type":"module"}' });
    expect(diagnostics).toEqual([expect.stringContaining("TS2578: Unused '@ts-expect-error' directive")]);
  });
});
