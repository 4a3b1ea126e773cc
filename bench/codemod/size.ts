/**
 * remove-flag on one large file: generates a project whose single source file of 100 kB, 1 MB and
 * 5 MB (many functions, classes and types; six functions reading the retired flag, spread through
 * the file) sits next to the flags client, then runs the built CLI on a fresh copy in a child
 * process under GNU time and reports wall time and peak RSS, with and without verification. Usage:
 *
 *   npx tsx bench/codemod/size.ts [--no-build | --dist DIR] [--no-verify-only] [--runs N] [sizes in kB...]   (default: 100 1000 5000)
 *
 * It builds the codemod package into bench/.tmp/dist (not codemods/dist/, which other tools and
 * tests read; the sibling packages it imports are built in place) unless --no-build; --dist
 * measures another build of the codemod package (for example an earlier commit's codemods/dist).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const args = process.argv.slice(2);
const distAt = args.indexOf('--dist');
const OUT = distAt >= 0 ? resolve(args[distAt + 1]!) : join(ROOT, 'bench', '.tmp', 'dist');
const runsAt = args.indexOf('--runs');
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 1;
const sizes = args.filter((a, i) => /^\d+$/.test(a) && !(runsAt >= 0 && i === runsAt + 1)).map(Number);
const verifyModes = args.includes('--no-verify-only') ? [false] : [false, true];

/** One of a few everyday shapes of code, numbered so every name is unique. */
function chunk(i: number): string {
  switch (i % 5) {
    case 0:
      return (
        `export interface Order${i} {\n  id: string;\n  items: { sku: string; quantity: number; price: number }[];\n  note?: string;\n}\n\n` +
        `export function total${i}(order: Order${i}): number {\n  let sum = 0;\n  for (const item of order.items) {\n    if (item.quantity <= 0) continue;\n    sum += item.quantity * item.price;\n  }\n  return Math.round(sum * 100) / 100;\n}\n\n`
      );
    case 1:
      return (
        `export class Cache${i}<T> {\n  private readonly entries = new Map<string, { value: T; at: number }>();\n\n  constructor(private readonly ttlMs: number) {}\n\n` +
        `  get(key: string, now: number): T | undefined {\n    const entry = this.entries.get(key);\n    if (!entry || now - entry.at > this.ttlMs) return undefined;\n    return entry.value;\n  }\n\n` +
        `  set(key: string, value: T, now: number): void {\n    this.entries.set(key, { value, at: now });\n  }\n}\n\n`
      );
    case 2:
      return (
        `export const settings${i} = {\n  name: 'service-${i}',\n  retries: ${i % 7},\n  timeouts: { connect: ${100 + (i % 50)}, read: ${1000 + i} },\n  tags: ['a${i}', 'b${i}', 'c${i}'],\n};\n\n` +
        `export const describe${i} = (value: number): string => (value > ${i} ? \`above \${value}\` : \`below \${value}\`);\n\n`
      );
    case 3:
      return `export function status${i}(code: number): string {\n  switch (code) {\n    case 200:\n      return 'ok';\n    case 404:\n      return 'missing';\n    case 500:\n      return 'failed';\n    default:\n      return \`code \${code}\`;\n  }\n}\n\n`;
    default:
      return `export async function fetchRecord${i}(load: (id: string) => Promise<string>, id: string): Promise<string | undefined> {\n  try {\n    const text = await load(id);\n    return text.trim() === '' ? undefined : text;\n  } catch (error) {\n    return error instanceof Error ? error.message : String(error);\n  }\n}\n\n`;
  }
}

/** A function with six reads of the flag, as in bench/codemod/run.ts. */
function reads(i: number): string {
  return (
    `export function pick${i}(ctx: { userId: string }): string {\n  const model = flags.get('inference_model', ctx);\n  if (model === 'claude-opus-4-6') {\n    return 'large';\n  }\n` +
    `  const tokens = flags.get('inference_model', ctx) === 'claude-3-haiku' ? 1024 : 4096;\n` +
    `  switch (flags.get('inference_model', ctx)) {\n    case 'claude-sonnet-4-6':\n      console.log(tokens);\n      break;\n    default:\n      console.log('other');\n  }\n` +
    `  const label = \`model-\${flags.get('inference_model', ctx)}\`;\n  const fast = flags.get('inference_model', ctx) === 'claude-3-haiku' && ctx.userId !== '';\n` +
    `  return label + String(fast) + flags.get('inference_model', ctx);\n}\n\n`
  );
}

export function largeSource(bytes: number): string {
  const parts = [`import { flags } from './flags';\n\n`];
  let length = parts[0]!.length;
  const readsEvery = Math.max(1, Math.floor(bytes / 6));
  let nextRead = readsEvery / 2;
  for (let i = 0; length < bytes; i++) {
    const part = length >= nextRead ? reads(i) : chunk(i);
    if (length >= nextRead) nextRead += readsEvery;
    parts.push(part);
    length += part.length;
  }
  return parts.join('');
}

function generate(dir: string, kb: number): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'src'), { recursive: true });
  mkdirSync(join(dir, '.git'), { recursive: true });
  writeFileSync(
    join(dir, 'flags.json'),
    JSON.stringify(
      {
        flags: [
          {
            flag: 'inference_model',
            variants: ['claude-3-haiku', 'claude-sonnet-4-6', 'claude-opus-4-6'],
            default: 'claude-3-haiku',
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
          lib: ['ES2022', 'DOM'],
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
  writeFileSync(join(dir, 'src', 'big.ts'), largeSource(kb * 1000));
}

// test/codemods/window.test.ts imports largeSource; only a run of this script measures.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === import.meta.filename) main();

function main(): void {
  if (!args.includes('--no-build') && distAt < 0) {
    const siblings = spawnSync(
      'npm',
      ['run', 'build', '--workspace', 'modelflags', '--workspace', 'eslint-plugin-modelflags', '--silent'],
      { cwd: ROOT, stdio: 'inherit' },
    );
    const tsc = spawnSync(
      process.execPath,
      [
        join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
        '-p',
        join(ROOT, 'codemods', 'tsconfig.build.json'),
        '--outDir',
        OUT,
      ],
      { cwd: ROOT, stdio: 'inherit' },
    );
    if (siblings.status !== 0 || tsc.status !== 0)
      console.error('the build reported errors; measuring what it emitted');
  }

  const cli = join(OUT, 'bin.js');
  console.log(`node ${process.version}, ${runs} run(s) per configuration`);
  console.log(
    '| file | verification | wall (s) | CPU user+sys (s) | peak RSS (MB) | load avg (1 min) | exit | lines removed |',
  );
  console.log('|---:|---|---:|---:|---:|---:|---:|---:|');
  for (const kb of sizes.length > 0 ? sizes : [100, 1000, 5000]) {
    const template = join(ROOT, 'bench', 'corpus', `size-${kb}`);
    generate(template, kb);
    for (const verify of verifyModes) {
      for (let run = 0; run < runs; run++) {
        const dir = `${template}-run`;
        rmSync(dir, { recursive: true, force: true });
        cpSync(template, dir, { recursive: true });
        const load = loadavg()[0]!;
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
            '--json',
            ...(verify ? [] : ['--no-verify']),
          ],
          { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 30 },
        );
        const match = /TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(child.stderr);
        if (!match) throw new Error(child.stderr);
        let removed = '?';
        try {
          const report = JSON.parse(child.stdout) as { changedFiles: { linesRemoved: number }[]; rewritten: unknown[] };
          removed = `${report.changedFiles.map((f) => f.linesRemoved).join('+')} (${report.rewritten.length} reads)`;
        } catch {
          process.stderr.write(child.stdout.slice(-2000) + child.stderr.slice(-2000));
        }
        const size = `${Math.round(readFileSync(join(template, 'src', 'big.ts')).length / 1000)} kB`;
        console.log(
          `| ${size} | ${verify ? 'yes' : 'no'} | ${Number(match[1]).toFixed(2)} | ${(Number(match[2]) + Number(match[3])).toFixed(2)} | ${Math.round(Number(match[4]) / 1024)} | ${load.toFixed(2)} | ${child.status} | ${removed} |`,
        );
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
}
