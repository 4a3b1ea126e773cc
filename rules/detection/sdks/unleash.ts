/**
 * Unleash: the server SDK (npm `unleash-client`, confusingly) with a context argument, and the
 * browser proxy client and its React hooks without one. A variant's value is its `name`.
 */
import { sync, type SdkDescriptor } from './descriptor.js';

export const unleash: SdkDescriptor<'unleash'> = {
  id: 'unleash',
  prefilter: ['unleash'],
  mentions: ['unleash-client', 'unleash-proxy-client', '@unleash\\/[^\'"]+'],
  packages: [
    {
      name: 'unleash-server',
      specifiers: ['unleash-client'],
      factories: { initialize: 'unleash-server', startUnleash: 'unleash-server' },
      constructors: { Unleash: 'unleash-server' },
      clientTypes: { Unleash: 'unleash-server' },
      // The module-level functions read through the client `initialize` made.
      readers: {
        isEnabled: sync(0, 'enabled', { context: 1 }),
        getVariant: sync(0, 'details', { context: 1, valueMember: 'name' }),
      },
    },
    {
      name: 'unleash-client',
      specifiers: /^(unleash-proxy-client|@unleash\/proxy-client-react|@unleash\/nextjs)$/,
      constructors: { UnleashClient: 'unleash-client' },
      factories: { useUnleashClient: 'unleash-client' },
      clientTypes: { UnleashClient: 'unleash-client' },
      readers: {
        useFlag: sync(0, 'enabled'),
        useVariant: sync(0, 'details', { valueMember: 'name' }),
      },
    },
  ],
  clients: [
    {
      name: 'unleash-server',
      methods: {
        isEnabled: sync(0, 'enabled', { context: 1 }),
        getVariant: sync(0, 'details', { context: 1, valueMember: 'name' }),
      },
      untraced: {
        ambiguous: ['isEnabled', 'getVariant'],
        packages: ['unleash-server'],
        browser: { client: 'unleash-client', packages: ['unleash-client'] },
      },
    },
    {
      name: 'unleash-client',
      methods: {
        isEnabled: sync(0, 'enabled'),
        getVariant: sync(0, 'details', { valueMember: 'name' }),
      },
    },
  ],
};
