/**
 * A small inference service: every request picks its model and its system prompt from the flags,
 * per request, so editing flags.json changes what the next request gets, without a restart.
 */
import { createServer, type Server } from 'node:http';
import { fileSource } from 'modelflags';
import { complete } from './model-client.js';
import { createFlags, type FlagContext } from './flags.generated.js';
import { SYSTEM_PROMPTS } from './prompts.js';

export function createFlagsFromFile(path: string) {
  return createFlags({ source: fileSource(path, { pollIntervalMs: 250 }) });
}

export type ServiceFlags = ReturnType<typeof createFlagsFromFile>;

function contextFrom(url: URL): FlagContext {
  const context: FlagContext = {};
  const user = url.searchParams.get('user');
  const segment = url.searchParams.get('segment');
  const customer = url.searchParams.get('customer');
  if (user) context.targetingKey = user;
  if (segment) context.user_segment = segment;
  if (customer) context.customer_id = customer;
  return context;
}

export function createInferenceServer(flags: ServiceFlags): Server {
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/chat') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'try /chat?user=...' }));
      return;
    }
    const context = contextFrom(url);
    const model = flags.get('inference_model', context);
    const promptVersion = flags.get('system_prompt_version', context);
    const message = url.searchParams.get('q') ?? 'Hello!';
    complete({ model, system: SYSTEM_PROMPTS[promptVersion], messages: [{ role: 'user', content: message }] }).then(
      (reply) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ model, promptVersion, reply: reply.content }));
      },
      (error: unknown) => {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: String(error) }));
      },
    );
  });
}
