/**
 * A small glob expander for test file patterns (`harness/**\/*.test.ts`), because Node 20 has
 * no fs.globSync. Supports `**` (any number of directories), `*` and `?` within a segment.
 * node_modules and dot-directories are never walked. Results are sorted for a stable order.
 */
import { readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';

const GLOB_CHARS = /[*?]/;

export function hasGlobChars(pattern: string): boolean {
  return GLOB_CHARS.test(pattern);
}

/** Translate a glob to a regex over '/'-separated paths. */
export function globToRegExp(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      const slashAfter = pattern[i + 2] === '/';
      out += slashAfter ? '(?:[^/]*/)*' : '.*';
      i += slashAfter ? 2 : 1;
    } else if (c === '*') {
      out += '[^/]*';
    } else if (c === '?') {
      out += '[^/]';
    } else {
      out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${out}$`);
}

function walk(dir: string, found: string[]): void {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const entry of entries) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    const path = join(dir, entry);
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch {
      continue; // dangling symlink
    }
    if (isDir) walk(path, found);
    else found.push(path);
  }
}

/**
 * Files matching `pattern`, as absolute paths. A pattern without glob characters names one
 * file and is returned as is (existence is the caller's concern).
 */
export function expandGlob(pattern: string, cwd: string): string[] {
  const absolute = isAbsolute(pattern) ? pattern : resolve(cwd, pattern);
  if (!hasGlobChars(pattern)) return [absolute];
  const segments = absolute.split(sep);
  const firstGlob = segments.findIndex((s) => hasGlobChars(s));
  const base = segments.slice(0, firstGlob).join(sep) || sep;
  const rest = new RegExp(globToRegExp(segments.slice(firstGlob).join('/')));
  const files: string[] = [];
  walk(base, files);
  return files.filter((f) => rest.test(relative(base, f).split(sep).join('/'))).sort();
}

/** Expand every pattern, dropping duplicates while keeping first-seen order. */
export function expandGlobs(patterns: readonly string[], cwd: string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const pattern of patterns) {
    for (const file of expandGlob(pattern, cwd)) {
      if (!seen.has(file)) {
        seen.add(file);
        out.push(file);
      }
    }
  }
  return out;
}
