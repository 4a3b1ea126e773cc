/**
 * The project's own Prettier on the command line: what the summary and `--json` say about it, and
 * `--no-format`. The fixtures fmt-prettier-* hold the exact outputs.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runCli } from '../../codemods/cli.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const PRETTIER = dirname(createRequire(import.meta.url).resolve('prettier/package.json'));
const scratch = mkdtempSync(join(tmpdir(), 'remove-flag-cli-format-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Both fixture projects' files in one project with Prettier installed: one file clean before, one not. */
function project(name: string, withPrettier = true): string {
  const cwd = join(scratch, name);
  cpSync(join(FIXTURES, 'fmt-prettier-formats-clean-file/input'), cwd, { recursive: true });
  cpSync(join(FIXTURES, 'fmt-prettier-unclean-file-kept/input/src/Pricing.tsx'), join(cwd, 'src/HandAligned.tsx'));
  cpSync(join(FIXTURES, '_shared/flags.json'), join(cwd, 'flags.json'));
  if (withPrettier) {
    mkdirSync(join(cwd, 'node_modules'));
    symlinkSync(PRETTIER, join(cwd, 'node_modules/prettier'));
  }
  return cwd;
}

async function run(cwd: string, args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await runCli(['streaming_enabled', '--keep', 'false', '--no-verify', ...args], {
    out: (t) => (out += `${t}\n`),
    err: (t) => (out += `${t}\n`),
    cwd,
  });
  return { code, out };
}

const VERSION = (createRequire(import.meta.url)('prettier/package.json') as { version: string }).version;

it("says which files the project's Prettier formatted, and which it left as rewritten", async () => {
  const cwd = project('summary');
  const { code, out } = await run(cwd, []);
  expect(code).toBe(0);
  expect(out).toContain(`Formatted with the project's Prettier ${VERSION}: 1 file(s).`);
  expect(out).toContain('Not Prettier-clean before the run, so left as rewritten (1):\n  src/HandAligned.tsx\n');
  expect(readFileSync(join(cwd, 'src/Pricing.tsx'), 'utf8')).toBe(
    readFileSync(join(FIXTURES, 'fmt-prettier-formats-clean-file/expected/src/Pricing.tsx'), 'utf8'),
  );
});

it('--json lists the same', async () => {
  const { out } = await run(project('json'), ['--json', '--dry-run']);
  expect(JSON.parse(out).formatting).toEqual({
    prettier: VERSION,
    formatted: ['src/Pricing.tsx'],
    notClean: ['src/HandAligned.tsx'],
    failed: [],
  });
});

it('--no-format leaves every file as the rewrite made it, and says nothing about Prettier', async () => {
  const cwd = project('no-format');
  const { code, out } = await run(cwd, ['--no-format']);
  expect(code).toBe(0);
  expect(out).not.toContain('Prettier');
  // The call that now fits on one line stays on three: only Prettier reflows it.
  expect(readFileSync(join(cwd, 'src/Pricing.tsx'), 'utf8')).toContain(
    'const visibleTiers = TIERS.filter(\n    (tier) => !tier.enterprise,\n  )',
  );
});

it('without Prettier in the project nothing is formatted and nothing is said about it', async () => {
  const cwd = project('no-prettier', false);
  const { out } = await run(cwd, []);
  expect(out).not.toContain('Prettier');
  expect(readFileSync(join(cwd, 'src/Pricing.tsx'), 'utf8')).toContain('(tier) => !tier.enterprise,\n');
});

it("loads the plugins the project's configuration names from where it names them, not from the working directory", async () => {
  const cwd = project('plugin');
  // A plugin package that adds nothing: Prettier only has to find and load it, as the project's
  // own \`prettier\` command would, from the folder of the configuration naming it.
  mkdirSync(join(cwd, 'node_modules/prettier-plugin-nothing'));
  writeFileSync(
    join(cwd, 'node_modules/prettier-plugin-nothing/package.json'),
    '{ "name": "prettier-plugin-nothing", "main": "index.js" }\n',
  );
  writeFileSync(join(cwd, 'node_modules/prettier-plugin-nothing/index.js'), 'exports.options = {};\n');
  writeFileSync(
    join(cwd, '.prettierrc.json'),
    '{ "singleQuote": true, "semi": false, "plugins": ["prettier-plugin-nothing"] }\n',
  );
  const { out } = await run(cwd, []);
  expect(out).not.toContain('Prettier failed');
  expect(out).toContain(`Formatted with the project's Prettier ${VERSION}: 1 file(s).`);
});
