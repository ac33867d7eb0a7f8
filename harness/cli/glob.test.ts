import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { expandGlob, expandGlobs, globToRegExp } from './glob.js';

describe('test-file glob (harness/cli/glob)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hil-glob-'));
    for (const f of ['a.test.ts', 'x/b.test.ts', 'x/y/c.test.ts', 'x/y/c.ts', 'node_modules/m/d.test.ts', '.hidden/e.test.ts', 'x/f.spec.ts']) {
      mkdirSync(join(dir, f, '..'), { recursive: true });
      writeFileSync(join(dir, f), '');
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('** matches zero or more directories; * stays within one segment', () => {
    expect(globToRegExp('h/**/*.test.ts').test('h/a.test.ts')).to.equal(true);
    expect(globToRegExp('h/**/*.test.ts').test('h/x/y/a.test.ts')).to.equal(true);
    expect(globToRegExp('h/*.test.ts').test('h/x/a.test.ts')).to.equal(false);
    expect(globToRegExp('a?.ts').test('ab.ts')).to.equal(true);
    expect(globToRegExp('a.ts').test('abts')).to.equal(false);
  });

  it('walks the tree below the static prefix, skipping node_modules and dot-directories, sorted', () => {
    expect(expandGlob('**/*.test.ts', dir)).to.deep.equal([join(dir, 'a.test.ts'), join(dir, 'x/b.test.ts'), join(dir, 'x/y/c.test.ts')]);
    expect(expandGlob(`${dir}/x/*.ts`, '/')).to.deep.equal([join(dir, 'x/b.test.ts'), join(dir, 'x/f.spec.ts')]);
  });

  it('a plain path is returned as is; duplicates across patterns are dropped', () => {
    expect(expandGlob('x/none.ts', dir)).to.deep.equal([join(dir, 'x/none.ts')]);
    expect(expandGlobs(['x/**/*.test.ts', 'x/b.test.ts'], dir)).to.deep.equal([join(dir, 'x/b.test.ts'), join(dir, 'x/y/c.test.ts')]);
  });
});
