/**
 * remove-flag benchmark: generates corpora of TypeScript files (5% hold 6 reads of the retired
 * flag each) under bench/corpus/, builds the packages (`npm run build`), then runs the built CLI in a child process per
 * configuration (each corpus with and without verification) and reports wall time, CPU time,
 * peak RSS and the machine's load average. Usage:
 *
 *   npx tsx bench/codemod/run.ts [--no-build] [--runs N] [sizes...]   (default: 2000 10000, 1 run)
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const args = process.argv.slice(2);
const build = !args.includes('--no-build');
const runsAt = args.indexOf('--runs');
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 1;
const sizes = args.filter((a, i) => /^\d+$/.test(a) && i !== runsAt + 1).map(Number);

function generate(dir: string, files: number): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'src'), { recursive: true });
  // bench/corpus/ is gitignored in this repository; a .git marker makes the corpus its own root,
  // so remove-flag (which honours .gitignore) scans it like a project of its own.
  mkdirSync(join(dir, '.git'), { recursive: true });
  writeFileSync(join(dir, '.gitignore'), 'node_modules/\ndist/\n*.log\n');
  writeFileSync(
    join(dir, 'flags.json'),
    JSON.stringify(
      {
        flags: [
          {
            flag: 'inference_model',
            variants: ['claude-3-haiku', 'claude-sonnet-4-6', 'claude-opus-4-6'],
            default: 'claude-3-haiku',
            rules: [{ condition: { user_segment: 'internal' }, value: 'claude-opus-4-6' }],
          },
          { flag: 'system_prompt_version', variants: ['v3', 'v4'], default: 'v3' },
        ],
      },
      null,
      2,
    ) + '\n',
  );
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022',
          module: 'ESNext',
          moduleResolution: 'Bundler',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: [],
        },
      },
      null,
      2,
    ),
  );
  writeFileSync(
    join(dir, 'src', 'flags.ts'),
    'export const flags = {\n  get(flag: string, ctx: { userId: string }): string {\n    return flag + ctx.userId;\n  },\n};\n',
  );
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

if (build) {
  const npm = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (npm.status !== 0)
    throw new Error('the build failed; fix it or pass --no-build to measure the existing codemods/dist/');
}

const cli = join(ROOT, 'codemods', 'dist', 'bin.js');
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const summary: string[] = [];
console.log(`node ${process.version}, ${runs} run(s) per configuration`);
console.log(
  '| files | verification | wall (s) | files/s | CPU user+sys (s) | peak RSS (MB) | load avg (1 min) | exit |',
);
console.log('|---:|---|---:|---:|---:|---:|---:|---:|');
for (const size of sizes.length > 0 ? sizes : [2000, 10000]) {
  const template = join(ROOT, 'bench', 'corpus', `codemod-${size}`);
  generate(template, size);
  for (const verify of [false, true]) {
    const walls: number[] = [];
    const cpus: number[] = [];
    for (let run = 0; run < runs; run++) {
      const dir = `${template}-run`;
      rmSync(dir, { recursive: true, force: true });
      cpSync(template, dir, { recursive: true });
      const load = loadavg()[0]!;
      // GNU time reports the child's wall time, user and system CPU, and maximum RSS (KB) on stderr.
      const child = spawnSync(
        '/usr/bin/time',
        [
          '-f',
          'TIME %e %U %S %M',
          process.execPath,
          cli,
          'inference_model',
          '--keep',
          'claude-sonnet-4-6',
          ...(verify ? [] : ['--no-verify']),
        ],
        { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 28 },
      );
      const match = /TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(child.stderr);
      if (!match) throw new Error(child.stderr);
      const wall = Number(match[1]);
      const cpu = Number(match[2]) + Number(match[3]);
      walls.push(wall);
      cpus.push(cpu);
      console.log(
        `| ${size} | ${verify ? 'yes' : 'no'} | ${wall.toFixed(2)} | ${Math.round(size / wall)} | ${cpu.toFixed(2)} | ${Math.round(Number(match[4]) / 1024)} | ${load.toFixed(2)} | ${child.status} |`,
      );
      if (child.status !== 0) process.stderr.write(child.stdout.slice(-2000) + child.stderr.slice(-2000));
      rmSync(dir, { recursive: true, force: true });
    }
    summary.push(
      `| ${size} | ${verify ? 'yes' : 'no'} | ${median(walls).toFixed(2)} | ${Math.round(size / median(walls))} | ${median(cpus).toFixed(2)} | ${Math.round(size / median(cpus))} |`,
    );
  }
}
console.log(
  '\nMedians:\n\n| files | verification | wall (s) | files/s (wall) | CPU (s) | files per CPU second |\n|---:|---|---:|---:|---:|---:|',
);
for (const line of summary) console.log(line);
