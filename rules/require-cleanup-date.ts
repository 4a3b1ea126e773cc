import { isValidDate, type FlagDefinition } from 'modelflags/registry';
import { jsonLoc, readRegistryDocument } from './registry-document.js';
import { addDays, daysBetween, momentOf, rolloutEndsAt } from 'modelflags/registry';
import { createRule, DATE_OPTION_SCHEMA, DEFAULT_DATE_OPTIONS, isJsonDocument, todayOf } from './support.js';

type MessageId = 'missing' | 'invalid' | 'tooFar' | 'beforeRolloutEnds';
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
      beforeRolloutEnds:
        '`{{flag}}`: "cleanup_by" {{date}} comes before rule {{rule}}\'s rollout reaches {{percent}}% ({{when}}), so the flag would be due for removal while different requests still get different variants. Move "cleanup_by" to {{ends}} or later, or shorten the schedule.',
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
          } else {
            const late = lateRollout(entry.definition, raw, momentOf(today));
            if (late)
              context.report({
                loc: jsonLoc(doc.json, `${entry.pointer}/cleanup_by`),
                messageId: 'beforeRolloutEnds',
                data: { flag, date: raw, ...late },
              });
          }
        }
      },
    };
  },
});

/** The first rollout of the flag that reaches its last step only after the day `cleanupBy`, as scheduled at `now`. */
function lateRollout(
  def: FlagDefinition | undefined,
  cleanupBy: string,
  now: number,
): { rule: string; percent: string; when: string; ends: string } | undefined {
  const dueAt = Date.parse(`${addDays(cleanupBy, 1)}T00:00:00Z`);
  for (const rule of def?.rules ?? []) {
    if (rule.rollout === undefined) continue;
    const endsAt = rolloutEndsAt(rule.rollout, now);
    if (endsAt === undefined || endsAt < dueAt) continue;
    const at = new Date(endsAt).toISOString();
    return {
      rule: String(rule.index + 1),
      percent: String(rule.rollout.steps.at(-1)!.percent),
      when: `${rule.rollout.promote === 'when-healthy' ? 'at the earliest ' : ''}at ${at}`,
      ends: at.slice(0, 10),
    };
  }
  return undefined;
}
