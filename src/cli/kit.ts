/** `modelflags/cli`: argument parsing, terminal output and the version, shared by both bins. */
export * from './args.js';
export * from './terminal.js';
export * from '../io/version.js';
export * from './siblings.js';
