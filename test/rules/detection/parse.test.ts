import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { globbySync } from 'globby';
import { parse, simpleTraverse } from '@typescript-eslint/typescript-estree';
import { analyze } from '@typescript-eslint/scope-manager';
import type { TSESTree } from '@typescript-eslint/types';
import { findFlagReads } from '../../../rules/detection/detector.js';
import type { FlagRead } from '../../../rules/detection/types.js';
import { checkSyntax, parseForDetection, SourceSyntaxError } from '../../../rules/detection/parse.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const registryKeys = new Set([
  'inference_model',
  'system_prompt_version',
  'retrieval_top_k',
  'checkout_model',
  'max_tokens',
]);

/** What ESLint's parser gives the rules: the reference the codemod's and audit's parse must match. */
function parseLikeEslint(text: string, filePath: string) {
  const jsx = !/\.[cm]?ts$/i.test(filePath);
  const ast = parse(text, { jsx, range: true, loc: true, comment: false, tokens: false, filePath });
  simpleTraverse(ast, { enter: () => undefined }, true);
  return { ast, scopeManager: analyze(ast, { sourceType: 'module', jsxPragma: jsx ? 'React' : null }) };
}

/** Every fact of a read, with nodes as their source ranges. */
function described(reads: FlagRead[]): string[] {
  const at = (node: TSESTree.Node | undefined) => (node ? node.range.join('-') : '');
  return reads.map((r) =>
    [
      r.sdk,
      r.method,
      r.key,
      r.keyKind,
      at(r.call),
      at(r.keyNode),
      at(r.defaultNode),
      at(r.contextNode),
      at(r.valueNode),
      r.valueKind,
      r.valueBinding?.name,
      r.contextExpected,
    ].join(' '),
  );
}

function readsBoth(text: string, file: string): { eslint: string[]; ours: string[] } {
  const reference = parseLikeEslint(text, file);
  const ours = parseForDetection(text, file);
  return {
    eslint: described(findFlagReads(reference.ast, reference.scopeManager, { registryKeys })),
    ours: described(findFlagReads(ours.ast, ours.scopeManager, { registryKeys })),
  };
}

describe('parseForDetection', () => {
  it('finds the same reads as on the typescript-estree AST, for every fixture, example and source file', () => {
    const files = globbySync(
      [
        'test/codemods/fixtures/*/input/**/*.{ts,tsx,mts,cts,js,jsx,mjs,cjs}',
        'examples/**/*.{ts,tsx}',
        'src/**/*.ts',
        'rules/**/*.ts',
        'codemods/**/*.ts',
      ],
      {
        cwd: ROOT,
        absolute: true,
        ignore: ['**/node_modules/**', '**/input-unparsable-file/**'],
      },
    );
    expect(files.length).toBeGreaterThan(250);
    let withReads = 0;
    for (const file of files) {
      // ESLint hands its parser the text without the BOM (SourceCode keeps it aside), as here.
      const { eslint, ours } = readsBoth(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''), file);
      expect(ours, file).toEqual(eslint);
      if (eslint.length > 0) withReads++;
    }
    // The comparison means something only if many files read flags.
    expect(withReads).toBeGreaterThan(100);
  });

  it('finds the same reads for generated programs mixing SDK reads with TypeScript syntax', () => {
    const key = fc.constantFrom(
      "'inference_model'",
      "'system_prompt_version'",
      'KEY',
      'Keys.Model',
      'FLAGS.model',
      'dynamicKey',
    );
    const read = fc.constantFrom(
      (k: string) => `flags.get(${k}, ctx)`,
      (k: string) => `flags.detail(${k}, ctx).value`,
      (k: string) => `(flags.get(${k}, ctx) as string)`,
      (k: string) => `flags.get(${k}, ctx)!`,
      (k: string) => `flags.get<string>(${k}, ctx)`,
      (k: string) => `client.getStringValue(${k}, 'claude-3-haiku', ctx)`,
      (k: string) => `this.flags.get(${k}, ctx)`,
      (k: string) => `ldClient.variation(${k}, ctx, 'x')`,
      (k: string) => `flags?.get(${k}, ctx)`,
    );
    const wrap = fc.constantFrom(
      (e: string) => `export function handle(ctx: Ctx): string {\n  const model = ${e};\n  return model;\n}`,
      (e: string) => `export const pick = async <T extends Ctx>(ctx: T): Promise<string> => ${e} satisfies string;`,
      (e: string) =>
        `export abstract class Service<T = Ctx> implements Handler<T> {\n  private readonly label: string = 'x';\n  constructor(private readonly flags: Flags) {}\n  abstract run(ctx: T): void;\n  handle(ctx: Ctx) { return ${e}; }\n}`,
      (e: string) => `const model = ${e};`,
      (e: string) =>
        `export default function Panel({ ctx }: { ctx: Ctx }) {\n  return <div title={${e}}>{${e} === 'claude-opus-4-6' ? <b /> : null}</div>;\n}`,
      (e: string) => `namespace Routes.Chat {\n  export const choose = (ctx: Ctx) => ${e};\n}`,
      (e: string) =>
        `type Mapped<T> = { readonly [K in keyof T]?: T[K] };\nexport function run(ctx: Ctx, cb: (a: string) => void) { switch (${e}) { case 'a': cb('a'); } }`,
      (e: string) =>
        `enum Tier { Big = 'claude-opus-4-6' }\nexport function run(ctx: Ctx) { return ${e} === Tier.Big; }`,
    );
    const header = [
      "import { createFlags } from 'modelflags';",
      "import { OpenFeature } from '@openfeature/server-sdk';",
      "import * as ld from '@launchdarkly/node-server-sdk';",
      "const KEY = 'inference_model' as const;",
      "enum Keys { Model = 'inference_model' }",
      "const FLAGS = { model: 'inference_model' } as const;",
      'const flags = createFlags({ source: undefined as never });',
      'const client = OpenFeature.getClient();',
      "const ldClient = ld.init('sdk-key');",
      'interface Ctx { userId: string }',
      'declare const dynamicKey: string;',
      'declare const ctx: Ctx;',
    ].join('\n');
    let withReads = 0;
    fc.assert(
      fc.property(fc.array(fc.tuple(wrap, read, key), { minLength: 1, maxLength: 4 }), fc.boolean(), (parts, tsx) => {
        const body = parts.map(([w, r, k], i) =>
          w(r(k)).replace(/\b(handle|pick|Service|model|Panel|Routes|Mapped|run|Tier)\b/g, `$1${i}`),
        );
        const file = tsx ? 'file.tsx' : 'file.ts';
        if (!tsx && body.some((b) => b.includes('<div'))) return;
        const text = [header, ...body].join('\n');
        const { eslint, ours } = readsBoth(text, file);
        expect(ours).toEqual(eslint);
        if (eslint.length > 0) withReads++;
      }),
      { numRuns: 150 },
    );
    expect(withReads).toBeGreaterThan(75);
  });

  it('gives TypeScript nodes the shapes of typescript-estree', () => {
    const { ast } = parseForDetection(
      "enum E { A = 'a' }\ntype M<in out T> = { [K in keyof T]: T[K] };\nf<string>(x);\ntype F = (a: string) => void;\nabstract class C { abstract m(): void; abstract p: string }",
      'a.ts',
    );
    const [enumDeclaration, alias, call, fn, cls] = ast.body as [
      TSESTree.TSEnumDeclaration,
      TSESTree.TSTypeAliasDeclaration,
      TSESTree.ExpressionStatement,
      TSESTree.TSTypeAliasDeclaration,
      TSESTree.ClassDeclaration,
    ];
    expect(enumDeclaration.body.members.map((m) => (m.id as TSESTree.Identifier).name)).toEqual(['A']);
    expect(enumDeclaration.body.members[0]!.parent).toBe(enumDeclaration.body);
    const parameter = alias.typeParameters!.params[0]!;
    const t = "enum E { A = 'a' }\ntype M<in out ".length;
    expect(parameter.name).toMatchObject({ type: 'Identifier', name: 'T', range: [t, t + 1] });
    expect((alias.typeAnnotation as TSESTree.TSMappedType).key).toMatchObject({ type: 'Identifier', name: 'K' });
    expect((call.expression as TSESTree.CallExpression).typeArguments?.params).toHaveLength(1);
    expect((fn.typeAnnotation as TSESTree.TSFunctionType).params).toHaveLength(1);
    expect(cls.body.body.map((m) => m.type)).toEqual(['TSAbstractMethodDefinition', 'TSAbstractPropertyDefinition']);
  });

  it('leaves out what typescript-estree has no node for: parentheses around a type and a #! line', () => {
    const text = "#!/usr/bin/env node\ntype A = ((string | number))[];\ntype I = import('./x').Y;";
    const { ast } = parseForDetection(text, 'a.ts');
    expect(ast).not.toHaveProperty('interpreter');
    const [array, imported] = ast.body as [TSESTree.TSTypeAliasDeclaration, TSESTree.TSTypeAliasDeclaration];
    const element = (array.typeAnnotation as TSESTree.TSArrayType).elementType;
    expect(element).toMatchObject({ type: 'TSUnionType', parent: array.typeAnnotation });
    expect((element as TSESTree.TSUnionType).types[0]!.parent).toBe(element);
    expect((imported.typeAnnotation as TSESTree.TSImportType).source).toMatchObject({ type: 'Literal', value: './x' });
  });

  it('reports a syntax error at its 1-based line and column, without the position in the message', () => {
    const text = "const a = 1;\nconst b = flags.get('inference_model', ;\n";
    let error: unknown;
    try {
      parseForDetection(text, 'src/app.ts');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SourceSyntaxError);
    expect(error).toMatchObject({ line: 2, column: 40 });
    expect((error as SourceSyntaxError).reason).not.toMatch(/\(\d+:\d+\)/);
    expect(() => checkSyntax(text, 'src/app.ts')).toThrow(SourceSyntaxError);
    expect(() => checkSyntax('const a = <div />;', 'a.ts')).toThrow(SourceSyntaxError);
    expect(() => checkSyntax('const a = <div />;', 'a.tsx')).not.toThrow();
  });
});
