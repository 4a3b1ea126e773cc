/**
 * A local stand-in for a hosted model API, so the example runs offline and deterministically.
 * It answers with which model and system prompt it was given, which is what the demo shows.
 */
export interface ChatRequest {
  model: string;
  system: string;
  messages: { role: 'user' | 'assistant'; content: string }[];
}

export interface ChatResponse {
  model: string;
  content: string;
  usage: { inputTokens: number; outputTokens: number };
}

/** How a model call failed; each kind is tracked as its own rate. */
export type FailureKind = 'timeout' | 'rate_limited' | 'malformed_response';

export class ModelError extends Error {
  constructor(
    readonly kind: FailureKind | 'other',
    message: string,
  ) {
    super(message);
    this.name = 'ModelError';
  }
}

export type ModelClient = (request: ChatRequest) => Promise<ChatResponse>;

export async function complete(request: ChatRequest): Promise<ChatResponse> {
  const last = request.messages.at(-1)?.content ?? '';
  const content = `(${request.model}) ${last.length > 40 ? `${last.slice(0, 40)}…` : last}`;
  return {
    model: request.model,
    content,
    usage: {
      inputTokens: Math.ceil((request.system.length + last.length) / 4),
      outputTokens: Math.ceil(content.length / 4),
    },
  };
}
