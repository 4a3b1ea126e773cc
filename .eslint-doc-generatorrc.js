/**
 * eslint-doc-generator settings for the README rules table and the rule doc headers.
 *
 * The generator loads a plugin by requiring the package root, which here is the runtime (the
 * plugin is the `./eslint-plugin` export). This file is loaded first, so it points that one
 * require at the built plugin (`npm run build` produces dist/rules/index.js).
 */
import Module, { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const packageRoot = fileURLToPath(new URL('.', import.meta.url)).replace(/[\\/]$/, '');
const pluginEntry = fileURLToPath(new URL('./dist/rules/index.js', import.meta.url));
const load = Module._load;
Module._load = function loadPluginForDocs(request, ...rest) {
  if (request === packageRoot) return require(pluginEntry).default;
  return load.call(this, request, ...rest);
};

/** @type {import('eslint-doc-generator').GenerateOptions} */
export default {
  configEmoji: [
    ['recommended', '✅'],
    ['strict', '🔒'],
    ['recommended-type-checked', '☑️'],
  ],
  ruleDocTitleFormat: 'name',
  ruleListColumns: ['name', 'description', 'configsError', 'configsWarn', 'fixable', 'hasSuggestions', 'options'],
};
