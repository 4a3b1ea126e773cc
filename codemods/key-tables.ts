/**
 * Data that describes a retired flag rather than reading it: a member of a typed feature map
 * (`interface Features { "smart-routing": boolean }`), an entry of a table keyed by the flag
 * (`FLAG_LABELS = { "smart-routing": "Smart routing" }`), and an entry of a table of keys
 * (`FLAGS = { SMART_ROUTING: "smart-routing", ... } as const`, a string enum member). A reviewer deletes these with the
 * flag; left in place they name the key and keep the registry entry. A string equal to the key in
 * any other role (`hasPlanFeature("smart-routing")`) is not touched.
 */
import { parse } from '@babel/parser';

export interface TableEntryRemoval {
  output: string;
  removed: { line: number; column: number; flag: string }[];
}

interface BabelNode {
  type: string;
  start: number;
  end: number;
  loc: { start: { line: number; column: number } };
  [field: string]: unknown;
}

/**
 * Removes, from `text`, the entries naming a key of `retired`: a property or type member whose
 * (non-computed) name is the key as a string (`"smart-routing": ...`, or an identifier in a type
 * member); and, when `isReferenced` says no code uses its name any more, a property whose value
 * is the key in an object whose values are all string literals, another of them a key of
 * `registryKeys` (a table of keys), or an enum member whose value is the key.
 */
export function removeKeyTableEntries(
  file: string,
  text: string,
  retired: ReadonlySet<string>,
  registryKeys: ReadonlySet<string>,
  isReferenced: (memberName: string) => boolean,
): TableEntryRemoval {
  const unchanged = { output: text, removed: [] };
  if (![...retired].some((k) => text.includes(k))) return unchanged;
  let program: BabelNode;
  try {
    program = parse(text, {
      sourceType: 'unambiguous',
      plugins: [/\.[cm]?tsx?$/.test(file) ? 'typescript' : 'flow', 'jsx'],
      errorRecovery: false,
    }).program as unknown as BabelNode;
  } catch {
    // A file that does not parse is reported as such by the rewrite.
    return unchanged;
  }
  const doomed: { node: BabelNode; siblings: BabelNode[]; flag: string }[] = [];
  const stringOf = (node: unknown): string | undefined => {
    const n = node as BabelNode | null | undefined;
    if (n?.type === 'StringLiteral') return n['value'] as string;
    if (n?.type === 'TemplateLiteral' && (n['expressions'] as unknown[]).length === 0)
      return ((n['quasis'] as BabelNode[])[0]!['value'] as { cooked: string }).cooked;
    return undefined;
  };
  const unwrap = (node: BabelNode): BabelNode =>
    node.type === 'TSAsExpression' || node.type === 'TSSatisfiesExpression' || node.type === 'TSNonNullExpression'
      ? unwrap(node['expression'] as BabelNode)
      : node;
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const child of node) visit(child);
      return;
    }
    if (!node || typeof node !== 'object' || typeof (node as BabelNode).type !== 'string') return;
    const n = node as BabelNode;
    if (n.type === 'ObjectExpression') {
      const properties = n['properties'] as BabelNode[];
      const plain = properties.every((p) => p.type === 'ObjectProperty' && !p['computed']);
      const values = plain ? properties.map((p) => stringOf(unwrap(p['value'] as BabelNode))) : [];
      const isKeyTable =
        plain && values.every((v) => v !== undefined) && values.filter((v) => registryKeys.has(v!)).length >= 2;
      for (const [i, p] of properties.entries()) {
        if (p.type !== 'ObjectProperty' || p['computed']) continue;
        const named = stringOf(p['key']);
        const member =
          (p['key'] as BabelNode).type === 'Identifier' ? ((p['key'] as BabelNode)['name'] as string) : named;
        const holdsKey = isKeyTable && retired.has(values[i]!) && member !== undefined && !isReferenced(member);
        const flag = named !== undefined && retired.has(named) ? named : holdsKey ? values[i]! : undefined;
        if (flag !== undefined) doomed.push({ node: p, siblings: properties, flag });
      }
    }
    if (n.type === 'TSEnumDeclaration' || n.type === 'TSEnumBody') {
      const members = (n['members'] ?? (n['body'] as BabelNode | undefined)?.['members']) as BabelNode[] | undefined;
      for (const m of members ?? []) {
        const value = stringOf(m['initializer']);
        const id = m['id'] as BabelNode;
        const member = id.type === 'Identifier' ? (id['name'] as string) : stringOf(id);
        if (value !== undefined && retired.has(value) && member !== undefined && !isReferenced(member))
          doomed.push({ node: m, siblings: members!, flag: value });
      }
    }
    if (n.type === 'TSInterfaceBody' || n.type === 'TSTypeLiteral') {
      const members = (n.type === 'TSInterfaceBody' ? n['body'] : n['members']) as BabelNode[];
      for (const m of members) {
        if (m.type !== 'TSPropertySignature' || m['computed']) continue;
        const key = m['key'] as BabelNode;
        const named = key.type === 'Identifier' ? (key['name'] as string) : stringOf(key);
        if (named !== undefined && retired.has(named)) doomed.push({ node: m, siblings: members, flag: named });
      }
    }
    for (const [field, child] of Object.entries(n)) {
      if (
        field === 'loc' ||
        field === 'leadingComments' ||
        field === 'trailingComments' ||
        field === 'innerComments' ||
        field === 'extra'
      )
        continue;
      if (child && typeof child === 'object') visit(child);
    }
  };
  visit(program);
  if (doomed.length === 0) return unchanged;

  // Spans to delete: an entry on lines of its own goes with those lines (and its comment lines
  // above it); one sharing a line goes with its separator, so the list stays well formed.
  const spans: [number, number][] = [];
  for (const { node, siblings } of doomed) {
    const index = siblings.indexOf(node);
    let end = node.end;
    const separator = /^\s*[,;]/.exec(text.slice(end));
    if (separator) end += separator[0].length;
    const lineStart = text.lastIndexOf('\n', node.start - 1) + 1;
    const lineEnd = text.indexOf('\n', end);
    const ownLines =
      /^[ \t]*$/.test(text.slice(lineStart, node.start)) &&
      /^[ \t]*(\/\/[^\n]*)?$/.test(text.slice(end, lineEnd < 0 ? text.length : lineEnd));
    if (ownLines) {
      let start = lineStart;
      // Comment lines directly above describe the entry.
      for (;;) {
        const previousStart = text.lastIndexOf('\n', start - 2) + 1;
        if (start === 0 || !/^[ \t]*(\/\/|\/\*|\*)/.test(text.slice(previousStart, start - 1))) break;
        start = previousStart;
      }
      spans.push([start, lineEnd < 0 ? text.length : lineEnd + 1]);
    } else if (separator || index === 0) {
      spans.push([node.start, end + (/^[ \t]*/.exec(text.slice(end))?.[0].length ?? 0)]);
    } else {
      // The last entry of a one-line list without a trailing separator takes the one before it.
      const before = siblings[index - 1]!;
      // A type member's range takes its own `;`, which now ends the list.
      spans.push([/[;,]$/.test(text.slice(before.start, before.end)) ? before.end - 1 : before.end, node.end]);
    }
  }
  spans.sort((a, b) => b[0] - a[0]);
  let output = text;
  let limit = text.length;
  for (const [start, end] of spans) {
    // Two entries sharing a line: the later span already took the text from `limit` on.
    output = output.slice(0, start) + output.slice(Math.min(end, limit));
    limit = start;
  }
  return {
    output,
    removed: doomed.map(({ node, flag }) => ({ line: node.loc.start.line, column: node.loc.start.column + 1, flag })),
  };
}
