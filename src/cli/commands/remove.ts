/** `modelflags remove`: the remove-flag codemod, loaded from its package, with the arguments as given. */
import type { Command } from '../command.js';
import { loadRemoveFlag } from '../siblings.js';

const remove: Command = {
  name: 'remove',
  line: 'retire a flag from the code (same as remove-flag)',
  async main(argv, io) {
    const { runCli } = await loadRemoveFlag();
    return runCli(argv, io);
  },
};

export default remove;
