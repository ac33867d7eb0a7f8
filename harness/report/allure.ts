/**
 * The Allure calls specs and drivers make: steps with parameters, parameters, attachments,
 * labels. Thin over allure-js-commons; outside a test run (a `hil` command used by a person) no
 * Allure runtime is installed, and every helper then just does the work without reporting.
 */
import * as allure from 'allure-js-commons';
import { getGlobalTestRuntime } from 'allure-js-commons/sdk/runtime';

export type ParameterValue = string | number | bigint | boolean | null | undefined;

/** True when a reporter (allure-mocha) collects results; false in plain CLI use. */
export function isReporting(): boolean {
  return getGlobalTestRuntime().constructor.name !== 'NoopTestRuntime';
}

/** How a parameter value is shown; callers pass addresses already formatted as hex. */
export function formatParameter(value: ParameterValue): string {
  if (value === undefined) return '(none)';
  if (value === null) return 'null';
  return String(value);
}

/**
 * Run `body` as an Allure step named `name`, recording `params` on the step. A throw fails the
 * step (and is rethrown); the step's result is `body`'s.
 */
export async function step<T>(name: string, body: () => T | PromiseLike<T>, params?: Readonly<Record<string, ParameterValue>>): Promise<T> {
  if (!isReporting()) return await body();
  return await allure.step(name, async (context) => {
    for (const [key, value] of Object.entries(params ?? {})) await context.parameter(key, formatParameter(value));
    return await body();
  });
}

/** A test-level parameter (board, image, fault point): shown in the report and in its history key. */
export async function parameter(name: string, value: ParameterValue): Promise<void> {
  if (isReporting()) await allure.parameter(name, formatParameter(value));
}

export async function attachText(name: string, text: string): Promise<void> {
  if (isReporting()) await allure.attachment(name, text, { contentType: allure.ContentType.TEXT, fileExtension: 'txt' });
}

/** JSON attachment; bigint values are written as decimal strings. */
export async function attachJson(name: string, value: unknown): Promise<void> {
  if (!isReporting()) return;
  const text = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2);
  await allure.attachment(name, text, { contentType: allure.ContentType.JSON, fileExtension: 'json' });
}

/** Attach a file from disk (OpenOCD log, sector map picture) with its MIME type. */
export async function attachFile(name: string, path: string, contentType: string): Promise<void> {
  if (isReporting()) await allure.attachmentPath(name, path, { contentType });
}

export type Severity = 'blocker' | 'critical' | 'normal' | 'minor' | 'trivial';

export interface Labels {
  readonly epic?: string;
  readonly feature?: string;
  readonly story?: string;
  readonly severity?: Severity;
}

/** Group a test in the report's behaviours view and rank it. */
export async function labels(values: Labels): Promise<void> {
  if (!isReporting()) return;
  if (values.epic !== undefined) await allure.epic(values.epic);
  if (values.feature !== undefined) await allure.feature(values.feature);
  if (values.story !== undefined) await allure.story(values.story);
  if (values.severity !== undefined) await allure.severity(values.severity);
}
