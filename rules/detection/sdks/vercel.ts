/** Vercel's `flags` SDK: `flag({ key, defaultValue, decide })` defines a flag; awaiting a call of it reads the flag. */
import { promised, type SdkDescriptor } from './descriptor.js';

export const vercel: SdkDescriptor<'vercel'> = {
  id: 'vercel',
  prefilter: ['flag'],
  mentions: ['flags(?:\\/[a-z]+)?', '@vercel\\/flags[^\'"]*'],
  packages: [
    {
      name: 'vercel',
      specifiers: /^(@vercel\/flags|flags)(\/(next|sveltekit|react))?$/,
      // `unstable_flag` is `flag` before flags 3.
      definitions: {
        functions: ['flag', 'unstable_flag'],
        method: 'flag',
        keyProperty: 'key',
        defaultProperty: 'defaultValue',
        read: promised(0, 'value'),
      },
    },
  ],
};
