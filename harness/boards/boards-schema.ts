/**
 * The boards file's JSON Schema (boards.schema.json, draft 2020-12) and the one compiled
 * validator for it, built on first use: ajv with every error collected (a person fixes a file
 * once, not once per error) and verbose errors, which carry the schema and value the problem
 * wording needs. Validation answers with BoardsProblems, empty when the file has the right shape.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import type { BoardsProblem } from './errors.js';
import { schemaProblems, type SchemaNode } from './schema-problems.js';

export const BOARDS_SCHEMA_PATH = fileURLToPath(new URL('./boards.schema.json', import.meta.url));

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

/** What keeps parsed JSON `data` from matching the boards schema; empty if it matches. */
export function checkBoardsSchema(data: unknown): BoardsProblem[] {
  const { schema, validate } = schemaAndValidator();
  return validate(data) ? [] : schemaProblems(validate.errors ?? [], data, schema);
}
