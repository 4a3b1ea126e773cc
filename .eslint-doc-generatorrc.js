/**
 * eslint-doc-generator settings for the README rules table and the rule doc headers. The generator
 * runs on the plugin package (`eslint-doc-generator rules`) and loads its built entry, so build first;
 * the paths are relative to that package: the docs and the README it writes are the repository's.
 */

/** @type {import('eslint-doc-generator').GenerateOptions} */
export default {
  configEmoji: [
    ['recommended', '✅'],
    ['strict', '🔒'],
    ['recommended-type-checked', '☑️'],
  ],
  pathRuleDoc: '../docs/rules/{name}.md',
  pathRuleList: '../README.md',
  ruleDocTitleFormat: 'name',
  ruleListColumns: ['name', 'description', 'configsError', 'configsWarn', 'fixable', 'hasSuggestions', 'options'],
};
