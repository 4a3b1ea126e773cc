/**
 * A small inference service: every request picks its model and its system prompt from the flags,
 * per request, so editing flags.json changes what the next request gets, without a restart.
 */
import { createServer, type Server } from 'node:http';
import { fileSource } from 'modelflags';
import { complete, ModelError, type FailureKind, type ModelClient } from './model-client.js';
import { createFlags, type FlagContext } from './flags.generated.js';
import { SYSTEM_PROMPTS } from './prompts.js';

export function createFlagsFromFile(path: string) {
  return createFlags({ source: fileSource(path, { pollIntervalMs: 250 }) });
}

export type ServiceFlags = ReturnType<typeof createFlagsFromFile>;

export interface ChatParams {
  user?: string | null;
  segment?: string | null;
  customer?: string | null;
  q?: string | null;
}

export interface ChatOutcome {
  status: number;
  body: { model: string; promptVersion: string; reply: string } | { error: string };
}

export interface ServiceOptions {
  /** The model API (default: the local stand-in). */
  complete?: ModelClient;
  /** Milliseconds, for latency (default `performance.now`). */
  clock?: () => number;
}

const FAILURE_KINDS: readonly FailureKind[] = ['timeout', 'rate_limited', 'malformed_response'];

/**
 * One chat request: picks the model and the prompt per request, calls the model, and tracks the
 * outcome against the variants that served it (latency, error rate by kind, tokens), which is what
 * a guardrail watches.
 */
export async function handleChat(
  flags: ServiceFlags,
  params: ChatParams,
  options: ServiceOptions = {},
): Promise<ChatOutcome> {
  const clock = options.clock ?? (() => performance.now());
  const context = contextFrom(params);
  // Taken first, so outcomes count against what this request was served even if a flag flips meanwhile.
  const served = flags.record(context, ['inference_model', 'system_prompt_version']);
  const model = flags.get('inference_model', context);
  const promptVersion = flags.get('system_prompt_version', context);
  const started = clock();
  let failure: FailureKind | 'other' | undefined;
  try {
    const reply = await (options.complete ?? complete)({
      model,
      system: SYSTEM_PROMPTS[promptVersion],
      messages: [{ role: 'user', content: params.q ?? 'Hello!' }],
    });
    if (typeof reply?.content !== 'string')
      throw new ModelError('malformed_response', 'the model returned no text content');
    flags.track(served, 'latency_ms', clock() - started);
    flags.track(served, 'tokens', reply.usage.inputTokens + reply.usage.outputTokens);
    return { status: 200, body: { model, promptVersion, reply: reply.content } };
  } catch (error) {
    failure = error instanceof ModelError ? error.kind : 'other';
    return { status: failure === 'rate_limited' ? 429 : 502, body: { error: String(error) } };
  } finally {
    flags.track(served, 'error', failure !== undefined);
    for (const kind of FAILURE_KINDS) flags.track(served, kind, failure === kind);
  }
}

function contextFrom(params: ChatParams): FlagContext {
  const context: FlagContext = {};
  const { user, segment, customer } = params;
  if (user) context.targetingKey = user;
  if (segment) context.user_segment = segment;
  if (customer) context.customer_id = customer;
  return context;
}

export function createInferenceServer(flags: ServiceFlags, options: ServiceOptions = {}): Server {
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/chat') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'try /chat?user=...' }));
      return;
    }
    const q = url.searchParams;
    handleChat(
      flags,
      { user: q.get('user'), segment: q.get('segment'), customer: q.get('customer'), q: q.get('q') },
      options,
    ).then(
      ({ status, body }) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      },
      (error: unknown) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: String(error) }));
      },
    );
  });
}
