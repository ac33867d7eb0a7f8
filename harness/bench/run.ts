/**
 * `npm run bench`: runs every `*.bench.ts` under harness/, fixtures/ and specs/, one process each so
 * that one benchmark's garbage or JIT state does not colour the next. Each benchmark prints its
 * figures as `bench <name>: <number> <unit>` lines; ratios use unit `x` and measure both sides
 * in the same process. Pass name fragments to run a subset: `npm run bench -- tcl qspi`.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

function findBenchFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry === 'build' || entry.startsWith('.')) continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) found.push(...findBenchFiles(path));
    else if (entry.endsWith('.bench.ts')) found.push(path);
  }
  return found.sort();
}

const filters = process.argv.slice(2);
const files = ['harness', 'fixtures', 'specs']
  .flatMap((dir) => findBenchFiles(join(root, dir)))
  .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)));

let failed = 0;
for (const file of files) {
  const name = relative(root, file);
  console.log(`# ${name}`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    failed++;
    console.log(`# ${name} failed with ${result.status ?? result.signal}`);
  }
}
if (files.length === 0) console.log('# no benchmarks matched');
process.exit(failed === 0 ? 0 : 1);
