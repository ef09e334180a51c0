import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MinewardenError } from '../../../model/errors.js';
import { parseHcl } from './parser.js';

const SHARED = path.resolve(import.meta.dirname, '../../../../../shared/data/cloudconfig');

describe('HCL reader', () => {
  it('reads every .tf fixture of Checkov and KICS', () => {
    const files = execFileSync('find', [SHARED, '-name', '*.tf'], { encoding: 'utf8' }).trim().split('\n');
    expect(files.length).toBeGreaterThan(50);
    for (const f of files) expect(() => parseHcl(readFileSync(f, 'utf8'), f), f).not.toThrow();
  });

  it('keeps lines of blocks, attributes and list items, and literal values', () => {
    const body = parseHcl(
      [
        '# comment',
        'resource "aws_security_group" "web" {',
        '  /* block',
        '     comment */',
        '  ingress {',
        '    from_port = -1',
        '    cidr_blocks = [',
        '      "10.0.0.0/8", // private',
        '      "0.0.0.0/0",',
        '    ]',
        '  }',
        '  tags = { Name = "web", "x-y" : 1 }',
        '  ref = aws_vpc.main.id',
        '  call = merge(var.a, { b = 1 })',
        '  cond = var.x ? "a" : "b"',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: HCL interpolation is the input under test
        '  tpl = "${var.env}-web"',
        '  esc = "$${literal}"',
        '  doc = <<-EOT',
        '    line one',
        '    EOT',
        '  list = [for s in var.l : upper(s)]',
        '}',
      ].join('\n'),
      'x.tf',
    );
    const r = body.blocks[0]!;
    expect([r.type, r.labels, r.line]).toEqual(['resource', ['aws_security_group', 'web'], 2]);
    const ing = r.body.blocks[0]!;
    expect(ing.line).toBe(5);
    const from = ing.body.attributes.find((a) => a.name === 'from_port')!;
    expect(from.expr).toEqual({ kind: 'literal', value: -1, line: 6 });
    const cidrs = ing.body.attributes.find((a) => a.name === 'cidr_blocks')!.expr;
    expect(
      cidrs.kind === 'tuple' && cidrs.items.map((i) => [i.kind === 'literal' && i.value, i.line]),
    ).toEqual([
      ['10.0.0.0/8', 8],
      ['0.0.0.0/0', 9],
    ]);
    const a = Object.fromEntries(r.body.attributes.map((x) => [x.name, x.expr]));
    expect(a.ref).toMatchObject({ kind: 'ref', text: 'aws_vpc.main.id' });
    expect(a.call).toMatchObject({ kind: 'unknown' });
    expect(a.cond).toMatchObject({ kind: 'unknown' });
    expect(a.tpl).toMatchObject({ kind: 'template' });
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the decoded HCL escape, not a JS template
    expect(a.esc).toMatchObject({ kind: 'literal', value: '${literal}' });
    expect(a.doc).toMatchObject({ kind: 'literal', value: 'line one\n' });
    expect(a.list).toMatchObject({ kind: 'unknown', text: 'for-expression' });
    expect(a.tags).toMatchObject({ kind: 'object', entries: [{ key: 'Name' }, { key: 'x-y' }] });
  });

  it('fails with one coded error naming file and line', () => {
    const cases: [string, number][] = [
      ['resource "a" "b" {\n  x = \n}\n', 2],
      ['resource "a" "b" {\n  x = "unterminated\n}\n', 2],
      ['resource "a" "b" {\n  x = 1\n', 3],
      ['a = 1 b = 2\n', 1],
      ['x = <<EOT\nno end\n', 1],
      ['x = "\\q"\n', 1],
    ];
    for (const [src, line] of cases) {
      let err: unknown;
      try {
        parseHcl(src, 'bad.tf');
      } catch (e) {
        err = e;
      }
      expect(err, src).toBeInstanceOf(MinewardenError);
      expect((err as MinewardenError).code).toBe('MW_INPUT_PARSE');
      expect((err as MinewardenError).location).toMatchObject({ file: 'bad.tf', line });
    }
  });

  it('survives hostile nesting and size without blowing the stack', () => {
    const deep = `x = ${'['.repeat(5000)}${']'.repeat(5000)}\n`;
    expect(() => parseHcl(deep, 'deep.tf')).toThrow(/nesting too deep/);
    const blocks = `${'a {\n'.repeat(3000)}${'}\n'.repeat(3000)}`;
    expect(() => parseHcl(blocks, 'blocks.tf')).toThrow(/nesting too deep/);
    const wide = `x = [${Array.from({ length: 100_000 }, (_, i) => `"${i}"`).join(',')}]\n`;
    const t0 = performance.now();
    const body = parseHcl(wide, 'wide.tf');
    expect(performance.now() - t0).toBeLessThan(5000);
    const x = body.attributes[0]!.expr;
    expect(x.kind === 'tuple' && x.items.length).toBe(100_000);
  });
});
