/**
 * Writes a deterministic corpus of varied TypeScript and JavaScript files (plain modules, HTTP
 * handlers, React components, classes, every recognised flag SDK, module-level reads, dynamic
 * keys, typos) to bench/corpus/lint/, with a flags.json and a tsconfig.json for the
 * type-checked run. Usage: npx tsx bench/lint/corpus.ts [fileCount=2400]
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export const CORPUS_DIR = resolve(import.meta.dirname, '../corpus/lint');

const KEYS = ['inference_model', 'system_prompt_version', 'retrieval_top_k', 'response_format', 'embedding_model', 'rerank_enabled'];
const TYPOS = ['inferense_model', 'system_prompt_versoin', 'retreival_top_k'];

/** mulberry32: small, seedable, good enough to vary templates reproducibly. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Template = (r: () => number, i: number) => { ext: string; code: string };

const pick = <T,>(r: () => number, list: readonly T[]): T => list[Math.floor(r() * list.length)]!;
const key = (r: () => number): string => (r() < 0.05 ? pick(r, TYPOS) : pick(r, KEYS));

function filler(r: () => number, i: number, lines: number): string {
  const out: string[] = [];
  for (let j = 0; j < lines; j++) {
    switch (Math.floor(r() * 6)) {
      case 0:
        out.push(`export function helper${i}_${j}(xs: number[]): number {\n  let total = 0;\n  for (const x of xs) total += x * ${j + 1};\n  return total / Math.max(1, xs.length);\n}`);
        break;
      case 1:
        out.push(`export const table${j} = new Map<string, number>([['a', ${j}], ['b', ${j * 2}]]);\nexport const look${j} = (k: string) => table${j}.get(k) ?? 0;`);
        break;
      case 2:
        out.push(`export class Store${j} {\n  private items: string[] = [];\n  add(item: string) { this.items.push(item); return this; }\n  get size() { return this.items.length; }\n}`);
        break;
      case 3:
        out.push(`export async function fetch${j}(url: string): Promise<unknown> {\n  const res = await fetch(url, { headers: { 'x-id': '${i}' } });\n  if (!res.ok) throw new Error('status ' + res.status);\n  return res.json();\n}`);
        break;
      case 4:
        out.push(`export interface Shape${j} { id: string; tags?: string[]; score: number }\nexport type Keyed${j} = Record<string, Shape${j}>;`);
        break;
      default:
        out.push(`export const format${j} = (s: string) => s.trim().toLowerCase().replace(/\\s+/g, '-');\nconsole.log('inference_model', format${j}('  A b  '));`);
    }
  }
  return out.join('\n\n');
}

const templates: Template[] = [
  // Plain utility modules: most files in a real codebase never touch flags.
  (r, i) => ({ ext: 'ts', code: filler(r, i, 6 + Math.floor(r() * 8)) }),
  (r, i) => ({ ext: 'js', code: filler(r, i, 5).replace(/: number\[\]|: number|: string\[\]|: string|: Promise<unknown>|<string, number>|private /g, '').replace(/export interface[^\n]*\nexport type[^\n]*/g, '') }),
  (r, i) => ({
    ext: 'ts',
    code: `import { createFlags, fileSource } from 'modelflags';
export const flags = createFlags({ source: fileSource('flags.json') });
${r() < 0.3 ? `const MODEL = flags.get('${key(r)}', {});\n` : ''}
export function handle${i}(req: { userId: string; segment: string }) {
  const model = flags.get('${key(r)}', { targetingKey: req.userId, user_segment: req.segment });
  if (model === '${pick(r, ['claude-3-haiku', 'claude-opus-4-6', 'claude-opus-4-5'])}') return { model, tokens: 8000 };
  return { model, tokens: 2000 };
}
${filler(r, i, 3)}`,
  }),
  (r, i) => ({
    ext: 'ts',
    code: `import { flags } from './flags-${i % 7}.js';
let cached: unknown;
export function choose${i}(ctx: { targetingKey: string }, tier: string) {
  ${r() < 0.3 ? `cached = flags.get('${key(r)}', ctx);` : `const v = flags.get('${key(r)}', ctx);`}
  return ${r() < 0.2 ? 'flags.get(`model_${tier}`, ctx)' : `flags.detail('${key(r)}', ctx).value`};
}
${filler(r, i, 2)}`,
  }),
  (r, i) => ({
    ext: 'ts',
    code: `import { OpenFeature } from '@openfeature/server-sdk';
const client = OpenFeature.getClient('svc-${i}');
export async function answer${i}(ctx: { targetingKey: string }, openai: any) {
  const model = await client.getStringValue('${key(r)}', '${pick(r, ['claude-3-haiku', 'gpt-4o'])}', ctx);
  const prompt = await client.getStringValue('${key(r)}', 'v3'${r() < 0.3 ? '' : ', ctx'});
  return openai.chat.completions.create({ model, messages: [{ role: 'system', content: PROMPTS[prompt] }] });
}
const PROMPTS: Record<string, string> = { v3: 'short', v4: 'long' };
${filler(r, i, 2)}`,
  }),
  (r, i) => ({
    ext: 'js',
    code: `import * as ld from '@launchdarkly/node-server-sdk';
const client = ld.init(process.env.LD_SDK_KEY);
${r() < 0.3 ? `const BOOT = await client.variation('${key(r)}', { key: 'boot' }, 'x');\n` : ''}
export async function route${i}(req, res) {
  const context = { kind: 'user', key: req.user.id };
  const value = await client.stringVariation('${key(r)}', context, '${pick(r, ['claude-3-haiku', 'v3'])}');
  const detail = await client.variationDetail('${key(r)}', context, 5);
  res.json({ value, detail: detail.value });
}`,
  }),
  (r, i) => ({
    ext: 'tsx',
    code: `import { useFlags } from 'launchdarkly-react-client-sdk';
import { useFeatureValue } from '@growthbook/growthbook-react';
export function Panel${i}({ title }: { title: string }) {
  const { inferenceModel, systemPromptVersion } = useFlags();
  const topK = useFeatureValue('${key(r)}', 5);
  return (
    <section>
      <h1>{title}</h1>
      <p>{inferenceModel} {systemPromptVersion} {topK}</p>
      {${r() < 0.5 ? 'useFlags().rerankEnabled' : 'null'} ? <b>rerank</b> : null}
    </section>
  );
}`,
  }),
  (r, i) => ({
    ext: 'jsx',
    code: `import posthog from 'posthog-js';
export function Banner${i}(props) {
  const variant = posthog.getFeatureFlag('${key(r)}');
  return <div className={variant === 'v4' ? 'new' : 'old'}>{props.children}</div>;
}`,
  }),
  (r, i) => ({
    ext: 'ts',
    code: `import { GrowthBook } from '@growthbook/growthbook';
import { initialize } from 'unleash-client';
const unleash = initialize({ url: 'https://unleash.example', appName: 'svc${i}' });
export function decide${i}(attributes: Record<string, string>) {
  const gb = new GrowthBook({ attributes });
  const k = gb.getFeatureValue('${key(r)}', ${pick(r, ['5', '10', "'x'"])});
  const on = unleash.isEnabled('${key(r)}', { userId: attributes.id });
  const variant = unleash.getVariant('${key(r)}'${r() < 0.5 ? '' : ', { userId: attributes.id }'});
  return { k, on, variant: variant.name };
}`,
  }),
  (r, i) => ({
    ext: 'ts',
    code: `import { flag } from 'flags/next';
import { AppConfigDataClient, GetLatestConfigurationCommand } from '@aws-sdk/client-appconfigdata';
export const modelFlag${i} = flag({ key: '${key(r)}', defaultValue: 'claude-3-haiku', decide: () => 'claude-3-haiku' });
const appconfig = new AppConfigDataClient({});
export async function poll${i}(token: string) {
  const out = await appconfig.send(new GetLatestConfigurationCommand({ ConfigurationToken: token }));
  const agent = await fetch('http://localhost:2772/applications/chat/environments/prod/configurations/flags?flag=${key(r)}');
  return [out, await agent.json(), await modelFlag${i}()];
}`,
  }),
  (r, i) => ({
    ext: 'ts',
    code: `import { createFlags, staticSource } from 'modelflags';
const flags = createFlags({ source: staticSource({ flags: [] }) });
class Service${i} {
  private model: unknown;
  constructor() { this.model = flags.get('${key(r)}', {}); }
  static defaults = { k: ${r() < 0.5 ? `flags.get('${key(r)}', {})` : '5'} };
  run(ctx: { targetingKey: string }) { return [this.model, flags.get('${key(r)}', ctx)]; }
}
export const service${i} = ${r() < 0.5 ? `new Service${i}()` : 'undefined'};
flags.on('change', () => { current = flags.get('${key(r)}', {}); });
let current: unknown;
export const now = () => current;`,
  }),
  (r, i) => ({
    ext: 'cjs',
    code: `const { OpenFeature } = require('@openfeature/server-sdk');
module.exports = async function handler${i}(event) {
  const client = OpenFeature.getClient();
  const enabled = await client.getBooleanValue('${key(r)}', false, { targetingKey: event.user });
  switch (await client.getStringValue('${key(r)}', 'v3', {})) {
    case 'v3': return enabled;
    case 'v5': return !enabled;
    default: return null;
  }
};`,
  }),
];

export function generateCorpus(count: number): number {
  rmSync(CORPUS_DIR, { recursive: true, force: true });
  const r = random(20260601);
  for (let i = 0; i < count; i++) {
    const template = templates[i % templates.length]!;
    const { ext, code } = template(r, i);
    const file = join(CORPUS_DIR, `pkg${i % 20}`, `module-${i}.${ext}`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, code + '\n');
  }
  const flags = KEYS.map((k, n) => ({
    flag: k,
    default: n === 2 ? 5 : n === 5 ? false : k === 'inference_model' ? 'claude-3-haiku' : 'v3',
    cleanup_by: n % 2 === 0 ? '2026-09-30' : '2026-05-01',
    ...(n === 0 ? { variants: ['claude-3-haiku', 'claude-sonnet-4-6', 'claude-opus-4-6'], rules: [{ condition: { user_segment: 'internal' }, value: 'claude-opus-4-6' }] } : {}),
    ...(n === 1 ? { variants: ['v3', 'v4'], rules: [{ condition: { rollout_percentage: 10 }, value: 'v4' }] } : {}),
  }));
  writeFileSync(join(CORPUS_DIR, 'flags.json'), JSON.stringify({ flags }, null, 2) + '\n');
  writeFileSync(
    join(CORPUS_DIR, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { target: 'ES2023', module: 'NodeNext', moduleResolution: 'NodeNext', jsx: 'react-jsx', allowJs: true, checkJs: false, strict: true, noEmit: true, skipLibCheck: true }, include: ['**/*'] }, null, 2),
  );
  return count;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const count = Number(process.argv[2] ?? 2400);
  generateCorpus(count);
  console.log(`wrote ${count} files to ${CORPUS_DIR}`);
}
