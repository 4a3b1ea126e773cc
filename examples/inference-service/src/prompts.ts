import type { FlagValues } from './flags.generated.js';

/** System prompts by version; the version is its own flag, separate from the model. */
export const SYSTEM_PROMPTS: Record<FlagValues['system_prompt_version'], string> = {
  v3: 'You are a helpful assistant. Answer concisely.',
  v4: 'You are a helpful assistant. Answer concisely, cite sources, and ask before assuming.',
};
