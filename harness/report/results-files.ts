/**
 * Run-level files of an Allure results directory: environment.properties (what ran where) and
 * categories.json (how failures are grouped in the report). The runner writes both once a run.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { FileSystemWriter } from 'allure-js-commons/sdk/reporter';
import type { Category } from 'allure-js-commons/sdk';
import { VerdictCategory } from '../exit-codes.js';

/**
 * Phrases that verdict messages start with, so the report sorts them into categories. Specs and
 * checks use them in their assertion messages, e.g.
 * `expect(map.staleSectors, `${VerdictPhrase.flashNotCleared}: ...`).to.be.empty`; a VerdictError
 * (harness/exit-codes.ts) puts its category there itself. One list: the categories of the rule.
 */
export const VerdictPhrase = VerdictCategory;

/**
 * The report's failure categories, first match wins: verdict categories by message, then the
 * catch-all for broken runs. Kept in categories.json so that Allure 3's config
 * (harness/report/allurerc.mjs) reads the same list; regexes are `[\s\S]*phrase[\s\S]*`
 * because Allure 2 matches them against the whole message.
 */
export const HIL_CATEGORIES: readonly Category[] = JSON.parse(readFileSync(new URL('./categories.json', import.meta.url), 'utf8')) as Category[];

/**
 * The category a result falls into, as the report files it: the first category whose statuses
 * include `status` and whose pattern matches the whole message. Undefined: none (a verdict whose
 * message names no category).
 */
export function categoryOf(status: string, message: string, categories: readonly Category[] = HIL_CATEGORIES): string | undefined {
  for (const c of categories) {
    if (c.matchedStatuses && !c.matchedStatuses.includes(status as never)) continue;
    if (c.messageRegex !== undefined && !new RegExp(`^${c.messageRegex}$`).test(message)) continue;
    return c.name;
  }
  return undefined;
}

export type EnvironmentInfo = Readonly<Record<string, string | number | boolean | undefined>>;

/** Write `environment.properties` (undefined values are left out). */
export function writeEnvironmentProperties(resultsDir: string, info: EnvironmentInfo): void {
  mkdirSync(resultsDir, { recursive: true });
  const text: Record<string, string> = {};
  for (const [key, value] of Object.entries(info)) if (value !== undefined) text[key] = String(value);
  new FileSystemWriter({ resultsDir }).writeEnvironmentInfo(text);
}

/** Write `categories.json`: the HIL categories unless others are given. */
export function writeCategories(resultsDir: string, categories: readonly Category[] = HIL_CATEGORIES): void {
  mkdirSync(resultsDir, { recursive: true });
  new FileSystemWriter({ resultsDir }).writeCategoriesDefinitions([...categories]);
}
