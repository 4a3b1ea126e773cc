/** PostHog: `posthog-node` (async, with the user's distinct id) and `posthog-js` with its React hooks. */
import { promised, sync, type SdkDescriptor } from './descriptor.js';

export const posthog: SdkDescriptor<'posthog'> = {
  id: 'posthog',
  prefilter: ['posthog'],
  mentions: ['posthog-(?:node|js)[^\'"]*'],
  packages: [
    {
      name: 'posthog-node',
      specifiers: ['posthog-node'],
      constructors: { PostHog: 'posthog-node' },
      clientTypes: { PostHog: 'posthog-node' },
    },
    {
      name: 'posthog-js',
      specifiers: ['posthog-js', 'posthog-js/react'],
      factories: { usePostHog: 'posthog-js' },
      clientTypes: { PostHog: 'posthog-js' },
      // `import posthog from 'posthog-js'` is the ready browser client.
      defaultClient: { specifier: 'posthog-js', client: 'posthog-js' },
      readers: {
        useFeatureFlagVariantKey: sync(0, 'value'),
        useFeatureFlagEnabled: sync(0, 'enabled'),
        useFeatureFlagPayload: sync(0, 'details'),
      },
    },
  ],
  clients: [
    {
      name: 'posthog-node',
      methods: {
        getFeatureFlag: promised(0, 'value', { context: 1 }),
        isFeatureEnabled: promised(0, 'enabled', { context: 1 }),
        getFeatureFlagPayload: promised(0, 'details', { context: 1 }),
      },
      untraced: {
        distinctive: ['getFeatureFlag', 'isFeatureEnabled', 'getFeatureFlagPayload'],
        packages: ['posthog-node'],
        browser: { client: 'posthog-js', packages: ['posthog-js'] },
      },
    },
    {
      name: 'posthog-js',
      methods: {
        getFeatureFlag: sync(0, 'value'),
        isFeatureEnabled: sync(0, 'enabled'),
        getFeatureFlagPayload: sync(0, 'details'),
      },
    },
  ],
};
