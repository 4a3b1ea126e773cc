/**
 * LaunchDarkly: server SDKs, client-side SDKs, the React SDK's hooks (`useFlags()` holds every flag
 * under its camelCased key) and AI Configs.
 */
import { promised, type MethodSpec, type SdkDescriptor } from './descriptor.js';

function variations(server: boolean): Record<string, MethodSpec> {
  const out: Record<string, MethodSpec> = {};
  // Server SDKs: (key, context, default) returning promises; client SDKs: (key, default), synchronous.
  const args = server ? { context: 1, default: 2 } : { default: 1 };
  for (const prefix of ['', 'bool', 'number', 'string', 'json']) {
    const name = prefix === '' ? 'variation' : `${prefix}Variation`;
    out[name] = { key: 0, ...args, valueKind: 'value', async: server };
    out[`${name}Detail`] = { key: 0, ...args, valueKind: 'details', async: server };
  }
  return out;
}

const serverMethods = variations(true);

// Every keyed read of @launchdarkly/server-sdk-ai 0.16 (`modelConfig` from before 0.5); `createChat`
// and `createJudge` evaluate the AI Config and wrap it in a provider client.
const aiMethods = [
  'config',
  'completionConfig',
  'modelConfig',
  'agentConfig',
  'agent',
  'judgeConfig',
  'createChat',
  'initChat',
  'createJudge',
];
const aiAmbiguous = ['config', 'agent', 'createChat'];

export const launchdarkly: SdkDescriptor<'launchdarkly'> = {
  id: 'launchdarkly',
  // `Variation` finds `boolVariation` and the like on a client injected from elsewhere.
  prefilter: ['launchdarkly', 'Variation'],
  mentions: ['launchdarkly[^\'"]*', '@launchdarkly\\/[^\'"]+'],
  packages: [
    {
      name: 'ld-ai',
      specifiers: ['@launchdarkly/server-sdk-ai'],
      factories: { initAi: 'ld-ai' },
      clientTypes: { LDAIClient: 'ld-ai' },
    },
    {
      name: 'ld-react',
      specifiers: ['launchdarkly-react-client-sdk', '@launchdarkly/react-universal-sdk'],
      factories: { useLDClient: 'ld-client' },
      clientTypes: { LDClient: 'ld-client' },
      flagObjectHooks: ['useFlags'],
    },
    {
      name: 'ld-server',
      specifiers: /^(@launchdarkly\/[a-z-]*server-sdk|launchdarkly-node-server-sdk)$/,
      factories: { init: 'ld-server' },
      clientTypes: { LDClient: 'ld-server' },
    },
    {
      name: 'ld-client',
      specifiers: /^(@launchdarkly\/(js-client-sdk|react-native-client-sdk)|launchdarkly-js-client-sdk)$/,
      factories: { initialize: 'ld-client', createClient: 'ld-client' },
      clientTypes: { LDClient: 'ld-client' },
    },
  ],
  clients: [
    {
      name: 'ld-server',
      methods: serverMethods,
      returnsSelf: ['waitForInitialization'],
      untraced: {
        // `variation` alone is a common word.
        distinctive: Object.keys(serverMethods).filter((m) => m !== 'variation'),
        ambiguous: ['variation'],
        packages: ['ld-server'],
        browser: { client: 'ld-client', packages: ['ld-client', 'ld-react'] },
      },
    },
    { name: 'ld-client', methods: variations(false), returnsSelf: ['waitForInitialization', 'waitUntilReady'] },
    {
      name: 'ld-ai',
      methods: Object.fromEntries(aiMethods.map((m) => [m, promised(0, 'bundle', { context: 1, default: 2 })])),
      untraced: {
        distinctive: aiMethods.filter((m) => !aiAmbiguous.includes(m)),
        ambiguous: aiAmbiguous,
        packages: ['ld-ai'],
      },
    },
  ],
};
