/**
 * A process that serves flags from a registry file the way an application does, evaluating every
 * flag in a loop while the parent test does things to the file. Faults that block the event loop or
 * kill the process can only be observed from outside it: the parent sees the messages stop, or the
 * process exit.
 *
 * Messages to the parent: `{ type: 'started' }`, `{ type: 'fatal', message }` when `createFlags`
 * refuses the file, `{ type: 'change', generation }`, `{ type: 'error', code, message }`,
 * `{ type: 'violation', message }` when `get` throws or serves a value no valid registry declares,
 * and `{ type: 'pong', generation, evaluations }` in answer to `'ping'`. It runs until killed.
 */
import { createFlags, fileSource, type FileSourceOptions, type FlagValue, type Flags } from '../../../../src/index.js';

export interface ServingChildConfig {
  path: string;
  options: FileSourceOptions;
  /** Flag key → every value any valid registry of the test declares. */
  declared: Record<string, FlagValue[]>;
}

const config = JSON.parse(process.argv[2]!) as ServingChildConfig;
const send = (message: object): void => {
  process.send!(message);
};

let flags: Flags;
try {
  flags = createFlags({ source: fileSource(config.path, config.options) });
} catch (error) {
  send({ type: 'fatal', message: (error as Error).message });
  process.disconnect();
  process.exit(1);
}

const declared = new Map(Object.entries(config.declared).map(([key, values]) => [key, new Set<unknown>(values)]));
const keys = [...declared.keys()];
let evaluations = 0;
const generation = (): unknown => flags.get('generation');

flags.on('change', () => send({ type: 'change', generation: generation() }));
flags.on('error', (e) => {
  if (e.code === 'PARSE_ERROR') send({ type: 'error', code: e.code, message: e.message });
});

setInterval(() => {
  for (let i = 0; i < 20; i++) {
    const context = { targetingKey: `user-${evaluations % 1000}`, user_segment: i % 2 === 0 ? 'internal' : 'external' };
    for (const key of keys) {
      try {
        const value = flags.get(key, context);
        if (!declared.get(key)!.has(value))
          send({
            type: 'violation',
            message: `${key} served ${JSON.stringify(value)}, which no valid registry declares`,
          });
      } catch (error) {
        send({ type: 'violation', message: `get(${key}) threw: ${String(error)}` });
      }
      evaluations++;
    }
  }
}, 1);

process.on('message', (message) => {
  if (message === 'ping') send({ type: 'pong', generation: generation(), evaluations });
});
send({ type: 'started' });
