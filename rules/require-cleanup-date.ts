import { isValidDate } from 'modelflags/registry';
import { jsonLoc, readRegistryDocument } from './registry-document.js';
import { addDays, daysBetween } from 'modelflags/registry';
import { createRule, DATE_OPTION_SCHEMA, DEFAULT_DATE_OPTIONS, isJsonDocument, todayOf } from './support.js';

type MessageId = 'missing' | 'invalid' | 'tooFar';
type Options = [{ maxHorizonDays?: number; warnWithinDays?: number; today?: string }];

export default createRule<Options, MessageId>({
  name: 'require-cleanup-date',
  meta: {
    type: 'problem',
    docs: { description: 'Require every registry flag to have a `cleanup_by` date within the allowed horizon' },
    messages: {
      missing:
        '`{{flag}}` has no "cleanup_by". Add the date by which this flag will be removed (UTC, YYYY-MM-DD, at most {{horizon}} days out, for example "{{example}}"), so finished rollouts do not pile up.',
      invalid: '`{{flag}}`: "cleanup_by" must be a real calendar date written YYYY-MM-DD (UTC); got {{value}}.',
      tooFar:
        '`{{flag}}`: "cleanup_by" {{date}} is {{days}} days away, more than the allowed {{horizon}}. Pick a date no later than {{latest}}; extend it again if the rollout genuinely needs longer.',
    },
    schema: [DATE_OPTION_SCHEMA],
  },
  defaultOptions: [{ ...DEFAULT_DATE_OPTIONS }],
  create(context, [options]) {
    if (!isJsonDocument(context)) return {};
    const horizon = options.maxHorizonDays ?? DEFAULT_DATE_OPTIONS.maxHorizonDays;
    return {
      Document() {
        const doc = readRegistryDocument(context.sourceCode.text, context.filename);
        if (!doc) return;
        const today = todayOf(context, options.today);
        const latest = addDays(today, horizon);
        for (const entry of doc.entries) {
          const { cleanupBy: raw, key: flag } = entry;
          if (raw === undefined) {
            context.report({
              loc: jsonLoc(doc.json, `${entry.pointer}/flag`),
              messageId: 'missing',
              data: { flag, horizon: String(horizon), example: latest },
            });
          } else if (typeof raw !== 'string' || !isValidDate(raw)) {
            context.report({
              loc: jsonLoc(doc.json, `${entry.pointer}/cleanup_by`),
              messageId: 'invalid',
              data: { flag, value: JSON.stringify(raw) },
            });
          } else if (daysBetween(today, raw) > horizon) {
            context.report({
              loc: jsonLoc(doc.json, `${entry.pointer}/cleanup_by`),
              messageId: 'tooFar',
              data: { flag, date: raw, days: String(daysBetween(today, raw)), horizon: String(horizon), latest },
            });
          }
        }
      },
    };
  },
});
