/** The semicolons recast adds to statements it reprints, in a file written without them. */
import { expect, it } from 'vitest';
import { parseForDetection } from '../../rules/detection/parse.js';
import { followSemicolonStyle } from '../../codemods/semicolons.js';

const follow = (before: string, printed: string): string =>
  followSemicolonStyle(before, parseForDetection(before, 'a.ts').ast, printed, 'a.ts');

it('drops them on the lines the rewrite changed, in a file without semicolons', () => {
  const before = 'const a = 1\nlet b = f(a)\nreturn_(a, b)\n';
  expect(follow(before, 'const a = 1\nlet b = 2;\nreturn_(a, b)\n')).toBe('const a = 1\nlet b = 2\nreturn_(a, b)\n');
});

it('leaves a semicolon the file itself had on a line the rewrite did not change', () => {
  const before = 'const a = 1\nconst b = 2\nconst c = 3;\nf(a)\n';
  expect(follow(before, 'const a = 1\nconst b = 4;\nconst c = 3;\nf(a)\n')).toBe(
    'const a = 1\nconst b = 4\nconst c = 3;\nf(a)\n',
  );
});

it('keeps one where the next line would continue the statement without it', () => {
  const before = 'const a = g()\nconst b = 2\n;[a, b].forEach(f)\n';
  expect(follow(before, 'const a = 1;\nconst b = 2\n;[a, b].forEach(f)\n')).toBe(
    'const a = 1\nconst b = 2\n;[a, b].forEach(f)\n',
  );
  expect(follow('let x = g()\nlet y = 1\n', 'let x = 1;\n(y as number)++\n')).toBe('let x = 1;\n(y as number)++\n');
});

it('changes nothing in a file that ends its statements with semicolons', () => {
  const before = 'const a = 1;\nconst b = 2;\nf(a)\n';
  expect(follow(before, 'const a = 3;\nconst b = 2;\nf(a)\n')).toBe('const a = 3;\nconst b = 2;\nf(a)\n');
});
