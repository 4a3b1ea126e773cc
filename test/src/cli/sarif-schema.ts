/**
 * The part of the SARIF 2.1.0 schema (OASIS sarif-schema-2.1.0.json) that a code-scanning upload
 * depends on: the required properties of sarifLog, run, tool, toolComponent, reportingDescriptor,
 * result, message, location, physicalLocation, artifactLocation and region, with their types and
 * ranges as the spec defines them. GitHub additionally needs a location per result.
 */
const message = {
  type: 'object',
  properties: { text: { type: 'string' }, id: { type: 'string' } },
  anyOf: [
    { properties: { text: { type: 'string' } }, required: ['text'] },
    { properties: { id: { type: 'string' } }, required: ['id'] },
  ],
};

const region = {
  type: 'object',
  properties: {
    startLine: { type: 'integer', minimum: 1 },
    startColumn: { type: 'integer', minimum: 1 },
    endLine: { type: 'integer', minimum: 1 },
    endColumn: { type: 'integer', minimum: 1 },
  },
  required: ['startLine'],
};

const location = {
  type: 'object',
  properties: {
    id: { type: 'integer', minimum: -1 },
    physicalLocation: {
      type: 'object',
      properties: {
        artifactLocation: {
          type: 'object',
          properties: { uri: { type: 'string', format: 'uri-reference' }, uriBaseId: { type: 'string' } },
          required: ['uri'],
        },
        region,
      },
      required: ['artifactLocation'],
    },
    message,
  },
  required: ['physicalLocation'],
};

export const SARIF_SUBSET_SCHEMA = {
  type: 'object',
  properties: {
    $schema: { type: 'string', format: 'uri' },
    version: { const: '2.1.0' },
    runs: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        properties: {
          tool: {
            type: 'object',
            properties: {
              driver: {
                type: 'object',
                properties: {
                  name: { type: 'string', minLength: 1 },
                  version: { type: 'string' },
                  informationUri: { type: 'string', format: 'uri' },
                  rules: {
                    type: 'array',
                    uniqueItems: true,
                    items: {
                      type: 'object',
                      properties: {
                        id: { type: 'string' },
                        shortDescription: message,
                        fullDescription: message,
                        defaultConfiguration: {
                          type: 'object',
                          properties: { level: { enum: ['none', 'note', 'warning', 'error'] } },
                        },
                      },
                      required: ['id'],
                    },
                  },
                },
                required: ['name'],
              },
            },
            required: ['driver'],
          },
          columnKind: { enum: ['utf16CodeUnits', 'unicodeCodePoints'] },
          results: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                ruleId: { type: 'string' },
                ruleIndex: { type: 'integer', minimum: -1 },
                level: { enum: ['none', 'note', 'warning', 'error'] },
                message,
                locations: { type: 'array', minItems: 1, items: location },
                relatedLocations: { type: 'array', items: location },
                partialFingerprints: { type: 'object', additionalProperties: { type: 'string' } },
              },
              required: ['message', 'ruleId', 'locations'],
            },
          },
        },
        required: ['tool', 'results'],
      },
    },
  },
  required: ['version', 'runs'],
} as const;
