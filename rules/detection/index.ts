/**
 * `eslint-plugin-modelflags/detection`: flag-read detection, shared by the rules, the audit and the
 * codemod. It imports nothing of the repository but the registry core.
 */
export * from './detection.js';
export * from './parse.js';
export * from './project.js';
export * from './files.js';
export * from './scan.js';
export * from './traverse.js';
