/** The head of every spec: labels, and the parameters that identify a case (its history key). */
import { labels, parameter, type Labels, type ParameterValue } from './allure.js';

/** The parameters that identify a case: board, image, fault point, injector, seed. */
export interface CaseParameters {
  readonly board?: string;
  readonly image?: string;
  readonly faultPoint?: string;
  readonly injector?: string;
  readonly seed?: number;
  readonly [name: string]: ParameterValue;
}

const PARAMETER_NAMES: Readonly<Record<string, string>> = { board: 'board', image: 'image', faultPoint: 'fault point', injector: 'injector', seed: 'seed' };

export async function caseParameters(values: CaseParameters): Promise<void> {
  for (const [key, value] of Object.entries(values)) if (value !== undefined) await parameter(PARAMETER_NAMES[key] ?? key, value);
}

/** Labels and parameters in one call, the head of every spec. */
export async function describeCase(caseLabels: Labels, values: CaseParameters = {}): Promise<void> {
  await labels(caseLabels);
  await caseParameters(values);
}
