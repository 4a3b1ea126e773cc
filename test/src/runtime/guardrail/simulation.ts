/**
 * In-process simulation of the example inference service under load: seeded users, a simulated
 * model API with per-model error rates and latencies, and a virtual clock. Shared by the guardrail
 * tests; deterministic for a given seed.
 */
import { readFileSync } from 'node:fs';
import { createFlags } from '../../../../examples/inference-service/src/flags.generated.js';
import type { ChatRequest, ChatResponse } from '../../../../examples/inference-service/src/model-client.js';
import { ModelError } from '../../../../examples/inference-service/src/model-client.js';
import { handleChat, type ServiceFlags } from '../../../../examples/inference-service/src/server.js';
import { staticSource } from '../../../../src/index.js';
import { seededRandom } from '../../../support/random.js';

export const EXAMPLE_REGISTRY = readFileSync(
  new URL('../../../../examples/inference-service/flags.json', import.meta.url),
  'utf8',
);

export interface ModelBehaviour {
  errorRate: number;
  /** Median latency in ms; latencies are log-normal with sigma 0.5. */
  medianLatencyMs: number;
}

export interface Simulation {
  flags: ServiceFlags;
  /** Per-model behaviour, mutable mid-run (the regression). */
  behaviour: Record<string, ModelBehaviour>;
  /** Sends one request from a random user; resolves when the outcome is tracked. */
  request(): Promise<void>;
  now(): number;
}

export interface SimulationOptions {
  registryText?: string;
  users?: number;
  /** Virtual start time, ms since the epoch. */
  epoch?: number;
}

export function createSimulation(seed: number, options: SimulationOptions = {}): Simulation {
  const { registryText = EXAMPLE_REGISTRY, users = 100_000, epoch = Date.UTC(2026, 0, 5, 9) } = options;
  const random = seededRandom(seed);
  let clock = epoch;
  const flags = createFlags({ source: staticSource(registryText, 'flags.json'), clock: () => clock });
  const behaviour: Record<string, ModelBehaviour> = {
    'claude-3-haiku': { errorRate: 0.01, medianLatencyMs: 400 },
    'claude-sonnet-4-6': { errorRate: 0.01, medianLatencyMs: 400 },
    'claude-opus-4-6': { errorRate: 0.01, medianLatencyMs: 400 },
  };
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const kinds = ['timeout', 'rate_limited', 'malformed_response', 'other'] as const;
  const complete = async (request: ChatRequest): Promise<ChatResponse> => {
    const b = behaviour[request.model]!;
    clock += b.medianLatencyMs * Math.exp(0.5 * normal());
    if (random() < b.errorRate)
      throw new ModelError(kinds[Math.floor(random() * kinds.length)]!, `simulated failure of ${request.model}`);
    return {
      model: request.model,
      content: 'ok',
      usage: { inputTokens: 20, outputTokens: 30 + Math.floor(random() * 40) },
    };
  };
  const service = { complete, clock: () => clock };
  return {
    flags,
    behaviour,
    async request() {
      await handleChat(
        flags,
        { user: `user-${Math.floor(random() * users)}`, q: 'Summarise my last invoice' },
        service,
      );
    },
    now: () => clock,
  };
}
