/** OpenFeature: the server SDK (async, with a context argument), the web SDK and its React hooks. */
import { sync, type MethodSpec, type SdkDescriptor } from './descriptor.js';

function clientMethods(isAsync: boolean): Record<string, MethodSpec> {
  const out: Record<string, MethodSpec> = {};
  for (const type of ['String', 'Number', 'Boolean', 'Object']) {
    // The web SDK evaluates against a global context, so its methods take (key, default, options).
    const context = isAsync ? { context: 2 } : {};
    out[`get${type}Value`] = { key: 0, default: 1, ...context, valueKind: 'value', async: isAsync };
    out[`get${type}Details`] = { key: 0, default: 1, ...context, valueKind: 'details', async: isAsync };
  }
  return out;
}

function hooks(): Record<string, MethodSpec> {
  const out: Record<string, MethodSpec> = {};
  for (const type of ['String', 'Number', 'Boolean', 'Object']) {
    out[`use${type}FlagValue`] = sync(0, 'value', { default: 1 });
    out[`use${type}FlagDetails`] = sync(0, 'details', { default: 1 });
  }
  out['useFlag'] = sync(0, 'details', { default: 1 });
  out['useSuspenseFlag'] = sync(0, 'details', { default: 1 });
  return out;
}

const serverMethods = clientMethods(true);

/** `getClient()`, or `OpenFeature.getClient()` off the singleton; `useOpenFeatureClient()` in React. */
const factories = (client: string): Record<string, string> => ({
  getClient: client,
  'OpenFeature.getClient': client,
  useOpenFeatureClient: client,
});
const clientTypes = (client: string): Record<string, string> => ({ Client: client, OpenFeatureClient: client });

export const openfeature: SdkDescriptor<'openfeature'> = {
  id: 'openfeature',
  prefilter: ['openfeature'],
  mentions: ['@openfeature\\/[^\'"]+'],
  packages: [
    {
      name: 'openfeature-server',
      specifiers: /^@openfeature\/(server-sdk|js-sdk|nestjs-sdk)$/,
      factories: factories('openfeature-server'),
      clientTypes: clientTypes('openfeature-server'),
    },
    {
      name: 'openfeature-web',
      specifiers: /^@openfeature\/(web-sdk|react-sdk|angular-sdk|core)$/,
      factories: factories('openfeature-web'),
      clientTypes: clientTypes('openfeature-web'),
      readers: hooks(),
    },
  ],
  clients: [
    {
      name: 'openfeature-server',
      methods: serverMethods,
      untraced: {
        distinctive: Object.keys(serverMethods),
        packages: ['openfeature-server'],
        browser: { client: 'openfeature-web', packages: ['openfeature-web'] },
      },
    },
    { name: 'openfeature-web', methods: clientMethods(false) },
  ],
  providers: { packages: /^@openfeature\//, typeName: /Provider$/ },
};
