/** GrowthBook: the per-user `GrowthBook` instance, the multi-user `GrowthBookClient`, React hooks and components. */
import { sync, type SdkDescriptor } from './descriptor.js';

export const growthbook: SdkDescriptor<'growthbook'> = {
  id: 'growthbook',
  prefilter: ['growthbook', 'getFeatureValue', 'isOn', 'evalFeature'],
  mentions: ['@growthbook\\/[^\'"]+'],
  packages: [
    {
      name: 'growthbook',
      specifiers: /^@growthbook\/growthbook(-react)?$/,
      constructors: { GrowthBook: 'growthbook', GrowthBookClient: 'growthbook-client' },
      factories: { useGrowthBook: 'growthbook' },
      clientTypes: { GrowthBook: 'growthbook', GrowthBookClient: 'growthbook-client' },
      readers: {
        useFeatureValue: sync(0, 'value', { default: 1 }),
        useFeatureIsOn: sync(0, 'enabled'),
        useFeature: sync(0, 'details'),
      },
      components: { IfFeatureEnabled: 'feature', FeatureString: 'feature' },
    },
  ],
  clients: [
    {
      // An instance is created for one user: its reads take no context.
      name: 'growthbook',
      methods: {
        getFeatureValue: sync(0, 'value', { default: 1 }),
        isOn: sync(0, 'enabled'),
        isOff: sync(0, 'enabled'),
        evalFeature: sync(0, 'details'),
        feature: sync(0, 'details'),
      },
      untraced: {
        distinctive: ['getFeatureValue', 'evalFeature'],
        ambiguous: ['isOn', 'isOff'],
        packages: ['growthbook'],
      },
    },
    {
      name: 'growthbook-client',
      methods: {
        getFeatureValue: sync(0, 'value', { default: 1, context: 2 }),
        isOn: sync(0, 'enabled', { context: 1 }),
        isOff: sync(0, 'enabled', { context: 1 }),
        evalFeature: sync(0, 'details', { context: 1 }),
      },
      derived: { createScopedInstance: 'growthbook' },
    },
  ],
};
