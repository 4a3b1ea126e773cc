/** One file through the real rewrite and pass list: `inference_model` kept at `claude-sonnet-4-6`. */
import { rewriteSource } from '../../../codemods/rewrite.js';

const HEADER = "import { flags } from './flags';\n\n";

/** The rewrite of `body` (a module that reads the flag through `flags.get`), without the import it starts with. */
export function simplified(body: string, file = 'src/module.ts'): string {
  const { output } = rewriteSource(file, HEADER + body, {
    decisions: new Map([['inference_model', 'claude-sonnet-4-6']]),
    registryKeys: new Set(['inference_model', 'system_prompt_version']),
  });
  return output.startsWith(HEADER) ? output.slice(HEADER.length) : output;
}

/** A read of the flag, as `body` writes it. */
export const READ = "flags.get('inference_model', ctx)";
