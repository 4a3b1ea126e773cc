/** This project's runtime: `createFlags(...)` returns a client with `get` and `detail`. */
import { sync, type SdkDescriptor } from './descriptor.js';

export const modelflags: SdkDescriptor<'modelflags'> = {
  id: 'modelflags',
  // Also in `createFlags`, `useFlags` and most names of an in-house flags module.
  prefilter: ['flag'],
  mentions: ['modelflags'],
  packages: [
    {
      name: 'modelflags',
      specifiers: ['modelflags'],
      factories: { createFlags: 'modelflags' },
      clientTypes: { Flags: 'modelflags' },
    },
  ],
  clients: [
    {
      name: 'modelflags',
      methods: {
        get: sync(0, 'value', { context: 1 }),
        detail: sync(0, 'details', { context: 1 }),
      },
      // `get` is everyone's method name: `flags.get(...)` counts when `flags` comes from a local module.
      untraced: { ambiguous: ['get', 'detail'], packages: ['modelflags'], localReceiver: /flag/i },
    },
  ],
  // The usual set-up creates the client once in a module of the project and imports it everywhere.
  localModules: { factories: { createFlags: 'modelflags' }, clientTypes: { Flags: 'modelflags' } },
};
