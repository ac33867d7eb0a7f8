/**
 * Ajv's schema errors reworded as BoardsProblems a person can act on: the JSONPath of the bad
 * value, the board it sits in, what is wrong ("is string \"x\", must be of type integer") and what
 * was expected there, taken from the schema's own `description`s. Ajv reports one failure many
 * times over (every branch of an anyOf, the `if` behind a `then`, a discriminator repeating
 * enum/required), so the noise is dropped and duplicates merged before wording.
 */
import type { ErrorObject } from 'ajv/dist/2020.js';
import type { BoardsProblem } from './errors.js';
import { pointerToJsonPath } from './json-text.js';
import { nearestName } from './nearest-name.js';

export type SchemaNode = { [key: string]: unknown };

/** Every distinct problem in `errors` (from validating `data` against `schema`), in order. */
export function schemaProblems(errors: readonly ErrorObject[], data: unknown, schema: SchemaNode): BoardsProblem[] {
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
      expected = descriptionOf(propertySchema(parent, name), schema) ?? descriptionAt(pointer, schema);
      break;
    }
    case 'additionalProperties': {
      const name = String(params.additionalProperty);
      pointer = `${pointer}/${name}`;
      const allowed = Object.keys((parent.properties ?? {}) as SchemaNode);
      const guess = nearestName(name, allowed);
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
      expected = descriptionOf(parent, schema) ?? descriptionAt(pointer, schema);
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
      expected = descriptionOf(parent, schema) ?? descriptionAt(pointer, schema);
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
function descriptionAt(pointer: string, root: SchemaNode): string | undefined {
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
