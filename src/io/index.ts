/** `modelflags/io`: the one file writer and the process wrapper every bin of the project runs in. */
export * from './file-write.js';
export * from './process-io.js';
