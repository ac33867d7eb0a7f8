/**
 * The rules of a boards file that its JSON Schema cannot state, checked once the schema passed:
 * board ids are unique across the file, a board names an OpenOCD config unless it attaches to
 * an OpenOCD that is already running, a kind "real" board has no virtual power or UART, a
 * board that allows power cuts has something that can cut the power, and its procedures are
 * sound (procedureRuleProblems).
 */
import { templatePlaceholders, TemplateError } from '../procedures/command-template.js';
import { BUILT_IN_PROCEDURES } from '../procedures/procedure.js';
import type { RawBoard, RawProcedure } from './board-record.js';
import type { BoardsProblem } from './errors.js';
import { PROCEDURE_PLACEHOLDERS } from './types.js';

/** Every rule broken by the (schema-valid) `boards`, in file order. */
export function boardRuleProblems(boards: readonly RawBoard[]): BoardsProblem[] {
  const problems: BoardsProblem[] = [];
  const firstIndexOf = new Map<string, number>();
  boards.forEach((b, i) => {
    const at = `$.boards[${i}]`;
    const first = firstIndexOf.get(b.id);
    if (first !== undefined) {
      problems.push({ jsonPath: `${at}.id`, boardId: b.id, problem: `duplicate board id, already used by $.boards[${first}]`, expected: 'a unique board id' });
    } else {
      firstIndexOf.set(b.id, i);
    }
    if (b.openocd.configs.length === 0 && b.openocd.tclHost === undefined) {
      problems.push({
        jsonPath: `${at}.openocd.configs`,
        boardId: b.id,
        problem: 'is empty',
        expected: 'at least one OpenOCD config, unless openocd.tclHost/tclPort name an OpenOCD that is already running',
      });
    }
    if (b.kind === 'real' && b.power.type === 'virtual') {
      problems.push({
        jsonPath: `${at}.power.type`,
        boardId: b.id,
        problem: '"virtual" power on a kind "real" board',
        expected: 'none, serial-relay or command',
      });
    }
    if (b.kind === 'real' && b.uart.virtual === true) {
      problems.push({
        jsonPath: `${at}.uart.virtual`,
        boardId: b.id,
        problem: 'a virtual UART on a kind "real" board',
        expected: '{ path, baud } or { host, port }',
      });
    }
    if (b.allows.powerCut && b.power.type === 'none') {
      problems.push({
        jsonPath: `${at}.allows.powerCut`,
        boardId: b.id,
        problem: 'is true but power.type is "none": nothing can cut the power',
        expected: 'false, or a power switch (serial-relay, command, virtual)',
      });
    }
    problems.push(...procedureRuleProblems(b.procedures ?? [], at, b.id));
  });
  return problems;
}

const PLACEHOLDERS_EXPECTED = `placeholders ${PROCEDURE_PLACEHOLDERS.map((p) => `{${p}}`).join(' ')} only, "{{" and "}}" for literal braces`;

/**
 * The rules of one board's procedures (`at` is the board's JSONPath): ids unique in the board, a
 * built-in id keeps its kind, templates use known placeholders with balanced braces, env names are
 * variable names, `usesHarnessOpenOcd` only without the probe, `shell` takes exactly one argv
 * string, and `progress` compiles as a JavaScript RegExp with a named group `percent` or `bytes`
 * (`total` only beside `bytes`).
 */
export function procedureRuleProblems(procedures: readonly RawProcedure[], at: string, boardId: string): BoardsProblem[] {
  const problems: BoardsProblem[] = [];
  const add = (jsonPath: string, problem: string, expected: string): void => {
    problems.push({ jsonPath, boardId, problem, expected });
  };
  const firstIndexOf = new Map<string, number>();
  procedures.forEach((p, j) => {
    const here = `${at}.procedures[${j}]`;
    const first = firstIndexOf.get(p.id);
    if (first !== undefined) add(`${here}.id`, `duplicate procedure id, already used by ${at}.procedures[${first}]`, 'a procedure id unique in the board');
    else firstIndexOf.set(p.id, j);
    const builtIn = BUILT_IN_PROCEDURES.find((b) => b.id === p.id);
    if (builtIn && builtIn.kind !== p.kind) {
      add(`${here}.kind`, `is "${p.kind}", but "${p.id}" is a built-in procedure of kind "${builtIn.kind}"`, `kind "${builtIn.kind}", or another id`);
    }
    if (p.kind !== 'command') return;

    const checkTemplate = (template: string, jsonPath: string): void => {
      let names: string[];
      try {
        names = templatePlaceholders(template);
      } catch (error) {
        if (!(error instanceof TemplateError)) throw error;
        add(jsonPath, `is ${JSON.stringify(template)}: ${error.problem}`, PLACEHOLDERS_EXPECTED);
        return;
      }
      const unknown = names.filter((n) => !(PROCEDURE_PLACEHOLDERS as readonly string[]).includes(n));
      if (unknown.length > 0) {
        add(jsonPath, `is ${JSON.stringify(template)}: unknown placeholder ${unknown.map((n) => `"{${n}}"`).join(', ')}`, PLACEHOLDERS_EXPECTED);
      }
    };
    p.argv.forEach((arg, k) => checkTemplate(arg, `${here}.argv[${k}]`));
    for (const [name, value] of Object.entries(p.env ?? {})) {
      const path = `${here}.env${member(name)}`;
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
        add(path, `"${name}" is not an environment variable name`, 'a name of letters, digits and _, not starting with a digit');
      checkTemplate(value, path);
    }
    if (p.usesHarnessOpenOcd === true && (p.needsProbe ?? true)) {
      add(
        `${here}.usesHarnessOpenOcd`,
        `is true but needsProbe is ${p.needsProbe === undefined ? 'true (the default)' : 'true'}: the harness's OpenOCD is stopped while a tool has the probe`,
        'needsProbe false beside usesHarnessOpenOcd true (the harness keeps the probe and the tool drives its OpenOCD)',
      );
    }
    if (p.shell === true && p.argv.length !== 1) {
      add(
        `${here}.argv`,
        `has ${p.argv.length} elements but shell is true`,
        'exactly one string, the script /bin/sh -c runs (or shell false and one argument per element)',
      );
    }
    if (p.progress !== undefined) {
      const problem = progressProblem(p.progress);
      if (problem !== undefined) add(`${here}.progress`, problem, PROGRESS_EXPECTED);
    }
  });
  return problems;
}

const PROGRESS_EXPECTED =
  'a JavaScript regex with a named group percent, or bytes (and optionally total), e.g. "write: (?<bytes>\\d+) of (?<total>\\d+) bytes"';

/** What is wrong with a progress regex (compiled without flags, as `new RegExp(progress)`), if anything. */
function progressProblem(source: string): string | undefined {
  let groups: string[];
  try {
    groups = namedGroups(new RegExp(source));
  } catch (error) {
    return `is ${JSON.stringify(source)}, not a JavaScript regex: ${(error as Error).message}`;
  }
  if (!groups.includes('percent') && !groups.includes('bytes')) {
    return `is ${JSON.stringify(source)}, which has no named group percent or bytes${groups.length > 0 ? ` (it has ${groups.join(', ')})` : ''}`;
  }
  if (groups.includes('total') && !groups.includes('bytes')) return `is ${JSON.stringify(source)}: a group total needs a group bytes`;
  return undefined;
}

/** The names of the named capture groups of `regex`: with an empty alternative it matches "", and `groups` lists every name. */
function namedGroups(regex: RegExp): string[] {
  return Object.keys(new RegExp(`(?:${regex.source})|`).exec('')?.groups ?? {});
}

/** A JSONPath member accessor for an object key, as json-text.ts writes them. */
function member(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
}
