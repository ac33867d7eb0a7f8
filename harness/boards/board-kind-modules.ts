/**
 * Where board kinds come from: package.json's `hil.boardKinds` maps a kind to the module that
 * registers it, relative to package.json, e.g.
 *   "hil": { "boardKinds": { "virtual": "./fixtures/virtual-board/board-kind.ts" } }
 * That field is the composition root: the harness imports a kind's module only through it, the
 * first time a board of that kind is needed.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { NoVerdictError } from '../exit-codes.js';
import { REPO_ROOT } from './select.js';

/** The package.json that lists the board kinds. */
export const BOARD_KINDS_MANIFEST = join(REPO_ROOT, 'package.json');

export class BoardKindUnavailableError extends NoVerdictError {
  constructor(
    readonly kind: string,
    /** The module the manifest names for the kind, if any. */
    readonly module: string | undefined,
    readonly manifest: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      `board kind "${kind}" is not available: ${reason} (${module !== undefined ? `module ${module}, ` : ''}listed in ${manifest} under hil.boardKinds)`,
      options,
    );
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function boardKindModules(kind: string, manifest: string): Readonly<Record<string, unknown>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(manifest, 'utf8'));
  } catch (error) {
    throw new BoardKindUnavailableError(kind, undefined, manifest, `cannot read the manifest: ${errorText(error)}`, { cause: error });
  }
  const kinds = (parsed as { hil?: { boardKinds?: unknown } }).hil?.boardKinds;
  return typeof kinds === 'object' && kinds !== null ? (kinds as Record<string, unknown>) : {};
}

/** Imports the module the manifest names for `kind`; returns its path as written there. */
export async function importBoardKindModule(kind: string, manifest: string = BOARD_KINDS_MANIFEST): Promise<string> {
  const modules = boardKindModules(kind, manifest);
  const module = modules[kind];
  if (typeof module !== 'string') {
    const known = Object.keys(modules);
    throw new BoardKindUnavailableError(
      kind,
      undefined,
      manifest,
      `no module is listed for it (listed kinds: ${known.length > 0 ? known.join(', ') : 'none'})`,
    );
  }
  try {
    await import(pathToFileURL(resolve(dirname(manifest), module)).href);
  } catch (error) {
    throw new BoardKindUnavailableError(kind, module, manifest, `its module did not load: ${errorText(error)}`, { cause: error });
  }
  return module;
}
