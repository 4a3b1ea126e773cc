/**
 * Writes deterministic corpora of varied TypeScript and JavaScript files, each with a flags.json
 * and a tsconfig.json for the type-checked run:
 * - `flag-heavy` (bench/corpus/lint/): every file mentions a registry key and most read flags
 *   with every recognised SDK, module-level reads, dynamic keys and typos. The worst case.
 * - `realistic` (bench/corpus/lint-realistic/): like a real service, one file in 14 reads flags
 *   and the rest are ordinary code (routers, React components, reducers, data access, tests,
 *   CLI parsing, LLM calls without flags), a few of which mention words the pre-filter looks for.
 * Usage: npx tsx bench/lint/corpus.ts [fileCount=2400] [flag-heavy|realistic]
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import ts from 'typescript';

export type CorpusKind = 'flag-heavy' | 'realistic';

export const CORPUS_DIRS: Record<CorpusKind, string> = {
  'flag-heavy': resolve(import.meta.dirname, '../corpus/lint'),
  realistic: resolve(import.meta.dirname, '../corpus/lint-realistic'),
};

/** The flag-heavy corpus, which the never-crash run also lints. */
export const CORPUS_DIR = CORPUS_DIRS['flag-heavy'];

const KEYS = [
  'inference_model',
  'system_prompt_version',
  'retrieval_top_k',
  'response_format',
  'embedding_model',
  'rerank_enabled',
];
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

const pick = <T>(r: () => number, list: readonly T[]): T => list[Math.floor(r() * list.length)]!;
const key = (r: () => number): string => (r() < 0.05 ? pick(r, TYPOS) : pick(r, KEYS));

function filler(r: () => number, i: number, lines: number): string {
  const out: string[] = [];
  for (let j = 0; j < lines; j++) {
    switch (Math.floor(r() * 6)) {
      case 0:
        out.push(
          `export function helper${i}_${j}(xs: number[]): number {\n  let total = 0;\n  for (const x of xs) total += x * ${j + 1};\n  return total / Math.max(1, xs.length);\n}`,
        );
        break;
      case 1:
        out.push(
          `export const table${j} = new Map<string, number>([['a', ${j}], ['b', ${j * 2}]]);\nexport const look${j} = (k: string) => table${j}.get(k) ?? 0;`,
        );
        break;
      case 2:
        out.push(
          `export class Store${j} {\n  private items: string[] = [];\n  add(item: string) { this.items.push(item); return this; }\n  get size() { return this.items.length; }\n}`,
        );
        break;
      case 3:
        out.push(
          `export async function fetch${j}(url: string): Promise<unknown> {\n  const res = await fetch(url, { headers: { 'x-id': '${i}' } });\n  if (!res.ok) throw new Error('status ' + res.status);\n  return res.json();\n}`,
        );
        break;
      case 4:
        out.push(
          `export interface Shape${j} { id: string; tags?: string[]; score: number }\nexport type Keyed${j} = Record<string, Shape${j}>;`,
        );
        break;
      default:
        out.push(
          `export const format${j} = (s: string) => s.trim().toLowerCase().replace(/\\s+/g, '-');\nconsole.log('inference_model', format${j}('  A b  '));`,
        );
    }
  }
  return out.join('\n\n');
}

const flagHeavyTemplates: Template[] = [
  // Plain utility modules (each still mentions a registry key in a log line, so the pre-filter never skips one).
  (r, i) => ({ ext: 'ts', code: filler(r, i, 6 + Math.floor(r() * 8)) }),
  (r, i) => ({
    ext: 'js',
    code: filler(r, i, 5)
      .replace(/: number\[\]|: number|: string\[\]|: string|: Promise<unknown>|<string, number>|private /g, '')
      .replace(/export interface[^\n]*\nexport type[^\n]*/g, ''),
  }),
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

// ---------------------------------------------------------------------------------------------
// Ordinary code for the realistic corpus: no flag reads. Blocks are written once with type
// annotations; `plain` strips them (with TypeScript's transpiler) for JavaScript files.

const NOUNS = ['user', 'order', 'invoice', 'session', 'document', 'message', 'account', 'report', 'ticket', 'product'];
const cap = (s: string): string => s[0]!.toUpperCase() + s.slice(1);

function plain(code: string, jsx: boolean): string {
  return ts.transpileModule(code, {
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      jsx: ts.JsxEmit.Preserve,
      removeComments: false,
    },
    fileName: jsx ? 'block.tsx' : 'block.ts',
  }).outputText;
}

type Block = (r: () => number, noun: string, j: number) => string;

const blocks: Block[] = [
  (r, noun, j) => {
    const N = cap(noun);
    return `export interface ${N}${j} {
  id: string;
  createdAt: Date;
  status: 'active' | 'archived' | 'pending';
  tags: string[];
  owner?: { id: string; name: string };
}

export function is${N}${j}(value: unknown): value is ${N}${j} {
  return typeof value === 'object' && value !== null && 'id' in value && 'status' in value;
}`;
  },
  (
    r,
    noun,
    j,
  ) => `export function summarise${cap(noun)}s${j}(items: { amount: number; currency: string }[]): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const item of items) {
    totals[item.currency] = (totals[item.currency] ?? 0) + item.amount;
  }
  return Object.fromEntries(Object.entries(totals).sort(([a], [b]) => a.localeCompare(b)));
}`,
  (r, noun, j) => {
    const N = cap(noun);
    return `export class ${N}Repository${j} {
  private readonly cache = new Map<string, { value: unknown; at: number }>();

  constructor(private readonly db: { query(sql: string, params: unknown[]): Promise<unknown[]> }, private readonly ttlMs = ${1000 * (1 + Math.floor(r() * 60))}) {}

  async findById(id: string): Promise<unknown> {
    const hit = this.cache.get(id);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.value;
    const rows = await this.db.query('SELECT * FROM ${noun}s WHERE id = $1', [id]);
    const value = rows[0] ?? null;
    this.cache.set(id, { value, at: Date.now() });
    return value;
  }

  async list(limit = 50, offset = 0): Promise<unknown[]> {
    try {
      return await this.db.query('SELECT * FROM ${noun}s ORDER BY created_at DESC LIMIT $1 OFFSET $2', [limit, offset]);
    } catch (error) {
      throw new Error(\`could not list ${noun}s: \${(error as Error).message}\`);
    }
  }
}`;
  },
  (
    r,
    noun,
    j,
  ) => `export async function retry${j}<T>(fn: () => Promise<T>, attempts = ${2 + Math.floor(r() * 4)}, delayMs = 100): Promise<T> {
  let last: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    try {
      return await fn();
    } catch (error) {
      last = error;
      await new Promise((resolve) => setTimeout(resolve, delayMs * 2 ** attempt));
    }
  }
  throw last;
}`,
  (r, noun, j) => `export type ${cap(noun)}Action${j} =
  | { type: '${noun}/added'; payload: { id: string; name: string } }
  | { type: '${noun}/removed'; payload: { id: string } }
  | { type: '${noun}/renamed'; payload: { id: string; name: string } };

export function ${noun}Reducer${j}(state: Record<string, string> = {}, action: ${cap(noun)}Action${j}): Record<string, string> {
  switch (action.type) {
    case '${noun}/added':
      return { ...state, [action.payload.id]: action.payload.name };
    case '${noun}/removed': {
      const { [action.payload.id]: _removed, ...rest } = state;
      return rest;
    }
    case '${noun}/renamed':
      return state[action.payload.id] === undefined ? state : { ...state, [action.payload.id]: action.payload.name };
    default:
      return state;
  }
}`,
  (r, noun, j) => `export const ${noun}Messages${j} = {
  created: 'The ${noun} was created.',
  updated: 'Your changes to the ${noun} were saved.',
  deleted: 'The ${noun} was deleted. This cannot be undone.',
  notFound: 'We could not find that ${noun}.',
  forbidden: 'You do not have access to this ${noun}.',
} as const;

export function message${j}(key: keyof typeof ${noun}Messages${j}, name?: string): string {
  const text = ${noun}Messages${j}[key];
  return name ? text.replace('The ${noun}', \`"\${name}"\`) : text;
}`,
  (r, noun, j) => `export function validate${cap(noun)}${j}(input: Record<string, unknown>): string[] {
  const errors: string[] = [];
  if (typeof input.name !== 'string' || input.name.trim() === '') errors.push('name is required');
  if (typeof input.email === 'string' && !/^[^@\\s]+@[^@\\s]+$/.test(input.email)) errors.push('email is invalid');
  if (input.limit !== undefined && (typeof input.limit !== 'number' || input.limit < 0 || input.limit > ${100 * (1 + Math.floor(r() * 9))})) {
    errors.push('limit is out of range');
  }
  return errors;
}`,
  (r, noun, j) => `export const format${j} = {
  date: (d: Date) => d.toISOString().slice(0, 10),
  money: (cents: number, currency = 'EUR') => new Intl.NumberFormat('en', { style: 'currency', currency }).format(cents / 100),
  plural: (n: number, word: string) => \`\${n} \${word}\${n === 1 ? '' : 's'}\`,
  slug: (s: string) => s.normalize('NFKD').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, ''),
};`,
  (
    r,
    noun,
    j,
  ) => `export function paginate${j}<T>(items: readonly T[], page: number, size = ${10 * (1 + Math.floor(r() * 5))}): { items: T[]; page: number; pages: number } {
  const pages = Math.max(1, Math.ceil(items.length / size));
  const current = Math.min(Math.max(1, page), pages);
  return { items: items.slice((current - 1) * size, current * size), page: current, pages };
}

export function groupBy${j}<T, K extends string>(items: readonly T[], key: (item: T) => K): Record<K, T[]> {
  const out = {} as Record<K, T[]>;
  for (const item of items) (out[key(item)] ??= []).push(item);
  return out;
}`,
  (r, noun, j) => `export class EventBus${j} {
  private listeners = new Map<string, Set<(payload: unknown) => void>>();

  on(event: string, listener: (payload: unknown) => void): () => void {
    const set = this.listeners.get(event) ?? new Set();
    set.add(listener);
    this.listeners.set(event, set);
    return () => set.delete(listener);
  }

  emit(event: string, payload: unknown): void {
    for (const listener of this.listeners.get(event) ?? []) listener(payload);
  }
}`,
];

/** Blocks that mention what the flag pre-filter looks for, as ordinary code sometimes does. */
const incidentalBlocks: Block[] = [
  (
    r,
    noun,
    j,
  ) => `export function parseFlags${j}(argv: string[]): { verbose: boolean; dryRun: boolean; rest: string[] } {
  const flags = { verbose: false, dryRun: false, rest: [] as string[] };
  for (const arg of argv) {
    if (arg === '--verbose') flags.verbose = true;
    else if (arg === '--dry-run') flags.dryRun = true;
    else flags.rest.push(arg);
  }
  return flags;
}`,
  (r, noun, j) => `export class Switch${j} {
  private state = false;
  isOn(): boolean { return this.state; }
  toggle(): void { this.state = !this.state; }
}`,
  (r, noun, j) => `export function track${j}(analytics: { track(event: string, props: object): void }, model: string) {
  // Analytics event names happen to match a flag key.
  analytics.track('inference_model', { model, at: Date.now() });
}`,
];

const ordinaryHeaders: ((
  r: () => number,
  noun: string,
  i: number,
) => { ext: string; head: string; tail: string; js: boolean })[] = [
  () => ({ ext: 'ts', head: '', tail: '', js: false }),
  (r, noun) => ({
    ext: 'ts',
    head: `import { Router, type Request, type Response } from 'express';\nimport { z } from 'zod';\n\nconst router = Router();\nconst Body = z.object({ name: z.string().min(1), limit: z.number().int().optional() });\n`,
    tail: `\nrouter.get('/${noun}s/:id', async (req: Request, res: Response) => {\n  const id = req.params.id;\n  if (!id) return res.status(400).json({ error: 'id is required' });\n  res.json({ id, fetchedAt: new Date().toISOString() });\n});\n\nrouter.post('/${noun}s', async (req: Request, res: Response) => {\n  const parsed = Body.safeParse(req.body);\n  if (!parsed.success) return res.status(422).json({ errors: parsed.error.issues });\n  res.status(201).json(parsed.data);\n});\n\nexport default router;\n`,
    js: false,
  }),
  (r, noun, i) => ({
    ext: 'tsx',
    head: `import { useEffect, useMemo, useState } from 'react';\n`,
    tail: `\nexport function ${cap(noun)}List${i}({ items, onSelect }: { items: { id: string; name: string }[]; onSelect: (id: string) => void }) {\n  const [query, setQuery] = useState('');\n  const [page, setPage] = useState(1);\n  const visible = useMemo(() => items.filter((item) => item.name.toLowerCase().includes(query.toLowerCase())), [items, query]);\n  useEffect(() => setPage(1), [query]);\n  return (\n    <div className="${noun}-list">\n      <input value={query} onChange={(e) => setQuery(e.target.value)} placeholder="Search ${noun}s" />\n      <ul>\n        {visible.slice((page - 1) * 20, page * 20).map((item) => (\n          <li key={item.id} onClick={() => onSelect(item.id)}>{item.name}</li>\n        ))}\n      </ul>\n      <button disabled={page === 1} onClick={() => setPage(page - 1)}>Previous</button>\n      <button onClick={() => setPage(page + 1)}>Next</button>\n    </div>\n  );\n}\n`,
    js: false,
  }),
  (r, noun, i) => ({
    ext: 'js',
    head: `import { readFile } from 'node:fs/promises';\n`,
    tail: `\nexport async function load${cap(noun)}s${i}(path) {\n  const text = await readFile(path, 'utf8');\n  return text.split('\\n').filter(Boolean).map((line) => JSON.parse(line));\n}\n`,
    js: true,
  }),
  (r, noun, i) => ({
    ext: 'cjs',
    head: `'use strict';\nconst path = require('node:path');\nconst { EventEmitter } = require('node:events');\n`,
    tail: `\nmodule.exports = { name: '${noun}-${i}', root: path.resolve(__dirname, '..'), events: new EventEmitter() };\n`,
    js: true,
  }),
  (r, noun, i) => ({
    ext: 'ts',
    head: `import { describe, expect, it } from 'vitest';\n`,
    tail: `\ndescribe('${noun} ${i}', () => {\n  it('formats dates', () => {\n    expect(new Date(0).toISOString().slice(0, 10)).toBe('1970-01-01');\n  });\n  it('sorts ${noun}s by name', () => {\n    const list = ['b', 'a', 'c'].map((name) => ({ name }));\n    expect(list.sort((x, y) => x.name.localeCompare(y.name)).map((x) => x.name)).toEqual(['a', 'b', 'c']);\n  });\n});\n`,
    js: false,
  }),
  (r, noun, i) => ({
    ext: 'ts',
    head: `import OpenAI from 'openai';\n\nconst openai = new OpenAI();\n`,
    tail: `\nexport async function summarise${i}(text: string): Promise<string> {\n  const completion = await openai.chat.completions.create({\n    model: 'gpt-4o-mini',\n    messages: [\n      { role: 'system', content: 'Summarise the ${noun} in two sentences.' },\n      { role: 'user', content: text },\n    ],\n  });\n  return completion.choices[0]?.message.content ?? '';\n}\n`,
    js: false,
  }),
  (r, noun, i) => ({
    ext: 'jsx',
    head: `import React from 'react';\n`,
    tail: `\nexport default function ${cap(noun)}Card${i}({ ${noun}, onArchive }) {\n  if (!${noun}) return null;\n  return (\n    <article className="card">\n      <h2>{${noun}.name}</h2>\n      <p>{${noun}.description}</p>\n      <button onClick={() => onArchive(${noun}.id)}>Archive</button>\n    </article>\n  );\n}\n`,
    js: true,
  }),
];

function ordinaryFile(r: () => number, i: number): { ext: string; code: string } {
  const noun = pick(r, NOUNS);
  const header = pick(r, ordinaryHeaders)(r, noun, i);
  const parts: string[] = [header.head];
  const count = 3 + Math.floor(r() * 8);
  for (let j = 0; j < count; j++) parts.push(pick(r, blocks)(r, noun, j));
  if (r() < 0.06) parts.push(pick(r, incidentalBlocks)(r, noun, count));
  parts.push(header.tail);
  const code = parts.join('\n');
  return { ext: header.ext, code: header.js ? plain(code, header.ext === 'jsx') : code };
}

/** One file in 14 reads flags, with the flag-heavy corpus's SDK files; the rest are ordinary code. */
const FLAG_FILE_EVERY = 14;

export function generateCorpus(count: number, kind: CorpusKind = 'flag-heavy'): number {
  const dir = CORPUS_DIRS[kind];
  rmSync(dir, { recursive: true, force: true });
  const r = random(20260601);
  // The first two flag-heavy templates are plain modules; the realistic corpus draws its flag files from the rest.
  const flagTemplates = flagHeavyTemplates.slice(2);
  for (let i = 0; i < count; i++) {
    const { ext, code } =
      kind === 'flag-heavy'
        ? flagHeavyTemplates[i % flagHeavyTemplates.length]!(r, i)
        : i % FLAG_FILE_EVERY === 0
          ? flagTemplates[(i / FLAG_FILE_EVERY) % flagTemplates.length]!(r, i)
          : ordinaryFile(r, i);
    const file = join(dir, `pkg${i % 20}`, `module-${i}.${ext}`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, code + '\n');
  }
  const flags = KEYS.map((k, n) => ({
    flag: k,
    default: n === 2 ? 5 : n === 5 ? false : k === 'inference_model' ? 'claude-3-haiku' : 'v3',
    cleanup_by: n % 2 === 0 ? '2026-09-30' : '2026-05-01',
    ...(n === 0
      ? {
          variants: ['claude-3-haiku', 'claude-sonnet-4-6', 'claude-opus-4-6'],
          rules: [{ condition: { user_segment: 'internal' }, value: 'claude-opus-4-6' }],
        }
      : {}),
    ...(n === 1 ? { variants: ['v3', 'v4'], rules: [{ condition: { rollout_percentage: 10 }, value: 'v4' }] } : {}),
  }));
  writeFileSync(join(dir, 'flags.json'), JSON.stringify({ flags }, null, 2) + '\n');
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2023',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          jsx: 'react-jsx',
          allowJs: true,
          checkJs: false,
          strict: true,
          noEmit: true,
          skipLibCheck: true,
        },
        include: ['**/*'],
      },
      null,
      2,
    ),
  );
  return count;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const count = Number(process.argv[2] ?? 2400);
  const kind = (process.argv[3] ?? 'flag-heavy') as CorpusKind;
  if (!(kind in CORPUS_DIRS)) throw new Error(`corpus kind must be one of ${Object.keys(CORPUS_DIRS).join(', ')}`);
  generateCorpus(count, kind);
  console.log(`wrote ${count} ${kind} files to ${CORPUS_DIRS[kind]}`);
}
