/**
 * remove-flag benchmark: generates a corpus of TypeScript files (5% hold 6 reads of the retired
 * flag each) under bench/corpus/, then runs the CLI in a child process per configuration and
 * reports wall time and peak RSS. Usage: npx tsx bench/codemod/run.ts [2000 10000]
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const sizes = process.argv.slice(2).map(Number);

function generate(dir: string, files: number): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'src'), { recursive: true });
  // bench/corpus/ is gitignored in this repository; a .git marker makes the corpus its own root,
  // so remove-flag (which honours .gitignore) scans it like a project of its own.
  mkdirSync(join(dir, '.git'), { recursive: true });
  writeFileSync(join(dir, 'flags.json'), JSON.stringify({ flags: [
    { flag: 'inference_model', variants: ['claude-3-haiku', 'claude-sonnet-4-6', 'claude-opus-4-6'], default: 'claude-3-haiku', rules: [{ condition: { user_segment: 'internal' }, value: 'claude-opus-4-6' }] },
    { flag: 'system_prompt_version', variants: ['v3', 'v4'], default: 'v3' },
  ] }, null, 2) + '\n');
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'ESNext', moduleResolution: 'Bundler', strict: true, noEmit: true, skipLibCheck: true, types: [] } }, null, 2));
  writeFileSync(join(dir, 'src', 'flags.ts'), "export const flags = {\n  get(flag: string, ctx: { userId: string }): string {\n    return flag + ctx.userId;\n  },\n};\n");
  for (let i = 0; i < files; i++) {
    // Files import the first file of their group of 50, a shallow graph like a real project's.
    const dep = i % 50 === 0 ? undefined : i - (i % 50);
    const reads = i % 20 === 1;
    const body = reads
      ? `import { flags } from './flags';\nimport { helper${dep} } from './file${dep}';\n\nexport function helper${i}(ctx: { userId: string }): string {\n` +
        `  const model = flags.get('inference_model', ctx);\n  if (model === 'claude-opus-4-6') {\n    return 'large';\n  }\n` +
        `  const tokens = flags.get('inference_model', ctx) === 'claude-3-haiku' ? 1024 : 4096;\n` +
        `  switch (flags.get('inference_model', ctx)) {\n    case 'claude-sonnet-4-6':\n      console.log(tokens);\n      break;\n    default:\n      console.log('other');\n  }\n` +
        `  const label = \`model-\${flags.get('inference_model', ctx)}\`;\n  const fast = flags.get('inference_model', ctx) === 'claude-3-haiku' && ctx.userId !== '';\n` +
        `  return label + String(fast) + flags.get('inference_model', ctx) + helper${dep}.name;\n}\n`
      : `${dep === undefined ? '' : `import { helper${dep} } from './file${dep}';\n\n`}export function helper${i}(values: number[]): number {\n  let total = 0;\n  for (const v of values) total += v * ${i};\n  return total${dep === undefined ? '' : ` + helper${dep}.length`};\n}\n`;
    writeFileSync(join(dir, 'src', `file${i}.ts`), body);
  }
}

const cli = join(ROOT, 'codemods', 'cli.ts');
const tsx = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
console.log('| files | verification | wall time (s) | files/s | peak RSS (MB) | exit |');
console.log('|---:|---|---:|---:|---:|---:|');
for (const size of sizes.length > 0 ? sizes : [2000, 10000]) {
  const template = join(ROOT, 'bench', 'corpus', `codemod-${size}`);
  generate(template, size);
  for (const verify of [false, true]) {
    const dir = `${template}-run`;
    rmSync(dir, { recursive: true, force: true });
    cpSync(template, dir, { recursive: true });
    const args = [tsx, cli, 'inference_model', '--keep', 'claude-sonnet-4-6', ...(verify ? [] : ['--no-verify'])];
    // GNU time reports the child's wall time and maximum resident set size (KB) on stderr.
    const run = spawnSync('/usr/bin/time', ['-f', 'TIME %e %M', process.execPath, ...args], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 28 });
    const match = /TIME ([\d.]+) (\d+)/.exec(run.stderr);
    if (!match) throw new Error(run.stderr);
    const seconds = Number(match[1]);
    console.log(`| ${size} | ${verify ? 'yes' : 'no'} | ${seconds.toFixed(2)} | ${Math.round(size / seconds)} | ${Math.round(Number(match[2]) / 1024)} | ${run.status} |`);
  }
}
