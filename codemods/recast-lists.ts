/**
 * Keeps recast's parse linear on long lists. recast copies the parser's tree and gives every node
 * the range of tokens it spans by walking the file's token list from where its parent's range
 * starts and ends, so each item of a list walks over all the items before and after it: a file of
 * S top-level statements and T tokens costs S × T steps (84 s of a 1 MB file's 124 s).
 *
 * The parser below nests each long list in blocks of {@link CHUNK} items (blocks of blocks, and so
 * on) before recast sees the tree, so every walk stays inside one block, and {@link unnestLists}
 * puts the items back in their lists, in the copy and in the original it keeps for reprinting,
 * before anything reads the tree. A block never changes what recast records for an item:
 * - it starts right where the item before its first one ends, never at the start of a line, so
 *   its items inherit the indentation they inherit from the list's owner without it;
 * - it never starts across a comment, so every comment attaches to the node it attaches to
 *   without blocks (a comment after a list's last item lands on the enclosing blocks and moves
 *   back to that item);
 * - token ranges depend only on positions, which a block does not change.
 * The first items of a list stay outside any block: a block holding item 0 would start where it does.
 */
import { createRequire } from 'node:module';
import jscodeshift, { type Collection, type Parser } from 'jscodeshift';
import { isNode, type AstNode } from './ast.js';

/** Items per block; smaller blocks walk less per level but nest deeper. */
const CHUNK = 8;
/** Lists shorter than this cost too little to nest. */
const LONG_LIST = 64;

/**
 * The list fields worth nesting: statements, members, properties, elements, cases, union members.
 * Not call arguments: recast settles a comment between two arguments by whether a call encloses
 * it, and a block between would enclose it instead.
 */
const LIST_FIELDS = new Set(['body', 'consequent', 'cases', 'properties', 'elements', 'members', 'types']);

// Blocks this module made, as recast's parser returned them; their copies point back via `.original`.
const blocks = new WeakSet<object>();

function isBlock(node: unknown): node is AstNode {
  return isNode(node) && (blocks.has(node) || blocks.has((node as { original?: object }).original ?? node));
}

type Located = AstNode & {
  start: number;
  end: number;
  loc: { start: { line: number; column: number }; end: { line: number; column: number } };
};

function isLocated(node: unknown): node is Located {
  return (
    isNode(node) &&
    typeof node.start === 'number' &&
    typeof node.end === 'number' &&
    typeof node.loc === 'object' &&
    node.loc !== null
  );
}

// Each withParser() call builds a new jscodeshift core with every collection method registered.
const PARSERS = { ts: jscodeshift.withParser(nestingParser('ts')), tsx: jscodeshift.withParser(nestingParser('tsx')) };

/** recast's tree of `source` through jscodeshift, ready to edit and reprint. */
export function parseForRewrite(parser: 'ts' | 'tsx', source: string): Collection {
  const root = PARSERS[parser](source);
  unnestLists(root.get().node as AstNode);
  return root;
}

/** jscodeshift's `ts` or `tsx` parser, with long lists nested before recast copies the tree. */
function nestingParser(name: 'ts' | 'tsx'): Parser {
  const inner = (createRequire(import.meta.url)(`jscodeshift/parser/${name}.js`) as () => Parser)();
  return {
    parse(source: string, options?: unknown) {
      const file = inner.parse(source, options) as unknown as AstNode;
      const commentStarts = ((file.comments ?? []) as { start: number }[]).map((c) => c.start);
      nestLists(file.program as AstNode, source, commentStarts);
      return file as never;
    },
  };
}

function nestLists(node: AstNode, source: string, commentStarts: readonly number[]): void {
  for (const key in node) {
    if (key === 'loc' || key === 'extra' || key.endsWith('omments') || key === 'tokens') continue;
    const value: unknown = node[key];
    if (Array.isArray(value)) {
      for (const child of value) if (isNode(child)) nestLists(child, source, commentStarts);
      if (value.length >= LONG_LIST && LIST_FIELDS.has(key) && node.type !== 'TemplateLiteral')
        node[key] = nest(value, source, commentStarts);
    } else if (isNode(value)) nestLists(value, source, commentStarts);
  }
}

/** Whether a comment starts in `from..to`. */
function hasComment(commentStarts: readonly number[], from: number, to: number): boolean {
  let lo = 0;
  let hi = commentStarts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (commentStarts[mid]! < from) lo = mid + 1;
    else hi = mid;
  }
  return lo < commentStarts.length && commentStarts[lo]! < to;
}

interface Entry {
  node: unknown;
  /** Indexes of the first and last list item it holds. */
  first: number;
  last: number;
}

function nest(items: unknown[], source: string, commentStarts: readonly number[]): unknown[] {
  // A block may start at item i when it would start right after item i - 1, on a non-blank, with no comment before item i.
  const canStartAt = (i: number): boolean => {
    const previous = items[i - 1];
    const item = items[i];
    return (
      i > 0 &&
      isLocated(previous) &&
      isLocated(item) &&
      !/\s/.test(source.charAt(previous.end - 1)) &&
      !hasComment(commentStarts, previous.end, item.start)
    );
  };
  const block = (group: Entry[]): Entry => {
    const first = group[0]!.first;
    const last = group[group.length - 1]!.last;
    const previous = items[first - 1] as Located;
    const end = items[last] as Located;
    // Fresh positions: recast writes token indexes into them.
    const node = {
      type: 'BlockStatement',
      body: group.map((e) => e.node),
      directives: [],
      start: previous.end,
      end: end.end,
      loc: {
        start: { line: previous.loc.end.line, column: previous.loc.end.column },
        end: { line: end.loc.end.line, column: end.loc.end.column },
      },
    };
    blocks.add(node);
    return { node, first, last };
  };
  let level: Entry[] = items.map((node, i) => ({ node, first: i, last: i }));
  while (level.length > CHUNK) {
    const next: Entry[] = [];
    let group: Entry[] = [];
    const flush = (): void => {
      if (next.length === 0 || group.length === 1) next.push(...group);
      else next.push(block(group));
    };
    for (const entry of level) {
      if (group.length >= CHUNK && canStartAt(entry.first)) {
        flush();
        group = [];
      }
      group.push(entry);
    }
    flush();
    if (next.length === level.length) break;
    level = next;
  }
  return level.map((e) => e.node);
}

/** Puts nested lists back, in recast's copy of the file and in the original it reprints against. */
function unnestLists(node: AstNode): void {
  for (const key in node) {
    if (key === 'loc' || key === 'tokens') continue;
    const value: unknown = node[key];
    if (Array.isArray(value)) {
      if (value.some(isBlock)) {
        node[key] = flatten(value);
        const original = (node as { original?: AstNode }).original;
        if (original && Array.isArray(original[key])) original[key] = flatten(original[key] as unknown[]);
      }
      for (const child of node[key] as unknown[]) if (isNode(child)) unnestLists(child);
    } else if (isNode(value)) unnestLists(value);
  }
}

function flatten(list: readonly unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const item of list) {
    if (!isBlock(item)) {
      out.push(item);
      continue;
    }
    const items = flatten(item.body as unknown[]);
    // A comment after the list's last item attached to the blocks around it: it belongs to that item.
    for (const comment of (item.comments ?? []) as AstNode[]) {
      const owner = (comment.leading ? items[0] : items[items.length - 1]) as AstNode;
      owner.comments = comment.leading
        ? [comment, ...((owner.comments ?? []) as AstNode[])]
        : [...((owner.comments ?? []) as AstNode[]), comment];
    }
    out.push(...items);
  }
  return out;
}
