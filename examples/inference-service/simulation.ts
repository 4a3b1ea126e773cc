/**
 * What the demos that inject a regression share (`npm run example:rollout` in one process,
 * `npm run example:fleet` across worker processes): the example registry with its canary rule as a
 * rollout schedule, a model API whose canary can be made to fail, and a seeded random source.
 */
import { readFileSync } from 'node:fs';
import { complete, ModelError, type ModelClient } from './src/model-client.js';

/** The model the example registry rolls out; the control is the flag's default, claude-3-haiku. */
export const CANARY = 'claude-sonnet-4-6';

/** A rollout rule of the registry format (docs/registry.md). */
export interface Rollout {
  variant: string;
  start: string;
  steps: { percent: number; hold?: string }[];
}

/** flags.json with its 10% canary rule (the third of inference_model) replaced by `rollout`. */
export function registryWithRollout(rollout: Rollout): string {
  const registry = JSON.parse(readFileSync(new URL('./flags.json', import.meta.url), 'utf8')) as {
    flags: { flag: string; rules: unknown[] }[];
  };
  registry.flags.find((f) => f.flag === 'inference_model')!.rules[2] = { condition: {}, rollout };
  return `${JSON.stringify(registry, null, 2)}\n`;
}

/**
 * A model API whose canary fails `canaryErrorRate` of calls (1% until a demo raises it); the others
 * fail 1%. A failure names the model, so a client that only sees the error can tell who served it.
 */
export function flakyModels(random: () => number): { client: ModelClient; failing: { canaryErrorRate: number } } {
  const failing = { canaryErrorRate: 0.01 };
  const client: ModelClient = async (request) => {
    const rate = request.model === CANARY ? failing.canaryErrorRate : 0.01;
    if (random() < rate) throw new ModelError('timeout', `${request.model} timed out`);
    return complete(request);
  };
  return { client, failing };
}

/** mulberry32: the same requests fail on every run of a demo. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}
