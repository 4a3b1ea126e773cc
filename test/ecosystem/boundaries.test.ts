/**
 * The import boundaries in eslint.config.js, run by the real ESLint with the repository's config:
 * a wrong import placed in each guarded folder fails with that boundary's message, and the imports
 * the architecture allows pass with no message at all.
 *
 * The config is handed to ESLint as an object rather than found on disk: test workers resolve
 * packages to their TypeScript sources (the `modelflags-source` condition), which Node could not
 * load when ESLint imports the file itself; imported here, it goes through the test runner.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ESLint, type Linter } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

let eslint: ESLint;
beforeAll(async () => {
  const { default: config } = (await import(pathToFileURL(resolve(root, 'eslint.config.js')).href)) as {
    default: Linter.Config[];
  };
  eslint = new ESLint({ cwd: root, overrideConfigFile: true, overrideConfig: config });
});

/** Imports `names` from `specifier` and re-exports them, so the only possible report is about the import. */
function importing(specifier: string, names: string, typeOnly = false): string {
  const type = typeOnly ? 'type ' : '';
  return `import ${type}{ ${names} } from '${specifier}';\nexport ${type}{ ${names} };\n`;
}

async function messagesFor(file: string, code: string): Promise<[string | null, string][]> {
  const [result] = await eslint.lintText(code, { filePath: resolve(root, file) });
  return result!.messages.map((m) => [m.ruleId, m.message]);
}

const runtime = 'src/runtime/ never imports the CLI, the exporters, or type generation';
const registry = 'src/registry/ is the core the runtime and the CLI build on';
const zeroDependencies = 'modelflags has zero dependencies';
const siblings = 'modelflags does not depend on eslint-plugin-modelflags or remove-flag';
const srcOutside = 'modelflags is src/ alone once packed';
const rules = 'eslint-plugin-modelflags reaches modelflags through its subpaths';
const detection = 'rules/detection/ is the flag-read detection library';
const codemods = 'remove-flag imports its sibling packages by name';

describe('a wrong import fails with its boundary message', () => {
  it.each([
    ['src/runtime/x.ts', importing('../cli/main.js', 'main'), runtime],
    ['src/runtime/evaluate/x.ts', importing('../../exports/flagd.js', 'toFlagd'), runtime],
    ['src/runtime/guardrail/x.ts', importing('../../registry/generate.js', 'generateTypes'), runtime],
    ['src/runtime/x.ts', importing('@aws-sdk/client-appconfigdata', 'AppConfigDataClient'), zeroDependencies],
    ['src/cli/guard/x.ts', importing('@aws-sdk/client-appconfig', 'AppConfigClient'), zeroDependencies],
    // Only the OpenTelemetry adapter may name the optional peer, even for types.
    ['src/runtime/metrics/store.ts', importing('@opentelemetry/api', 'Meter', true), zeroDependencies],
    ['src/registry/x.ts', importing('../runtime/flags.js', 'createFlags'), registry],
    ['src/registry/x.ts', importing('../cli/args.js', 'UsageError'), registry],
    ['src/cli/x.ts', importing('eslint-plugin-modelflags/detection', 'scanFlagReads'), siblings],
    ['src/io/x.ts', importing('../../rules/detection/index.js', 'scanFlagReads'), srcOutside],
    ['src/exports/x.ts', importing('globby', 'globby'), zeroDependencies],
    ['rules/x.ts', importing('remove-flag/cli', 'runCli'), rules],
    ['rules/x.ts', importing('../src/registry/registry.js', 'loadRegistry'), rules],
    ['rules/detection/x.ts', importing('../support.js', 'settingsOf'), detection],
    ['rules/detection/sdks/x.ts', importing('../../flow.js', 'propertyKey'), detection],
    ['rules/detection/x.ts', importing('modelflags/cli', 'UsageError'), detection],
    ['rules/detection/x.ts', importing('../../codemods/remove-flag.js', 'removeFlag'), rules],
    ['codemods/x.ts', importing('../rules/detection/parse.js', 'parseForDetection'), codemods],
    ['codemods/simplify/x.ts', importing('../../src/registry/registry.js', 'loadRegistry'), codemods],
  ])('%s: %s', async (file, code, boundary) => {
    expect(await messagesFor(file, code)).toEqual([
      ['@typescript-eslint/no-restricted-imports', expect.stringContaining(boundary)],
    ]);
  });
});

describe('the imports the architecture allows pass', () => {
  it.each([
    [
      'src/runtime/x.ts',
      importing('node:fs', 'readFileSync') +
        importing('../registry/load.js', 'loadRegistryFile') +
        importing('../registry/edit.js', 'setEnabledFalse'),
    ],
    ['src/runtime/sources/appconfig.ts', importing('@aws-sdk/client-appconfigdata', 'AppConfigDataClient')],
    ['src/cli/guard/appconfig.ts', importing('@aws-sdk/client-appconfig', 'AppConfigClient')],
    ['src/runtime/openfeature.ts', importing('@openfeature/server-sdk', 'OpenFeature')],
    ['src/runtime/metrics/otel.ts', importing('@opentelemetry/api', 'Meter', true)],
    [
      'src/cli/commands/x.ts',
      importing('../../runtime/flags.js', 'createFlags') + importing('../../registry/generate.js', 'generateTypes'),
    ],
    [
      'rules/x.ts',
      importing('modelflags/registry', 'loadRegistry') + importing('./detection/detection.js', 'findFlagReads'),
    ],
    [
      'rules/detection/x.ts',
      importing('modelflags/registry', 'loadRegistry') +
        importing('modelflags/cli', 'ScanOptions', true) +
        importing('./parse.js', 'parseForDetection'),
    ],
    ['rules/detection/sdks/x.ts', importing('../detection.js', 'findFlagReads')],
    [
      'codemods/x.ts',
      importing('eslint-plugin-modelflags/detection', 'findFlagReads') +
        importing('modelflags/registry', 'loadRegistry'),
    ],
  ])('%s', async (file, code) => {
    expect(await messagesFor(file, code)).toEqual([]);
  });
});
