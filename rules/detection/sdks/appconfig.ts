/**
 * AWS AppConfig: the SDK fetches a whole configuration profile (`GetLatestConfigurationCommand`),
 * the local agent serves it, or single flags of it, over HTTP on port 2772.
 */
import type { SdkDescriptor } from './descriptor.js';

export const appconfig: SdkDescriptor<'appconfig'> = {
  id: 'appconfig',
  prefilter: ['appconfig', ':2772'],
  mentions: [],
  packages: [
    { name: 'appconfig', specifiers: ['@aws-sdk/client-appconfigdata'], commands: ['GetLatestConfigurationCommand'] },
  ],
  // `fetch('http://localhost:2772/applications/app/environments/env/configurations/profile?flag=key')`
  urls: { pattern: /(?:localhost|127\.0\.0\.1):2772\/applications\//, parameter: 'flag', method: 'agent' },
};
