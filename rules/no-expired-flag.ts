import type { FlagDefinition, FlagValue } from 'modelflags/registry';
import { daysBetween, isValidDate, removeFlagCommand, retirementOf } from 'modelflags/registry';
import { jsonLoc, readRegistryDocument } from './registry-document.js';
import {
  createRule,
  DATE_OPTION_SCHEMA,
  DEFAULT_DATE_OPTIONS,
  isJsonDocument,
  keysOfRead,
  NO_REGISTRY_MESSAGE,
  registryAndReads,
  todayOf,
} from './support.js';

type MessageId = 'expired' | 'expiring' | 'expiredRead' | 'expiringRead' | 'noRegistry';
type Options = [{ maxHorizonDays?: number; warnWithinDays?: number; today?: string }];

function removal(flag: FlagDefinition, today: string): Record<string, string> {
  const { keep, why, command } = retirementOf(flag, today);
  return removalData(flag.key, keep, why, command);
}

function removalData(key: string, keep: FlagValue | undefined, why: string, command: string): Record<string, string> {
  if (keep === undefined) return { flag: key, command, variant: 'the variant that won', why };
  return { flag: key, command, variant: JSON.stringify(keep), why: `keeping ${JSON.stringify(keep)}: ${why}` };
}

// An expired flag is read in many places and files; the advice is the same at each. Keyed by the
// definition, which the registry memo keeps while flags.json is unchanged. A flag with a rollout
// is not kept: the rollout moves on while the file stays the same, and the advice with it.
const removals = new WeakMap<FlagDefinition, Record<string, string>>();

function removalOf(flag: FlagDefinition, today: string): Record<string, string> {
  if (flag.rules.some((rule) => rule.rollout !== undefined)) return removal(flag, today);
  let data = removals.get(flag);
  if (!data) {
    data = removal(flag, today);
    removals.set(flag, data);
  }
  return data;
}

export default createRule<Options, MessageId>({
  name: 'no-expired-flag',
  meta: {
    type: 'problem',
    docs: {
      description:
        'Report flags past their `cleanup_by` date, in the registry and at every read, with the command that removes them',
    },
    messages: {
      expired: '`{{flag}}` passed its cleanup date {{date}} ({{ago}}). Remove it: `{{command}}` ({{why}}).',
      expiring: '`{{flag}}` reaches its cleanup date {{date}} {{when}}. Plan its removal: `{{command}}` ({{why}}).',
      expiredRead:
        'Flag `{{flag}}` passed its cleanup date {{date}} ({{ago}}); this read should go. Run `{{command}}` to inline {{variant}} everywhere ({{why}}).',
      expiringRead:
        'Flag `{{flag}}` reaches its cleanup date {{date}} {{when}}; this read will be removed by `{{command}}` ({{why}}).',
      noRegistry: NO_REGISTRY_MESSAGE,
    },
    schema: [DATE_OPTION_SCHEMA],
  },
  defaultOptions: [{ ...DEFAULT_DATE_OPTIONS }],
  create(context, [options]) {
    const warnWithin = options.warnWithinDays ?? DEFAULT_DATE_OPTIONS.warnWithinDays;
    const status = (date: string, today: string): { expired: boolean; data: Record<string, string> } | undefined => {
      const days = daysBetween(today, date);
      if (days < 0) return { expired: true, data: { date, ago: days === -1 ? 'yesterday' : `${-days} days ago` } };
      if (days <= warnWithin)
        return {
          expired: false,
          data: { date, when: days === 0 ? 'today' : days === 1 ? 'tomorrow' : `in ${days} days` },
        };
      return undefined;
    };
    if (isJsonDocument(context)) {
      return {
        Document() {
          const doc = readRegistryDocument(context.sourceCode.text, context.filename);
          if (!doc) return;
          const today = todayOf(context, options.today);
          for (const entry of doc.entries) {
            if (typeof entry.cleanupBy !== 'string' || !isValidDate(entry.cleanupBy)) continue;
            const s = status(entry.cleanupBy, today);
            if (!s) continue;
            context.report({
              loc: jsonLoc(doc.json, `${entry.pointer}/cleanup_by`),
              messageId: s.expired ? 'expired' : 'expiring',
              data: {
                ...s.data,
                ...(entry.definition
                  ? removal(entry.definition, today)
                  : removalData(
                      entry.key,
                      undefined,
                      'the registry has problems, so which variant everyone gets is unknown; name the one that won',
                      removeFlagCommand(entry.key, undefined),
                    )),
              },
            });
          }
        },
      };
    }
    return {
      Program() {
        const found = registryAndReads(context);
        if (!found) return;
        const { registry, reads } = found;
        const today = todayOf(context, options.today);
        for (const read of reads) {
          for (const key of keysOfRead(context, read) ?? []) {
            const flag = registry.byKey.get(key);
            if (!flag?.cleanupBy) continue;
            const s = status(flag.cleanupBy, today);
            if (!s) continue;
            context.report({
              node: read.keyNode ?? read.call,
              messageId: s.expired ? 'expiredRead' : 'expiringRead',
              data: { ...s.data, ...removalOf(flag, today) },
            });
          }
        }
      },
    };
  },
});
