/**
 * The evidence a registry entry may go: no file of the project that remove-flag did not rewrite
 * still names the key. remove-flag rewrites the paths it is given; a workspace package or a
 * folder left out of them may still read the flag, and removing its entry then breaks that code
 * at run time (an unknown flag) while the report says "removed".
 */
import { readFileSync } from 'node:fs';
import { dirname, relative, sep } from 'node:path';
import { parse } from '@babel/parser';
import { camelCase, listSourceFiles, workspaceRootOf } from 'eslint-plugin-modelflags/detection';
import { importSources } from './import-graph.js';
import { coversProject, isGenerated } from './project-files.js';
import type { ProjectRewrite } from './project-rewrite.js';
import { generatedModulesFor } from './registry-edit.js';
import type { Site } from './rewrite.js';

/**
 * The project a registry belongs to: the monorepo whose root or one of whose packages holds the
 * registry (npm/yarn `workspaces`, pnpm-workspace.yaml), else the registry's own directory.
 */
export function projectRootOf(registryPath: string): string {
  const own = dirname(registryPath);
  return workspaceRootOf(own) ?? own;
}

/**
 * Why a mention left is a site: during a removal it keeps the registry entry; for a flag that is
 * not in the registry (absent-flags.ts) it may read a flag nothing serves any more.
 */
export type MentionContext = 'removal' | 'absent';

/**
 * Sites still naming a retired key once the rewrite is done: in the files it rewrote (a read
 * through something it does not recognise) and in project files outside the paths given (other
 * workspace packages, folders left out), which it did not rewrite. The entry stays while any is
 * left: removing it is only safe once nothing in the project can still read the flag. `prose`:
 * the key inside longer text (a tour step, a log message), not a read but likely stale, for notes.
 */
export async function remainingMentions(
  root: string,
  cwd: string,
  paths: readonly string[],
  discovered: ReadonlySet<string>,
  rewritten: ReadonlyMap<string, string>,
  rewrite: Pick<ProjectRewrite, 'decisions' | 'keyExports'>,
  registryPath: string,
  known: readonly Site[],
  context: MentionContext = 'removal',
): Promise<{ sites: Site[]; prose: Site[] }> {
  const names = [...rewrite.decisions.keys()].map((flag) => ({
    flag,
    holders: [...rewrite.keyExports.values()].flatMap((exports) =>
      [...exports].filter(([, key]) => key === flag).map(([name]) => name),
    ),
  }));
  // A script that drives remove-flag names the flags it retires: that is not a read.
  const isExempt = (file: string, text: string): boolean =>
    isGenerated(text) ||
    generatedModulesFor(registryPath, [file], new Map([[file, text]])).size > 0 ||
    importSources(text).some((s) => /(^|\/)(codemods\/)?remove-flag(\.[cm]?[jt]s)?$/.test(s));
  // A file with a site already left for a human keeps the entry anyway, and the human reading it
  // sees the rest: one report a file and flag is enough.
  const siteKey = (file: string, flag: string | undefined): string => `${file}\0${flag ?? ''}`;
  const reported = new Set(known.map((s) => siteKey(s.file, s.flag)));
  const sites: Site[] = [];
  const prose: Site[] = [];
  for (const [file, text] of rewritten) {
    if (isExempt(file, text)) continue;
    const shown = relative(cwd, file).split(sep).join('/');
    const found = keyMentions(file, text, names, context === 'absent' ? ABSENT : REWRITTEN_BUT_NAMED);
    sites.push(
      ...found.sites.filter((s) => !reported.has(siteKey(shown, s.flag)) && !reported.has(siteKey(shown, undefined))),
    );
    prose.push(...found.prose);
  }
  if (coversProject(root, cwd, paths)) return { sites, prose };
  const { files } = await listSourceFiles(root, ['.'], 'rewrite', ['**/dist/**']);
  for (const file of files) {
    if (discovered.has(file)) continue;
    let text: string;
    try {
      text = readFileSync(file, 'latin1');
    } catch {
      continue;
    }
    if (isExempt(file, text)) continue;
    const found = keyMentions(file, text, names, context === 'absent' ? ABSENT : OUTSIDE_PATHS);
    sites.push(...found.sites);
    prose.push(...found.prose);
  }
  return { sites, prose };
}

/** What a retired flag may still be read through in code remove-flag did not rewrite. */
interface KeyNames {
  flag: string;
  /** Exported identifiers the rewrite found holding the key (`MODEL_FLAG`, `Keys.Model`). */
  holders: readonly string[];
}

/**
 * Sites in `text` that name a retired key: the key as a whole string, the key or its camelCase
 * form as a property (`flags.inference_model`, `useFlags().inferenceModel`), or an identifier
 * that held it. Comments do not count; the key as a word of longer text (a string, a template, JSX
 * text) is `prose`. `consequence` ends each reason: what the mention means for this run.
 */
function keyMentions(
  file: string,
  text: string,
  names: readonly KeyNames[],
  consequence: string,
): { sites: Site[]; prose: Site[] } {
  const candidates = names.filter((n) =>
    [n.flag, camelCase(n.flag), ...n.holders.map(lastSegment)].some((t) => text.includes(t)),
  );
  if (candidates.length === 0) return { sites: [], prose: [] };
  let tokens: Token[];
  try {
    tokens = parse(text, {
      sourceType: 'unambiguous',
      plugins: [/\.[cm]?tsx?$/.test(file) ? 'typescript' : 'flow', 'jsx'],
      tokens: true,
      errorRecovery: true,
    }).tokens as Token[];
  } catch {
    return { sites: lineMentions(file, text, candidates, consequence === ABSENT), prose: [] };
  }
  const sites: Site[] = [];
  const prose: Site[] = [];
  const code = tokens.filter((t) => labelOf(t) !== 'CommentLine' && labelOf(t) !== 'CommentBlock');
  for (const [i, token] of code.entries()) {
    const label = labelOf(token);
    const value = typeof token.value === 'string' ? token.value : undefined;
    if (value === undefined) continue;
    const afterDot = i > 0 && (labelOf(code[i - 1]!) === '.' || labelOf(code[i - 1]!) === '?.');
    for (const { flag, holders } of candidates) {
      let why: string | undefined;
      if ((label === 'string' || label === 'template' || label === 'jsxText') && value !== flag) {
        const at = asWord(flag).exec(value)?.index;
        // At the key itself, not where a text spread over lines starts.
        const before = at === undefined ? [] : value.slice(0, at).split('\n');
        if (at !== undefined)
          prose.push({
            file,
            line: token.loc.start.line + before.length - 1,
            // A string token starts at its quote; a template's and JSX text's at their text.
            column:
              before.at(-1)!.length + 1 + (before.length > 1 ? 0 : token.loc.start.column + Number(label === 'string')),
            flag,
            reason: `the key "${flag}" is named in this text: not a read, but what it says about the flag may need updating by hand`,
          });
        continue;
      }
      if ((label === 'string' || label === 'template') && value === flag) why = `the key "${flag}" is still here`;
      else if (label === 'name' && afterDot && (value === flag || value === camelCase(flag)))
        why = `the key "${flag}" is still read here as a property`;
      else if (label === 'name') {
        const holder = holders.find(
          (h) =>
            lastSegment(h) === value &&
            (!h.includes('.') ||
              (afterDot && labelOf(code[i - 2]!) === 'name' && h === `${code[i - 2]!.value}.${value}`)),
        );
        if (holder) why = `${holder} held the key "${flag}" and is still used here`;
      }
      if (why)
        sites.push({
          file,
          line: token.loc.start.line,
          column: token.loc.start.column + 1,
          flag,
          reason: `${why}, ${consequence}`,
        });
    }
  }
  return { sites, prose };
}

/** The key as a word of longer text: not inside a longer key or identifier (a sentence's full stop may follow). */
function asWord(flag: string): RegExp {
  return new RegExp(`(?<![\\w.-])${flag.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w-]|\\.\\w)`);
}

const OUTSIDE_PATHS =
  'in a file remove-flag did not rewrite (outside the paths given): a read may remain, so the entry was kept; rewrite this file too (pass its folder) or remove the mention';
const REWRITTEN_BUT_NAMED =
  "after the rewrite, in a way remove-flag does not recognise as a read (an in-house reader? declare it in the registry's `readers`): a read may remain, so the entry was kept; clean it by hand or declare the reader and run again";
const ABSENT =
  'but the flag is not in the registry: code reading it gets the fallback value, and nothing declares it any more; remove this by hand, or put the flag back in the registry and run remove-flag on it';

interface Token {
  type: string | { label: string };
  value?: unknown;
  loc: { start: { line: number; column: number } };
}

function labelOf(token: Token): string {
  return typeof token.type === 'string' ? token.type : token.type.label;
}

function lastSegment(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}

/** For a file that does not parse: every line naming the key at all, to be safe. */
function lineMentions(file: string, text: string, names: readonly KeyNames[], absent: boolean): Site[] {
  const sites: Site[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    for (const { flag } of names) {
      const column = line.indexOf(flag);
      if (column >= 0)
        sites.push({
          file,
          line: i + 1,
          column: column + 1,
          flag,
          reason: absent
            ? `the key "${flag}" is named here, in a file remove-flag cannot parse, ${ABSENT}`
            : `the key "${flag}" is named here, in a file remove-flag did not rewrite and cannot parse: a read may remain, so the entry was kept`,
        });
    }
  }
  return sites;
}
