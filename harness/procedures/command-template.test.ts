import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { expandCommand, templatePlaceholders, TemplateError, type TemplateValues } from './command-template.js';

const values: TemplateValues = { image: '/tmp/fw.bin', offset: '0x10000', address: '0x90010000', board: 'virtual-h745' };

describe('command templates (harness/procedures/command-template)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hil-template-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('templatePlaceholders', () => {
    it('lists the names a template uses, once each, in order', () => {
      expect(templatePlaceholders('{image}@{address}:{image}')).to.deep.equal(['image', 'address']);
      expect(templatePlaceholders('--board={board} --offset {offset}')).to.deep.equal(['board', 'offset']);
      expect(templatePlaceholders('plain')).to.deep.equal([]);
    });

    it('returns unknown names too (the caller judges them)', () => {
      expect(templatePlaceholders('{imag}')).to.deep.equal(['imag']);
    });

    it('{{ and }} are literal braces, not placeholders', () => {
      expect(templatePlaceholders('{{image}}')).to.deep.equal([]);
      expect(templatePlaceholders('{{{image}}}')).to.deep.equal(['image']);
      expect(templatePlaceholders('awk {{print}}')).to.deep.equal([]);
    });

    it('rejects unbalanced braces and an empty placeholder with a TemplateError naming the template', () => {
      for (const bad of ['{image', 'image}', '{ima{ge}', 'a } b', '{}']) {
        expect(() => templatePlaceholders(bad), bad)
          .to.throw(TemplateError)
          .with.property('message')
          .that.includes(JSON.stringify(bad));
      }
      expect(() => templatePlaceholders('{image')).to.throw(/unbalanced "\{" at character 1/);
      expect(() => templatePlaceholders('x}')).to.throw(/unbalanced "\}" at character 2/);
      expect(() => templatePlaceholders('{}')).to.throw(/empty placeholder/);
    });
  });

  describe('expandCommand without a shell', () => {
    it('expands argv[0] into file and the rest into args; {{ }} become braces', () => {
      const cmd = expandCommand({ argv: ['/opt/flash.sh', '{image}', '--at={address}', '{{literal}}'], shell: false, env: {} }, values);
      expect(cmd.file).to.equal('/opt/flash.sh');
      expect(cmd.args).to.deep.equal(['/tmp/fw.bin', '--at=0x90010000', '{literal}']);
      expect(cmd.env).to.deep.equal({});
      expect(cmd.display).to.equal("/opt/flash.sh /tmp/fw.bin --at=0x90010000 '{literal}'");
    });

    it('keeps each argv element exactly one argument, whatever the value holds', () => {
      const hostile = `/tmp/a b/$(touch x);'q'\n"r" *.bin`;
      const cmd = expandCommand({ argv: ['tool', '{image}', 'pre {image} post', '{board}'], shell: false, env: {} }, { ...values, image: hostile, board: '' });
      expect(cmd.file).to.equal('tool');
      expect(cmd.args).to.deep.equal([hostile, `pre ${hostile} post`, '']);
    });

    it('hands an actual process the value verbatim as one argument', () => {
      const hostile = `${dir}/a b/$(touch ${dir}/pwned);'q'.bin`;
      const cmd = expandCommand(
        { argv: [process.execPath, '-e', 'process.stdout.write(JSON.stringify(process.argv.slice(1)))', '{image}'], shell: false, env: {} },
        {
          ...values,
          image: hostile,
        },
      );
      const run = spawnSync(cmd.file, cmd.args, { encoding: 'utf8' });
      expect(run.status).to.equal(0);
      expect(JSON.parse(run.stdout)).to.deep.equal([hostile]);
      expect(existsSync(join(dir, 'pwned'))).to.equal(false);
    });

    it('expands env values verbatim, never shell-quoted', () => {
      const cmd = expandCommand({ argv: ['tool'], shell: false, env: { TARGET: '{board}', IMG: "{image} 'x'" } }, { ...values, image: '/a b/c' });
      expect(cmd.env).to.deep.equal({ TARGET: 'virtual-h745', IMG: "/a b/c 'x'" });
      expect(cmd.display).to.equal(`TARGET=virtual-h745 IMG='/a b/c '\\''x'\\''' tool`);
    });

    it('display is one line, quoting what a shell would split or expand', () => {
      const cmd = expandCommand({ argv: ['tool', '{image}'], shell: false, env: {} }, { ...values, image: "it's\nhere" });
      expect(cmd.display).to.equal(`tool $'it\\'s\\nhere'`);
      expect(cmd.display).not.to.include('\n');
    });

    it('rejects an unknown placeholder, in argv or env', () => {
      expect(() => expandCommand({ argv: ['tool', '{imag}'], shell: false, env: {} }, values))
        .to.throw(TemplateError)
        .with.property('message')
        .that.includes('unknown placeholder "{imag}"')
        .and.includes('{image}');
      expect(() => expandCommand({ argv: ['tool'], shell: false, env: { X: '{where}' } }, values)).to.throw(TemplateError, /\{where\}/);
    });

    it('rejects an empty argv', () => {
      expect(() => expandCommand({ argv: [], shell: false, env: {} }, values)).to.throw(TemplateError, /argv is empty/);
    });
  });

  describe('expandCommand with a shell', () => {
    it('runs /bin/sh -c with the literal text kept and each value single-quoted', () => {
      const cmd = expandCommand({ argv: ['flash --image {image} --at {address} | tee {{log}}'], shell: true, env: {} }, { ...values, image: "/a'b" });
      expect(cmd.file).to.equal('/bin/sh');
      expect(cmd.args).to.deep.equal(['-c', `flash --image '/a'\\''b' --at '0x90010000' | tee {log}`]);
    });

    it('a hostile value reaches the script verbatim and runs nothing', () => {
      const marker = join(dir, 'pwned');
      const hostile = `/tmp/a b/$(touch ${marker});'q'\`touch ${marker}\`"$HOME" \\ ; touch ${marker} && echo *\nsecond line`;
      const cmd = expandCommand({ argv: [`printf '%s' {image}; printf '|%s' {board}`], shell: true, env: {} }, { ...values, image: hostile });
      const run = spawnSync(cmd.file, cmd.args, { encoding: 'utf8', cwd: dir });
      expect(run.status, run.stderr).to.equal(0);
      expect(run.stdout).to.equal(`${hostile}|virtual-h745`);
      expect(existsSync(marker)).to.equal(false);
    });

    it('needs argv of exactly one string', () => {
      expect(() => expandCommand({ argv: ['flash.sh', '{image}'], shell: true, env: {} }, values)).to.throw(TemplateError, /exactly one string/);
    });
  });
});
