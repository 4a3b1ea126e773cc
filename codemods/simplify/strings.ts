/** Strings built from the kept value: template literals, string methods, `String(...)`. */
import { literalValue, type AstNode } from '../ast.js';
import { conversionOfConstant, type ExpressionPass } from './context.js';

/**
 * Before: `` `model-${'claude-sonnet-4-6'}` `` → After: `'model-claude-sonnet-4-6'`; holes that
 * stay (`` `${id}-${'v4'}` `` → `` `${id}-v4` ``) keep the template.
 */
export const templateOfConstant: ExpressionPass = {
  name: 'template-of-constant',
  types: ['TemplateLiteral'],
  fold(node, _parent, _key, s) {
    const expressions = node.expressions as AstNode[];
    if (!expressions.some((e) => s.constant(e) !== undefined)) return undefined;
    const quasis = node.quasis as AstNode[];
    const newQuasis: { raw: string; cooked: string }[] = [
      { raw: quasis[0]!.value.raw as string, cooked: quasis[0]!.value.cooked as string },
    ];
    const newExpressions: AstNode[] = [];
    expressions.forEach((e, i) => {
      const v = s.constant(e);
      const next = quasis[i + 1]!.value as { raw: string; cooked: string };
      if (v === undefined) {
        newExpressions.push(e);
        newQuasis.push({ raw: next.raw, cooked: next.cooked });
      } else {
        const last = newQuasis[newQuasis.length - 1]!;
        const text = String(v);
        last.raw += text.replace(/[\\`]/g, '\\$&').replace(/\$\{/g, '\\${') + next.raw;
        last.cooked += text + next.cooked;
      }
    });
    // Once every hole is filled the template is just a string; write it as one.
    if (newExpressions.length === 0) return s.literal(newQuasis[0]!.cooked);
    return {
      type: 'TemplateLiteral',
      expressions: newExpressions,
      quasis: newQuasis.map((value, i) => ({ type: 'TemplateElement', value, tail: i === newQuasis.length - 1 })),
    };
  },
};

/**
 * Before: `'claude-sonnet-4-6'.startsWith('claude')` → After: `true`; also `endsWith`,
 * `includes` with a literal, and `toLowerCase()` / `toUpperCase()`.
 */
export const stringMethodOfConstant: ExpressionPass = {
  name: 'string-method-of-constant',
  types: ['CallExpression'],
  fold(node, _parent, _key, s) {
    const callee = node.callee as AstNode;
    const args = node.arguments as AstNode[];
    if (callee.type !== 'MemberExpression' || callee.computed || callee.property.type !== 'Identifier')
      return undefined;
    const method = callee.property.name as string;
    const receiver = s.constant(callee.object);
    if (typeof receiver !== 'string' || !args.every((a) => literalValue(a) !== undefined)) return undefined;
    const a = args.map((x) => literalValue(x));
    const first = a[0];
    if (method === 'startsWith' && typeof first === 'string') return s.literal(receiver.startsWith(first));
    if (method === 'endsWith' && typeof first === 'string') return s.literal(receiver.endsWith(first));
    if (method === 'includes' && typeof first === 'string') return s.literal(receiver.includes(first));
    if (method === 'toLowerCase' && a.length === 0) return s.literal(receiver.toLowerCase());
    if (method === 'toUpperCase' && a.length === 0) return s.literal(receiver.toUpperCase());
    return undefined;
  },
};

/** Before: `String(10)` → After: `'10'` (unless the module defines its own `String`). */
export const stringOfConstant: ExpressionPass = conversionOfConstant('string-of-constant', 'String', String);
