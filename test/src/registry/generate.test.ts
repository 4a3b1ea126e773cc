import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ESLint, type Linter } from 'eslint';
import ts from 'typescript';
import tseslint from 'typescript-eslint';
import { afterAll, describe, expect, it } from 'vitest';
import { generateTypedModule, parseGeneratedHeader, registryImportPath } from '../../../src/registry/generate.js';
import { parseRegistryOrThrow } from '../../../src/registry/validate.js';

const root = new URL('../../..', import.meta.url).pathname;
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
    const where =
      d.file && d.start !== undefined
        ? `${d.file.fileName.slice(dir.length + 1)}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}`
        : '';
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

  it("types a rollout rule's variant and bucketing attribute as a percentage rule's", () => {
    const module = generateTypedModule(
      parseRegistryOrThrow(
        JSON.stringify({
          flags: [
            {
              flag: 'canary_model',
              bucket_by: 'org_id',
              default: 'small',
              rules: [
                {
                  condition: { plan: 'pro' },
                  rollout: { variant: 'large', start: '2026-12-10T09:00:00Z', linear: { percent: 25, every: '1h' } },
                },
              ],
            },
          ],
        }),
      ),
      { registryImportPath: './flags.json' },
    );
    // No declared variants: the union is inferred from the default and the rollout's variant.
    expect(module).toContain("  canary_model: 'small' | 'large';");
    expect(module).toContain('  org_id?: string;');
    expect(module).toContain('  plan?: string;');
    expect(module).toContain("  canary_model: ['small', 'large'],");
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
    expect(
      typeCheck({ 'flags.generated.ts': generated, 'usage.ts': usage, 'package.json': '{"type":"module"}' }),
    ).toEqual([]);
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

describe('the generated module in a project with TypeScript 6 `tsc --init` defaults', () => {
  // Every kind of flag and targeting the generator types: string, number and boolean variants,
  // numeric and list operands, a dotted attribute and a key that is not an identifier.
  const registry = parseRegistryOrThrow(
    JSON.stringify({
      flags: [
        ...(JSON.parse(exampleRegistry) as { flags: object[] }).flags,
        {
          flag: 'retrieval_top_k',
          variants: [5, 10, 20],
          default: 5,
          rules: [{ condition: { tokens: { gt: 1000 } }, value: 20 }],
        },
        {
          flag: 'use-cache',
          variants: [true, false],
          default: false,
          rules: [{ condition: { 'org.plan': 'pro', region: ['eu', 'us'] }, value: true }],
        },
      ],
    }),
  );
  const usage = `import { fileSource } from 'modelflags';
import { createFlags } from './flags.generated.js';

const flags = createFlags({ source: fileSource('flags.json') });

export function modelFor(user: string, tokens: number): string {
  const topK = flags.get('retrieval_top_k', { targetingKey: user, tokens });
  return flags.get('use-cache', { targetingKey: user }) ? \`\${flags.get('inference_model', { targetingKey: user })}:\${String(topK)}\` : 'none';
}
`;

  /** A project with `tsc --init`'s tsconfig, resolving `modelflags` to this package's built declarations as an install would. */
  function project(openFeature: boolean): string {
    const dir = mkdtempSync(join(tmpdir(), 'modelflags-generated-'));
    dirs.push(dir);
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(join(root, 'src'), join(dir, 'node_modules/modelflags'));
    symlinkSync(join(root, 'node_modules/@openfeature'), join(dir, 'node_modules/@openfeature'));
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '--init'], { cwd: dir });
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
    writeFileSync(
      join(dir, 'flags.generated.ts'),
      generateTypedModule(registry, { registryImportPath: './flags.json', openFeature }),
    );
    writeFileSync(join(dir, 'usage.ts'), usage);
    return dir;
  }

  it.each([false, true])(
    'compiles under strict, exactOptionalPropertyTypes and noUncheckedIndexedAccess (openFeature %s)',
    (openFeature) => {
      const dir = project(openFeature);
      const config = ts.getParsedCommandLineOfConfigFile(
        join(dir, 'tsconfig.json'),
        {},
        { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} },
      )!;
      expect(config.options).toMatchObject({
        strict: true,
        exactOptionalPropertyTypes: true,
        noUncheckedIndexedAccess: true,
      });
      const program = ts.createProgram({ rootNames: config.fileNames, options: { ...config.options, noEmit: true } });
      expect(
        ts
          .getPreEmitDiagnostics(program)
          .map((d) => `${d.file?.fileName ?? ''} TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`),
      ).toEqual([]);
    },
    60_000,
  );

  it.each([false, true])(
    "passes typescript-eslint's strictTypeChecked (openFeature %s)",
    async (openFeature) => {
      const dir = project(openFeature);
      const eslint = new ESLint({
        cwd: dir,
        overrideConfigFile: true,
        overrideConfig: [
          ...(tseslint.configs.strictTypeChecked as Linter.Config[]),
          { languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: dir } } },
        ],
      });
      const results = await eslint.lintFiles(['flags.generated.ts', 'usage.ts']);
      expect(
        results.flatMap((r) =>
          r.messages.map((m) => `${r.filePath.slice(dir.length + 1)}:${m.line} ${m.ruleId ?? ''}: ${m.message}`),
        ),
      ).toEqual([]);
    },
    60_000,
  );
});
