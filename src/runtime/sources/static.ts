import { describeErrno } from '../../io/file-write.js';
import type { FlagSource } from './source.js';

/** A fixed registry: a document object or JSON text. Useful in tests and for embedded defaults. */
export function staticSource(document: object | string, origin = '<static registry>'): FlagSource {
  let text: string | undefined;
  let problem: string | undefined;
  try {
    text = typeof document === 'string' ? document : (JSON.stringify(document, null, 2) as string | undefined);
    if (text === undefined) problem = 'the registry is not a JSON object';
  } catch (error) {
    // A cyclic or absurdly deep object: `createFlags` reports it like any unreadable registry.
    problem = `the registry object cannot be written as JSON (${describeErrno(error)})`;
  }
  return {
    description: origin,
    readSync: () => {
      if (text === undefined) throw new Error(problem);
      return { text, origin };
    },
  };
}
