import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, describe, expect, it } from 'vitest';
import { runModelflagsCli } from '../../../src/cli/main.js';
import { ExportError, exportToAppConfig } from '../../../src/exports/appconfig.js';
import { parseRegistryOrThrow } from '../../../src/registry/validate.js';

/**
 * The constraints AWS documents for the `AWS.AppConfig.FeatureFlags` type (version "1"), written
 * as a JSON schema: key patterns, name and description lengths, at most 25 attributes, at most 32
 * variants, rule length, attribute value types and lengths, and the deprecation object.
 */
const key = '^[a-z][a-zA-Z\\d_-]{0,63}$';
const name = { type: 'string', pattern: '^[^\\n]{1,64}$' };
const description = { type: 'string', maxLength: 1024 };
const attributeValue = {
  oneOf: [
    { type: 'string', maxLength: 1024 },
    { type: 'number' },
    { type: 'boolean' },
    { type: 'array', items: { type: 'string', maxLength: 1024 } },
    { type: 'array', items: { type: 'number' } },
  ],
};
const constraints = {
  oneOf: [
    {
      type: 'object',
      properties: {
        type: { const: 'number' },
        required: { type: 'boolean' },
        minimum: { type: 'integer' },
        maximum: { type: 'integer' },
      },
      required: ['type'],
      additionalProperties: false,
    },
    {
      type: 'object',
      properties: {
        type: { const: 'string' },
        required: { type: 'boolean' },
        pattern: { type: 'string', maxLength: 1024 },
        enum: {
          type: 'array',
          maxItems: 100,
          items: { oneOf: [{ type: 'string', maxLength: 1024 }, { type: 'integer' }] },
        },
      },
      required: ['type'],
      not: { required: ['pattern', 'enum'] },
      additionalProperties: false,
    },
    {
      type: 'object',
      properties: { type: { const: 'array' }, required: { type: 'boolean' } },
      required: ['type'],
      additionalProperties: true,
    },
    {
      type: 'object',
      properties: { type: { const: 'boolean' }, required: { type: 'boolean' } },
      required: ['type'],
      additionalProperties: false,
    },
  ],
};
const featureFlagsSchema = {
  type: 'object',
  required: ['version'],
  additionalProperties: false,
  properties: {
    version: { const: '1' },
    flags: {
      type: 'object',
      additionalProperties: false,
      patternProperties: {
        [key]: {
          type: 'object',
          additionalProperties: false,
          properties: {
            name,
            description,
            _createdAt: { type: 'string' },
            _updatedAt: { type: 'string' },
            _deprecation: {
              type: 'object',
              additionalProperties: false,
              properties: {
                status: { enum: ['planned'] },
                date: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
              },
            },
            attributes: {
              type: 'object',
              maxProperties: 25,
              additionalProperties: false,
              patternProperties: {
                [key]: { type: 'object', additionalProperties: false, properties: { description, constraints } },
              },
            },
          },
        },
      },
    },
    values: {
      type: 'object',
      additionalProperties: false,
      patternProperties: {
        [key]: {
          type: 'object',
          maxProperties: 28,
          properties: {
            enabled: { type: 'boolean' },
            _createdAt: { type: 'string' },
            _updatedAt: { type: 'string' },
            _variants: {
              type: 'array',
              maxItems: 32,
              items: {
                type: 'object',
                required: ['name', 'enabled'],
                additionalProperties: false,
                properties: {
                  enabled: { type: 'boolean' },
                  name,
                  rule: { type: 'string', maxLength: 16384 },
                  attributeValues: {
                    type: 'object',
                    maxProperties: 25,
                    additionalProperties: false,
                    patternProperties: { [key]: attributeValue },
                  },
                },
              },
            },
          },
          patternProperties: { [key]: attributeValue },
          additionalProperties: false,
        },
      },
    },
  },
};

const registryDocument = {
  flags: [
    {
      flag: 'inference_model',
      description: 'LLM that answers chat requests',
      cleanup_by: '2027-03-31',
      variants: ['claude-3-haiku', 'claude-sonnet-4-6', 'claude-opus-4-6'],
      default: 'claude-3-haiku',
      rules: [
        { condition: { customer_id: ['acme', 'globex'] }, value: 'claude-3-haiku' },
        { condition: { user_segment: 'internal', tier: { gte: 2 } }, value: 'claude-opus-4-6' },
        { condition: { rollout_percentage: 12.5 }, value: 'claude-sonnet-4-6' },
      ],
    },
    {
      flag: 'system_prompt_version',
      cleanup_by: '2027-01-15',
      variants: ['v3', 'v4', 'v5'],
      default: 'v3',
      rules: [{ condition: { user_segment: { neq: 'internal' } }, split: { v3: 1, v4: 1, v5: 1 } }],
    },
    {
      flag: 'retrieval_top_k',
      variants: [5, 10],
      default: 5,
      rules: [
        { condition: { region: { starts_with: 'eu-' } }, value: 10 },
        { condition: {}, value: 10 },
        { condition: { tier: 1 }, value: 5 },
      ],
    },
    {
      flag: 'streaming',
      default: false,
      variants: [true, false],
      enabled: false,
      rules: [{ condition: {}, value: true }],
    },
  ],
};

const repo = resolve(import.meta.dirname, '../../..');
const scratch = mkdtempSync(join(tmpdir(), 'modelflags-appconfig-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('export --to appconfig', () => {
  const validate = new Ajv({ allErrors: true, strict: false }).compile(featureFlagsSchema);
  const exported = exportToAppConfig(parseRegistryOrThrow(JSON.stringify(registryDocument), 'flags.json'));

  it('writes a document within the published AWS.AppConfig.FeatureFlags constraints', () => {
    expect(validate(exported), JSON.stringify(validate.errors, null, 2)).toBe(true);
    const exampleService = exportToAppConfig(
      parseRegistryOrThrow(readFileSync(join(repo, 'examples/inference-service/flags.json'), 'utf8')),
    );
    expect(validate(exampleService), JSON.stringify(validate.errors, null, 2)).toBe(true);
  });

  it('turns rules into ordered variants with the default last, splits into seeded cumulative split rules, and cleanup_by into _deprecation', () => {
    expect(exported.flags['inference_model']).toEqual({
      name: 'inference_model',
      description: 'LLM that answers chat requests',
      _deprecation: { status: 'planned', date: '2027-03-31' },
      attributes: {
        value: {
          description: expect.stringContaining('read this attribute'),
          constraints: {
            type: 'string',
            required: true,
            enum: ['claude-3-haiku', 'claude-sonnet-4-6', 'claude-opus-4-6'],
          },
        },
      },
    });
    expect(exported.values['inference_model']).toEqual({
      enabled: true,
      _variants: [
        {
          name: 'rule 1: claude-3-haiku',
          enabled: true,
          rule: '(in $customer_id ["acme","globex"])',
          attributeValues: { value: 'claude-3-haiku' },
        },
        {
          name: 'rule 2: claude-opus-4-6',
          enabled: true,
          rule: '(and (eq $user_segment "internal") (gte $tier 2))',
          attributeValues: { value: 'claude-opus-4-6' },
        },
        {
          name: 'rule 3: claude-sonnet-4-6',
          enabled: true,
          rule: '(and (exists key::"targetingKey") (split pct::12.5 by::$targetingKey seed::"inference_model"))',
          attributeValues: { value: 'claude-sonnet-4-6' },
        },
        { name: 'default: claude-3-haiku', enabled: true, attributeValues: { value: 'claude-3-haiku' } },
      ],
    });
    const split = (pct: number) =>
      `(and (and (exists key::"user_segment") (not (eq $user_segment "internal"))) (and (exists key::"targetingKey") (split pct::${pct} by::$targetingKey seed::"system_prompt_version")))`;
    expect(exported.values['system_prompt_version']).toEqual({
      enabled: true,
      _variants: [
        { name: 'rule 1 split 1: v3', enabled: true, rule: split(33.33), attributeValues: { value: 'v3' } },
        { name: 'rule 1 split 2: v4', enabled: true, rule: split(66.67), attributeValues: { value: 'v4' } },
        { name: 'rule 1 split 3: v5', enabled: true, rule: split(100), attributeValues: { value: 'v5' } },
        { name: 'default: v3', enabled: true, attributeValues: { value: 'v3' } },
      ],
    });
  });

  it('makes a rule that matches everyone the default, and exports the kill switch as the default for everyone', () => {
    expect(exported.values['retrieval_top_k']).toEqual({
      enabled: true,
      _variants: [
        { name: 'rule 1: 10', enabled: true, rule: '(begins_with $region "eu-")', attributeValues: { value: 10 } },
        { name: 'default: 10', enabled: true, attributeValues: { value: 10 } },
      ],
    });
    expect(exported.values['streaming']).toEqual({ enabled: true, value: false });
    expect(exported.flags['streaming']!.attributes.value.constraints).toEqual({ type: 'boolean', required: true });
  });

  it('refuses what AppConfig cannot express, naming the file, line and column', () => {
    const text = JSON.stringify(
      {
        flags: [
          {
            flag: 'client.min_version',
            default: 'a',
            variants: ['a', 'b'],
            rules: [{ condition: { app_version: { semver_gte: '2.0.0' } }, value: 'b' }],
          },
          {
            flag: 'ok',
            default: 'a',
            variants: ['a', 'b'],
            rules: [{ condition: { 'user-segment': 'x' }, value: 'b' }],
          },
        ],
      },
      null,
      2,
    );
    let error: unknown;
    try {
      exportToAppConfig(parseRegistryOrThrow(text, 'flags.json'));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ExportError);
    expect((error as ExportError).message.split('\n')).toEqual([
      'cannot export to AppConfig:',
      expect.stringMatching(/^flags\.json:4:15: client\.min_version: AppConfig flag keys are a lower-case letter/),
      expect.stringMatching(
        /^flags\.json:31:29: ok: rule 1: context attribute "user-segment" cannot be written as an AppConfig context key/,
      ),
    ]);
  });

  it('is what `modelflags export --to appconfig` prints, and exits 2 with the problems when it cannot export', async () => {
    const registryPath = join(scratch, 'flags.json');
    writeFileSync(registryPath, JSON.stringify(registryDocument, null, 2));
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t), cwd: scratch };
    expect(await runModelflagsCli(['export', '--to', 'appconfig', '--registry', registryPath], io)).toBe(0);
    expect(JSON.parse(out.join('\n'))).toEqual(exported);
    expect(err).toEqual([]);

    writeFileSync(
      registryPath,
      JSON.stringify({
        flags: [
          {
            flag: 'v',
            default: 'a',
            variants: ['a', 'b'],
            rules: [{ condition: { app: { semver_lt: '1.0.0' } }, value: 'b' }],
          },
        ],
      }),
    );
    expect(await runModelflagsCli(['export', '--to', 'appconfig', '--registry', registryPath], io)).toBe(2);
    expect(err.join('\n')).toMatch(/flags\.json:1:\d+: v: rule 1: "semver_lt" on "app" has no AppConfig equivalent/);
  });
});
