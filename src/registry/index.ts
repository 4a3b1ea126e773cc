/**
 * `modelflags/registry`: the registry core the plugin, the codemod and the CLI share (the model,
 * located JSON, validation, formatting-preserving edits, the retire policy, type generation).
 */
export * from './model.js';
export * from './validate.js';
export * from './load.js';
export * from './suggest.js';
export * from './semver.js';
export * from './json.js';
export * from './generate.js';
export * from './edit.js';
export * from './retire.js';
export * from './rollout.js';
