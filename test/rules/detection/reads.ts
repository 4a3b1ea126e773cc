/** Detection over a snippet, as the detection tests look at it. */
import { findFlagReads } from '../../../rules/detection/detector.js';
import { parseForDetection } from '../../../rules/detection/parse.js';
import type { DetectionOptions, FlagRead } from '../../../rules/detection/types.js';

export const registryKeys = new Set(['inference_model', 'system_prompt_version', 'retrieval_top_k']);

export function reads(code: string, file = 'file.ts', options: Partial<DetectionOptions> = {}): FlagRead[] {
  const { ast, scopeManager } = parseForDetection(code, file);
  return findFlagReads(ast, scopeManager, { registryKeys, ...options });
}

/** The parts of a read a test can compare, with nodes replaced by their source text. */
export function summary(code: string, file = 'file.ts', options: Partial<DetectionOptions> = {}) {
  const text = (node: { range: [number, number] } | undefined) =>
    node ? code.slice(node.range[0], node.range[1]) : undefined;
  return reads(code, file, options).map((r) => ({
    sdk: r.sdk,
    method: r.method,
    key: r.key,
    keyKind: r.keyKind,
    default: text(r.defaultNode),
    context: text(r.contextNode),
    value: text(r.valueNode),
    valueKind: r.valueKind,
  }));
}
