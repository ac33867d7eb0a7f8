import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { REPO_ROOT } from '../boards/select.js';
import { MochaConfigError, parseReporterOptions, readMochaRc } from './mocharc.js';

describe('.mocharc.json reader (harness/cli/mocharc)', () => {
  it("the repository's .mocharc.json: allure-mocha into allure-results with spec on the console, 60 s timeout", () => {
    const options = readMochaRc(join(REPO_ROOT, '.mocharc.json'));
    expect(options.reporter).to.equal('allure-mocha');
    expect(options.reporterOptions).to.deep.equal({ resultsDir: 'allure-results', extraReporters: 'spec' });
    expect(options.timeout).to.equal(60000);
  });

  it('reporter-option: "k=v" items and comma-joined pairs; anything else is a MochaConfigError', () => {
    expect(parseReporterOptions(['a=1,b=2', 'c=x=y'], 'f')).to.deep.equal({ a: '1', b: '2', c: 'x=y' });
    expect(parseReporterOptions('a=1', 'f')).to.deep.equal({ a: '1' });
    expect(() => parseReporterOptions(['novalue'], '/x/.mocharc.json')).to.throw(
      MochaConfigError,
      '/x/.mocharc.json: reporter-option "novalue" is not "key=value"',
    );
  });

  it('a broken config file is a no-verdict error naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hil-mocharc-'));
    try {
      writeFileSync(join(dir, '.mocharc.json'), '{ "timeout": "long" }');
      expect(() => readMochaRc(join(dir, '.mocharc.json'))).to.throw(MochaConfigError, 'timeout must be a number');
      writeFileSync(join(dir, '.mocharc.json'), '{');
      expect(() => readMochaRc(join(dir, '.mocharc.json'))).to.throw(MochaConfigError, join(dir, '.mocharc.json'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
