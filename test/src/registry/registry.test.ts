import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatIssue, parseRegistry, type RegistryIssue } from '../../../src/registry/validate.js';
import { parseSemver, compareSemver } from '../../../src/registry/semver.js';

const example = readFileSync(new URL('../../../examples/inference-service/flags.json', import.meta.url), 'utf8');

function issuesOf(text: string): RegistryIssue[] {
  const { registry, issues } = parseRegistry(text, 'flags.json');
  expect(registry).toBeUndefined();
  return issues;
}

/** Line and column (1-based) of the first occurrence of `needle` in `text`. */
function positionOf(text: string, needle: string): { line: number; column: number } {
  const offset = text.indexOf(needle);
  expect(offset, `${needle} not in text`).toBeGreaterThanOrEqual(0);
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

describe('parseRegistry', () => {
  it('accepts the design example and normalises it', () => {
    const { registry, issues } = parseRegistry(example, 'flags.json');
    expect(issues).toEqual([]);
    const model = registry!.byKey.get('inference_model')!;
    expect(model.type).toBe('string');
    expect(model.variants).toEqual(['claude-3-haiku', 'claude-sonnet-4-6', 'claude-opus-4-6']);
    expect(model.enabled).toBe(true);
    expect(model.bucketBy).toBe('targetingKey');
    expect(model.rules.map((r) => [r.tests, r.rolloutPercentage, r.value])).toEqual([
      [[{ attribute: 'customer_id', op: 'in', operand: ['acme', 'globex'] }], undefined, 'claude-3-haiku'],
      [[{ attribute: 'user_segment', op: 'eq', operand: 'internal' }], undefined, 'claude-opus-4-6'],
      [[], 10, 'claude-sonnet-4-6'],
    ]);
    const prompt = registry!.byKey.get('system_prompt_version')!;
    expect(prompt.rules[0]!.split).toEqual([
      { variant: 'v3', weight: 50 },
      { variant: 'v4', weight: 50 },
    ]);
  });

  it('accepts the widely published single-flag document as one entry of "flags"', () => {
    const published = {
      flag: 'inference_model',
      default: 'claude-3-haiku',
      rules: [
        { condition: { user_segment: 'internal' }, value: 'claude-opus-4-6' },
        { condition: { rollout_percentage: 10 }, value: 'claude-sonnet-4-6' },
      ],
    };
    const { registry, issues } = parseRegistry(JSON.stringify({ flags: [published] }));
    expect(issues).toEqual([]);
    // Without a declared list, the variants are inferred from the default and the rules.
    expect(registry!.flags[0]!.variants).toEqual(['claude-3-haiku', 'claude-opus-4-6', 'claude-sonnet-4-6']);
    expect(registry!.flags[0]!.variantsDeclared).toBe(false);
  });

  it('points at the misspelt variant with its line and column and lists the variants', () => {
    const text = example.replace('"value": "claude-sonnet-4-6"', '"value": "claude-sonet-4-6"');
    const [issue, ...rest] = issuesOf(text);
    expect(rest).toEqual([]);
    expect(issue).toMatchObject({
      ...positionOf(text, '"claude-sonet-4-6"'),
      flag: 'inference_model',
      pointer: '/flags/0/rules/2/value',
    });
    expect(issue!.message).toBe(
      'inference_model: rule 3 serves "claude-sonet-4-6", which is not a variant (did you mean "claude-sonnet-4-6"?); variants are "claude-3-haiku", "claude-sonnet-4-6", "claude-opus-4-6"',
    );
    expect(formatIssue(issue!)).toMatch(/^flags\.json:\d+:\d+: inference_model: rule 3 serves/);
  });

  it('reports every problem in the file at once', () => {
    const text = JSON.stringify(
      {
        flags: [
          { flag: 'Bad Key', default: 'a' },
          { flag: 'ok_one', default: 'a', cleanup_by: '2027-02-30', dimension: 'modle' },
          { flag: 'ok_one', default: 'b' },
          {
            flag: 'split_flag',
            default: 'a',
            variants: ['a', 'b'],
            rules: [{ condition: {}, split: { a: 1.5, c: 2 } }],
          },
          { flag: 'pct', default: 1, rules: [{ condition: { rollout_percentage: 100.001 }, value: 2 }] },
          { flag: 'ops', default: true, rules: [{ condition: { plan: { matches: 'pro.*' } }, value: false }] },
        ],
      },
      null,
      2,
    );
    const messages = issuesOf(text).map((i) => i.message);
    expect(messages).toEqual([
      expect.stringContaining('flag key "Bad Key" is invalid'),
      expect.stringContaining('ok_one: "dimension" must be one of'),
      expect.stringContaining('ok_one: "cleanup_by" must be a real calendar date'),
      expect.stringContaining('ok_one: duplicate flag key'),
      expect.stringContaining('split_flag: rule 1: the weight of "a" must be a non-negative integer'),
      expect.stringContaining('split_flag: rule 1 splits to "c", which is not a variant'),
      expect.stringContaining('pct: rule 1: "rollout_percentage" must be a number from 0 to 100'),
      expect.stringContaining('ops: rule 1: unknown operator "matches"'),
    ]);
    expect(messages[1]).toContain('(did you mean "model"?)');
    expect(messages[7]).toContain('regular expressions are not supported');
  });

  it('rejects object values with the advice to split the flag per dimension', () => {
    const text = JSON.stringify({ flags: [{ flag: 'ai_config', default: { model: 'claude-3-haiku', messages: [] } }] });
    const [issue] = issuesOf(text);
    expect(issue!.message).toContain('object values are not allowed');
    expect(issue!.message).toContain('one flag per dimension');
    expect(issue!.message).toContain('"inference_model"');
  });

  it('says that a number beyond the range of a double is too large, not that it is null', () => {
    // JSON.parse reads 1e400 as Infinity; JSON.stringify would have printed it as null.
    const text =
      '{"flags": [{"flag": "top_k", "default": 1e400, "rules": [{"condition": {"seats": -1e400}, "value": 3}]}]}';
    const messages = issuesOf(text).map((i) => i.message);
    expect(messages).toEqual([
      'top_k: "default" must be a string, number or boolean; got a number too large for a double (write it within ±1.7e308)',
      'top_k: rule 1: the test for "seats" must be a value, a list of values or { "op": operand }; got a number too large for a double (write it within ±1.7e308)',
    ]);
  });

  it('requires one value type per flag', () => {
    const text = JSON.stringify({ flags: [{ flag: 'top_k', default: 5, variants: [5, '10'] }] });
    expect(issuesOf(text)[0]!.message).toBe(
      'top_k: variant 2 is string "10", but the flag\'s default is a number; a flag serves one type of value',
    );
  });

  it('requires the default among declared variants', () => {
    const text = JSON.stringify({ flags: [{ flag: 'f', default: 'c', variants: ['a', 'b'] }] });
    expect(issuesOf(text)[0]!.message).toBe('f: "default" is "c", which is not a variant; variants are "a", "b"');
  });

  it('requires exactly one of value and split', () => {
    const text = JSON.stringify({
      flags: [{ flag: 'f', default: 'a', rules: [{ condition: {}, value: 'a', split: { a: 1 } }, { condition: {} }] }],
    });
    const messages = issuesOf(text).map((i) => i.message);
    expect(messages).toHaveLength(2);
    for (const m of messages) expect(m).toContain('must have exactly one of "value"');
  });

  it('reads number and boolean split keys as the flag type', () => {
    const text = JSON.stringify({
      flags: [{ flag: 'top_k', default: 5, variants: [5, 10], rules: [{ condition: {}, split: { '5': 1, '10': 3 } }] }],
    });
    const { registry } = parseRegistry(text);
    expect(registry!.flags[0]!.rules[0]!.split).toEqual([
      { variant: 5, weight: 1 },
      { variant: 10, weight: 3 },
    ]);
  });

  it('rejects a split whose weights add up to zero', () => {
    const text = JSON.stringify({ flags: [{ flag: 'f', default: 'a', rules: [{ condition: {}, split: { a: 0 } }] }] });
    expect(issuesOf(text)[0]!.message).toContain('add up to 0');
  });

  it('accepts percentages with two decimals and rejects three', () => {
    const ok = JSON.stringify({
      flags: [{ flag: 'f', default: 'a', rules: [{ condition: { rollout_percentage: 12.34 }, value: 'b' }] }],
    });
    expect(parseRegistry(ok).issues).toEqual([]);
    const bad = ok.replace('12.34', '12.345');
    expect(issuesOf(bad)[0]!.message).toContain('at most two decimals');
  });

  it('validates operator operands', () => {
    const rule = (condition: object) =>
      JSON.stringify({ flags: [{ flag: 'f', default: 'a', rules: [{ condition, value: 'b' }] }] });
    expect(issuesOf(rule({ tier: { gt: '3' } }))[0]!.message).toContain('"gt" takes a number');
    expect(issuesOf(rule({ app: { semver_gte: 'latest' } }))[0]!.message).toContain('takes a semantic version');
    expect(issuesOf(rule({ tier: { in: 'pro' } }))[0]!.message).toContain('"in" takes an array');
    expect(issuesOf(rule({ tier: [] }))[0]!.message).toContain('is empty, so the rule can never match');
    expect(issuesOf(rule({ tier: null }))[0]!.message).toContain('must be a value, a list of values');
    expect(issuesOf(rule({ constructor: 'x' }))[0]!.message).toContain('cannot be used as a context attribute name');
    expect(parseRegistry(rule({ tier: { gte: 2, lt: 5 }, email: { ends_with: '@acme.com' } })).issues).toEqual([]);
  });

  it('rejects an empty-string variant, which flagd cannot name', () => {
    const text = JSON.stringify({ flags: [{ flag: 'f', default: 'a', variants: ['a', ''] }] });
    expect(issuesOf(text)[0]!.message).toBe(
      'f: a variant cannot be the empty string; give that choice a name, for example "none"',
    );
  });

  it('accepts dotted attribute names as nested paths but rejects empty or built-in segments', () => {
    const rule = (condition: object) =>
      JSON.stringify({ flags: [{ flag: 'f', default: 'a', rules: [{ condition, value: 'b' }] }] });
    expect(parseRegistry(rule({ 'org.plan': 'enterprise' })).issues).toEqual([]);
    expect(issuesOf(rule({ 'org..plan': 'x' }))[0]!.message).toContain('cannot be used as a context attribute name');
    expect(issuesOf(rule({ 'org.__proto__': 'x' }))[0]!.message).toContain(
      'cannot be used as a context attribute name',
    );
    expect(issuesOf(rule({ 'org.toString': 'x' }))[0]!.message).toContain('cannot be used as a context attribute name');
  });

  it('names unknown fields with a suggestion', () => {
    const text = JSON.stringify({ flags: [{ flag: 'f', default: 'a', cleanupBy: '2027-01-01' }] }, null, 2);
    const [issue] = issuesOf(text);
    expect(issue!.message).toBe('f: unknown field "cleanupBy" (did you mean "cleanup_by"?)');
    expect(issue).toMatchObject(positionOf(text, '"cleanupBy"'));
  });

  it('reports JSON syntax errors with their position', () => {
    const text = '{\n  "flags": [\n    { "flag": "f", "default": "a", }\n  ]\n}';
    const [issue] = issuesOf(text);
    expect(issue).toMatchObject({ line: 3, column: 34 });
    expect(issue!.message).toContain('trailing comma');
  });

  it('reports a truncated document', () => {
    const [issue] = issuesOf(example.slice(0, 200));
    expect(issue!.message).toMatch(/invalid JSON: .*(unterminated|end of file|expected)/);
  });

  it('reports duplicate JSON keys, which JSON.parse would silently merge', () => {
    const text = '{ "flags": [ { "flag": "f", "default": "a", "default": "b" } ] }';
    const [issue] = issuesOf(text);
    expect(issue!.message).toContain('duplicate key "default"');
    expect(issue).toMatchObject(positionOf(text, '"default": "b"'));
  });

  it('requires a flags array', () => {
    expect(issuesOf('[]')[0]!.message).toContain('must be a JSON object with a "flags" array');
    expect(issuesOf('{"flag": "x"}').map((i) => i.message)).toEqual([
      expect.stringContaining('unknown top-level field "flag" (did you mean "flags"?)'),
      '"flags" must be an array of flag objects',
    ]);
  });
});

describe('semantic versions', () => {
  it('parses the forms flagd accepts', () => {
    expect(parseSemver('v1.2.3')).toEqual({ major: 1, minor: 2, patch: 3, prerelease: [] });
    expect(parseSemver('1.2')).toEqual({ major: 1, minor: 2, patch: 0, prerelease: [] });
    expect(parseSemver('2')).toEqual({ major: 2, minor: 0, patch: 0, prerelease: [] });
    expect(parseSemver('1.0.0-rc.1+build.5')).toEqual({ major: 1, minor: 0, patch: 0, prerelease: ['rc', 1] });
    expect(parseSemver('01.2.3')).toBeUndefined();
    expect(parseSemver('1.2.3.4')).toBeUndefined();
    expect(parseSemver('myVersion_1')).toBeUndefined();
  });

  it('orders pre-releases before releases and numerically', () => {
    const order = [
      '1.0.0-alpha',
      '1.0.0-alpha.1',
      '1.0.0-alpha.beta',
      '1.0.0-beta',
      '1.0.0-beta.2',
      '1.0.0-beta.11',
      '1.0.0-rc.1',
      '1.0.0',
      '1.0.1',
      '1.10.0',
      '2.0.0',
    ];
    for (let i = 1; i < order.length; i++) {
      expect(compareSemver(parseSemver(order[i - 1]!)!, parseSemver(order[i]!)!), `${order[i - 1]} < ${order[i]}`).toBe(
        -1,
      );
      expect(compareSemver(parseSemver(order[i]!)!, parseSemver(order[i - 1]!)!)).toBe(1);
    }
  });
});
