/**
 * Load and validate a boards file (boards.json) against boards.schema.json, then check what a
 * schema cannot say (unique ids, coherent kind/power/uart), and return behaviour-free records.
 * Every error names the file, the board id when known, the JSONPath of the bad value and what
 * was expected there.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { BoardsFileError } from './errors.js';
import type { BoardsProblem } from './errors.js';
import { parseJsonText, pointerToJsonPath } from './json-text.js';
import type { BoardInventory, BoardRecord, PowerSpec, UartSpec } from './types.js';

export const BOARDS_SCHEMA_PATH = fileURLToPath(new URL('./boards.schema.json', import.meta.url));

type SchemaNode = { [key: string]: unknown };

let compiled: { schema: SchemaNode; validate: ValidateFunction } | undefined;

function schemaAndValidator(): { schema: SchemaNode; validate: ValidateFunction } {
  if (!compiled) {
    const schema = JSON.parse(readFileSync(BOARDS_SCHEMA_PATH, 'utf8')) as SchemaNode;
    // verbose: errors carry parentSchema (for "expected") and data (for "got").
    const ajv = new Ajv2020({ allErrors: true, verbose: true, discriminator: true, strict: true, strictRequired: false });
    compiled = { schema, validate: ajv.compile(schema) };
  }
  return compiled;
}

/** The raw JSON shapes the schema admits (before paths are resolved). */
interface RawBoard {
  id: string;
  description: string;
  kind: 'virtual' | 'real';
  openocd: {
    binary?: string;
    configs: string[];
    commands?: string[];
    searchDirs?: string[];
    tclHost?: string;
    tclPort?: number;
  };
  target: BoardRecord['target'];
  qspi: { bank: string | number; base: number | string; chip: 'W25Q512JV'; jedecId: string };
  uart: { path?: string; virtual?: true; host?: string; port?: number; baud?: number };
  power: PowerSpec;
  reset: BoardRecord['reset'];
  allows: BoardRecord['allows'];
  virtual?: { timeScale: number };
}

/** Read, parse and validate a boards file. Referenced files are checked by `findMissingFiles`. */
export function loadBoardsFile(path: string): BoardInventory {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const problem =
      code === 'ENOENT' ? 'file does not exist' : code === 'EISDIR' ? 'is a directory, not a file' : `cannot be read (${code ?? String(error)})`;
    throw new BoardsFileError(file, [{ jsonPath: '$', problem, expected: 'a JSON boards file (see harness/boards/boards.schema.json)' }], {
      cause: error,
    });
  }

  const parsed = parseJsonText(text);
  if ('syntax' in parsed) {
    const { message, line, column } = parsed.syntax;
    throw new BoardsFileError(file, [{ jsonPath: '$', line, column, problem: `not valid JSON: ${message}` }]);
  }
  const data = parsed.value;

  const { schema, validate } = schemaAndValidator();
  if (!validate(data)) {
    throw new BoardsFileError(file, schemaProblems(validate.errors ?? [], data, schema));
  }
  const raw = (data as { boards: RawBoard[] }).boards;
  const semantic = semanticProblems(raw);
  if (semantic.length > 0) throw new BoardsFileError(file, semantic);

  return { file, boards: raw.map((board, index) => toRecord(board, index, file)) };
}

/** Referenced files of one board that do not exist: configs, search dirs, a binary given by path. */
export function findMissingFiles(board: BoardRecord): BoardsProblem[] {
  const problems: BoardsProblem[] = [];
  const at = board.source.jsonPath;
  const expectKind = (path: string, jsonPath: string, want: 'file' | 'directory'): void => {
    let found: 'file' | 'directory' | 'other' | undefined;
    try {
      const st = statSync(path);
      found = st.isFile() ? 'file' : st.isDirectory() ? 'directory' : 'other';
    } catch {
      found = undefined;
    }
    if (found === want) return;
    problems.push({
      jsonPath,
      boardId: board.id,
      problem: found === undefined ? `${want} does not exist: ${path}` : `is a ${found}, not a ${want}: ${path}`,
      expected: `a path relative to the boards file (${dirname(board.source.file)})`,
    });
  };
  board.openocd.configs.forEach((cfg, i) => expectKind(cfg, `${at}.openocd.configs[${i}]`, 'file'));
  board.openocd.searchDirs.forEach((dir, i) => expectKind(dir, `${at}.openocd.searchDirs[${i}]`, 'directory'));
  if (board.openocd.binary !== undefined && isAbsolute(board.openocd.binary)) {
    expectKind(board.openocd.binary, `${at}.openocd.binary`, 'file');
  }
  return problems;
}

/** Throws a BoardsFileError listing every referenced file of `board` that is missing. */
export function assertBoardFilesExist(board: BoardRecord): void {
  const missing = findMissingFiles(board);
  if (missing.length > 0) throw new BoardsFileError(board.source.file, missing);
}

function toRecord(raw: RawBoard, index: number, file: string): BoardRecord {
  const base = dirname(file);
  const fromBoardsFile = (p: string): string => resolve(base, p);
  const binary = raw.openocd.binary;
  let uart: UartSpec;
  if (raw.uart.host !== undefined && raw.uart.port !== undefined) {
    uart = { kind: 'network', host: raw.uart.host, port: raw.uart.port, ...(raw.uart.baud !== undefined ? { baud: raw.uart.baud } : {}) };
  } else if (raw.uart.virtual === true) {
    uart = { kind: 'virtual', baud: raw.uart.baud ?? 115200 };
  } else {
    uart = { kind: 'tty', path: raw.uart.path ?? '', baud: raw.uart.baud ?? 115200 };
  }
  return {
    id: raw.id,
    description: raw.description,
    kind: raw.kind,
    openocd: {
      // A bare name is looked up on PATH when started; anything with a slash is a path.
      ...(binary !== undefined ? { binary: binary.includes('/') ? fromBoardsFile(binary) : binary } : {}),
      configs: raw.openocd.configs.map(fromBoardsFile),
      commands: raw.openocd.commands ?? [],
      searchDirs: (raw.openocd.searchDirs ?? []).map(fromBoardsFile),
      ...(raw.openocd.tclHost !== undefined ? { tclHost: raw.openocd.tclHost, tclPort: raw.openocd.tclPort } : {}),
    },
    target: { ...raw.target },
    qspi: {
      bank: raw.qspi.bank,
      base: typeof raw.qspi.base === 'string' ? Number.parseInt(raw.qspi.base.slice(2), 16) : raw.qspi.base,
      chip: raw.qspi.chip,
      jedecId: raw.qspi.jedecId.toLowerCase(),
    },
    uart,
    power: { ...raw.power },
    reset: { ...raw.reset },
    allows: { ...raw.allows },
    ...(raw.virtual !== undefined ? { virtual: { ...raw.virtual } } : {}),
    source: { file, jsonPath: `$.boards[${index}]` },
  };
}

/** Rules the schema cannot state: unique ids, and a kind that matches its power and UART. */
function semanticProblems(boards: RawBoard[]): BoardsProblem[] {
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
      problems.push({ jsonPath: `${at}.power.type`, boardId: b.id, problem: '"virtual" power on a kind "real" board', expected: 'none, serial-relay or command' });
    }
    if (b.kind === 'real' && b.uart.virtual === true) {
      problems.push({ jsonPath: `${at}.uart.virtual`, boardId: b.id, problem: 'a virtual UART on a kind "real" board', expected: '{ path, baud } or { host, port }' });
    }
    if (b.allows.powerCut && b.power.type === 'none') {
      problems.push({
        jsonPath: `${at}.allows.powerCut`,
        boardId: b.id,
        problem: 'is true but power.type is "none": nothing can cut the power',
        expected: 'false, or a power switch (serial-relay, command, virtual)',
      });
    }
  });
  return problems;
}

// ---- schema errors -> problems -------------------------------------------------------------

function schemaProblems(errors: readonly ErrorObject[], data: unknown, schema: SchemaNode): BoardsProblem[] {
  // anyOf/oneOf branch errors are noise once the anyOf itself is reported; `if` only says
  // "must match then", whose own errors are reported; discriminator errors repeat enum/required.
  const unions = errors.filter((e) => e.keyword === 'anyOf');
  const kept = errors.filter((e) => {
    if (e.keyword === 'if' || e.keyword === 'oneOf' || e.keyword === 'discriminator') return false;
    return !unions.some((u) => u !== e && e.schemaPath.startsWith(`${u.schemaPath}/`) && e.instancePath.startsWith(u.instancePath));
  });
  const seen = new Set<string>();
  const problems: BoardsProblem[] = [];
  for (const e of kept) {
    const p = toProblem(e, data, schema);
    const key = `${p.jsonPath}|${p.problem}`;
    if (!seen.has(key)) {
      seen.add(key);
      problems.push(p);
    }
  }
  return problems;
}

function toProblem(e: ErrorObject, data: unknown, schema: SchemaNode): BoardsProblem {
  let pointer = e.instancePath;
  let problem: string;
  let expected: string | undefined;
  const params = e.params as Record<string, unknown>;
  const parent = (typeof e.parentSchema === 'object' ? e.parentSchema : {}) as SchemaNode;
  const got = describeValue(e.data);
  switch (e.keyword) {
    case 'required': {
      const name = String(params.missingProperty);
      pointer = `${pointer}/${name}`;
      problem = 'is missing';
      expected = descriptionOf(propertySchema(parent, name), schema) ?? descriptionAt(pointer, data, schema);
      break;
    }
    case 'additionalProperties': {
      const name = String(params.additionalProperty);
      pointer = `${pointer}/${name}`;
      const allowed = Object.keys((parent.properties ?? {}) as SchemaNode);
      const guess = closest(name, allowed);
      problem = `unknown field "${name}"${guess !== undefined ? ` (did you mean "${guess}"?)` : ''}`;
      expected = `one of the fields ${allowed.join(', ')}`;
      break;
    }
    case 'dependentRequired': {
      problem = `has ${String(params.property)} but not ${String(params.missingProperty)}`;
      expected = `${String(params.property)} and ${String(params.missingProperty)} together`;
      break;
    }
    case 'enum':
      problem = `is ${got}, not one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
      expected = descriptionOf(parent, schema);
      break;
    case 'const':
      problem = `is ${got}, must be ${JSON.stringify(params.allowedValue)}`;
      expected = descriptionOf(parent, schema);
      break;
    case 'type':
      problem = `is ${got}, must be of type ${String(params.type)}`;
      expected = descriptionOf(parent, schema) ?? descriptionAt(pointer, data, schema);
      break;
    case 'anyOf':
      problem = `is ${got}, which has none of the accepted forms`;
      expected = descriptionOf(parent, schema);
      break;
    case 'false schema':
      problem = pointer.endsWith('/virtual') ? 'is only allowed on kind "virtual" boards' : 'is not allowed here';
      expected = undefined;
      break;
    default:
      problem = `is ${got}, ${e.message ?? e.keyword}`;
      expected = descriptionOf(parent, schema) ?? descriptionAt(pointer, data, schema);
  }
  const boardId = boardIdAt(pointer, data);
  return { jsonPath: pointerToJsonPath(pointer), ...(boardId !== undefined ? { boardId } : {}), problem, ...(expected !== undefined ? { expected } : {}) };
}

function boardIdAt(pointer: string, data: unknown): string | undefined {
  const m = /^\/boards\/(\d+)(\/|$)/.exec(pointer);
  if (!m) return undefined;
  const boards = (data as { boards?: unknown }).boards;
  if (!Array.isArray(boards)) return undefined;
  const entry = boards[Number(m[1])] as { id?: unknown } | undefined;
  return typeof entry?.id === 'string' ? entry.id : undefined;
}

function propertySchema(node: SchemaNode, name: string): SchemaNode | undefined {
  const props = node.properties as Record<string, SchemaNode> | undefined;
  return props?.[name];
}

function deref(node: SchemaNode | undefined, root: SchemaNode): SchemaNode | undefined {
  let current = node;
  for (let hops = 0; current && typeof current.$ref === 'string' && hops < 8; hops++) {
    const name = current.$ref.replace(/^#\/\$defs\//, '');
    current = (root.$defs as Record<string, SchemaNode>)[name];
  }
  return current;
}

function descriptionOf(node: SchemaNode | undefined, root: SchemaNode): string | undefined {
  if (!node) return undefined;
  if (typeof node.description === 'string') return node.description;
  const target = deref(node, root);
  return typeof target?.description === 'string' ? target.description : undefined;
}

/** Walk the schema along an instance pointer (properties, items, $ref) for a description. */
function descriptionAt(pointer: string, _data: unknown, root: SchemaNode): string | undefined {
  let node: SchemaNode | undefined = root;
  for (const seg of pointer.split('/').slice(1)) {
    node = deref(node, root);
    if (!node) return undefined;
    if (/^\d+$/.test(seg) && node.items) node = node.items as SchemaNode;
    else node = propertySchema(node, seg);
  }
  return descriptionOf(node, root);
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'absent';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** The allowed name nearest to a typo (edit distance at most 2), if any. */
function closest(name: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of allowed) {
    const d = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(above + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}
