import { MinewardenError } from '../../../model/errors.js';
import { type Token, tokenize } from './lexer.js';

/**
 * HCL native syntax with source lines. No npm HCL parser keeps positions (the wasm hcl2json ones return bare JSON),
 * and posture findings must name the line, so this reads the structure (bodies, blocks, attributes, literals, tuples,
 * objects) exactly and keeps everything that needs evaluation (references, calls, operators, for-expressions) as
 * opaque values with their text.
 */
export type HclLiteral = string | number | boolean | null;

export type HclExpr =
  | { kind: 'literal'; value: HclLiteral; line: number }
  | { kind: 'template'; text: string; line: number }
  | { kind: 'tuple'; items: HclExpr[]; line: number }
  | { kind: 'object'; entries: HclObjectEntry[]; line: number }
  | { kind: 'ref'; text: string; line: number }
  | { kind: 'unknown'; text: string; line: number };

export interface HclObjectEntry {
  key: string;
  line: number;
  value: HclExpr;
}

export interface HclAttribute {
  name: string;
  expr: HclExpr;
  line: number;
}

export interface HclBlock {
  type: string;
  labels: string[];
  body: HclBody;
  line: number;
}

export interface HclBody {
  attributes: HclAttribute[];
  blocks: HclBlock[];
}

const MAX_DEPTH = 200;
const BINARY = new Set(['==', '!=', '<', '>', '<=', '>=', '&&', '||', '+', '-', '*', '/', '%']);

class Parser {
  private pos = 0;
  /** true: newlines are insignificant here (inside brackets and parentheses). */
  private readonly nlStack: boolean[] = [false];
  private depth = 0;

  constructor(
    private readonly toks: Token[],
    private readonly file: string,
  ) {}

  private fail(msg: string, tok: Token = this.peekRaw()): never {
    throw new MinewardenError('MW_INPUT_PARSE', msg, { file: this.file, line: tok.line });
  }

  private peekRaw(): Token {
    return this.toks[this.pos]!;
  }

  private peek(): Token {
    if (this.nlStack[this.nlStack.length - 1]) {
      while (this.toks[this.pos]!.kind === 'newline') this.pos++;
    }
    return this.toks[this.pos]!;
  }

  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.pos++;
    return t;
  }

  private isPunct(text: string): boolean {
    const t = this.peek();
    return t.kind === 'punct' && t.text === text;
  }

  private expect(text: string): Token {
    const t = this.next();
    if (t.kind !== 'punct' || t.text !== text) this.fail(`expected "${text}" but found ${describe(t)}`, t);
    return t;
  }

  private skipNewlines(): void {
    while (this.peekRaw().kind === 'newline') this.pos++;
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) this.fail('nesting too deep');
  }

  parseBody(closing: '}' | 'eof'): HclBody {
    this.enter();
    const body: HclBody = { attributes: [], blocks: [] };
    this.nlStack.push(false);
    for (;;) {
      this.skipNewlines();
      const t = this.peekRaw();
      if (closing === 'eof' && t.kind === 'eof') break;
      if (closing === '}' && t.kind === 'punct' && t.text === '}') break;
      if (t.kind === 'eof') this.fail('block is not closed (missing "}")');
      if (t.kind !== 'ident') this.fail(`expected an attribute or block name, found ${describe(t)}`);
      this.pos++;
      const after = this.peekRaw();
      if (after.kind === 'punct' && after.text === '=') {
        this.pos++;
        const expr = this.parseExpr();
        body.attributes.push({ name: t.text, expr, line: t.line });
      } else {
        const labels: string[] = [];
        while (this.peekRaw().kind === 'string' || this.peekRaw().kind === 'ident')
          labels.push(this.next().text);
        this.expect('{');
        const inner = this.parseBody('}');
        this.expect('}');
        body.blocks.push({ type: t.text, labels, body: inner, line: t.line });
      }
      const end = this.peekRaw();
      const closes = end.kind === 'punct' && end.text === '}' && closing === '}';
      if (end.kind !== 'newline' && end.kind !== 'eof' && !closes)
        this.fail(`expected a newline after ${t.text}, found ${describe(end)}`, end);
    }
    this.nlStack.pop();
    this.depth--;
    return body;
  }

  parseExpr(): HclExpr {
    this.enter();
    const start = this.peek();
    let left = this.parseUnary();
    for (;;) {
      const t = this.peek();
      if (t.kind === 'punct' && BINARY.has(t.text)) {
        this.next();
        this.parseUnary();
        left = { kind: 'unknown', text: 'expression', line: start.line };
        continue;
      }
      if (t.kind === 'punct' && t.text === '?') {
        this.next();
        this.parseExpr();
        this.expect(':');
        this.parseExpr();
        left = { kind: 'unknown', text: 'conditional', line: start.line };
      }
      break;
    }
    this.depth--;
    return left;
  }

  private parseUnary(): HclExpr {
    const t = this.peek();
    if (t.kind === 'punct' && (t.text === '-' || t.text === '!')) {
      this.next();
      const inner = this.parseUnary();
      if (t.text === '-' && inner.kind === 'literal' && typeof inner.value === 'number')
        return { kind: 'literal', value: -inner.value, line: t.line };
      return { kind: 'unknown', text: `${t.text}expr`, line: t.line };
    }
    return this.parsePostfix(this.parsePrimary());
  }

  private parsePostfix(base: HclExpr): HclExpr {
    let expr = base;
    let text = expr.kind === 'ref' ? expr.text : '';
    for (;;) {
      const t = this.peekRaw();
      if (t.kind === 'punct' && t.text === '.') {
        this.pos++;
        const n = this.next();
        if (n.kind !== 'ident' && n.kind !== 'number' && !(n.kind === 'punct' && n.text === '*'))
          this.fail(`expected an attribute name after ".", found ${describe(n)}`, n);
        text += `.${n.text}`;
      } else if (t.kind === 'punct' && t.text === '[') {
        this.pos++;
        this.nlStack.push(true);
        if (this.isPunct('*')) {
          this.next();
          text += '[*]';
        } else {
          const idx = this.parseExpr();
          text += idx.kind === 'literal' ? `[${JSON.stringify(idx.value)}]` : '[?]';
        }
        this.expect(']');
        this.nlStack.pop();
      } else break;
      expr = { kind: 'ref', text, line: base.line };
    }
    return expr;
  }

  private parsePrimary(): HclExpr {
    const t = this.next();
    switch (t.kind) {
      case 'number':
        return { kind: 'literal', value: Number(t.text), line: t.line };
      case 'string':
      case 'heredoc':
        return t.interpolated
          ? { kind: 'template', text: t.text, line: t.line }
          : { kind: 'literal', value: t.value ?? t.text, line: t.line };
      case 'ident': {
        if (t.text === 'true' || t.text === 'false')
          return { kind: 'literal', value: t.text === 'true', line: t.line };
        if (t.text === 'null') return { kind: 'literal', value: null, line: t.line };
        if (this.peekRaw().kind === 'punct' && this.peekRaw().text === '(') {
          this.pos++;
          this.parseSequence(')');
          return { kind: 'unknown', text: `${t.text}(...)`, line: t.line };
        }
        return { kind: 'ref', text: t.text, line: t.line };
      }
      case 'punct':
        if (t.text === '(') {
          this.nlStack.push(true);
          const inner = this.parseExpr();
          this.expect(')');
          this.nlStack.pop();
          return inner;
        }
        if (t.text === '[') return this.parseTuple(t);
        if (t.text === '{') return this.parseObject(t);
        break;
      default:
        break;
    }
    return this.fail(`expected an expression, found ${describe(t)}`, t);
  }

  /** Function arguments: expressions separated by commas, a trailing `...` allowed. */
  private parseSequence(close: string): HclExpr[] {
    this.nlStack.push(true);
    const items: HclExpr[] = [];
    while (!this.isPunct(close)) {
      if (this.peek().kind === 'eof') this.fail(`missing "${close}"`);
      items.push(this.parseExpr());
      if (this.isPunct('...')) this.next();
      if (this.isPunct(',')) this.next();
      else if (!this.isPunct(close)) this.fail(`expected "," or "${close}", found ${describe(this.peek())}`);
    }
    this.next();
    this.nlStack.pop();
    return items;
  }

  private skipBalanced(open: string, close: string): void {
    let depth = 1;
    while (depth > 0) {
      const t = this.toks[this.pos++];
      if (!t || t.kind === 'eof') this.fail(`missing "${close}"`);
      if (t.kind === 'punct' && t.text === open) depth++;
      else if (t.kind === 'punct' && t.text === close) depth--;
    }
  }

  private parseTuple(open: Token): HclExpr {
    this.nlStack.push(true);
    if (this.peek().kind === 'ident' && this.peek().text === 'for') {
      this.skipBalanced('[', ']');
      this.nlStack.pop();
      return { kind: 'unknown', text: 'for-expression', line: open.line };
    }
    this.nlStack.pop();
    return { kind: 'tuple', items: this.parseSequence(']'), line: open.line };
  }

  private parseObject(open: Token): HclExpr {
    this.nlStack.push(true);
    if (this.peek().kind === 'ident' && this.peek().text === 'for') {
      this.skipBalanced('{', '}');
      this.nlStack.pop();
      return { kind: 'unknown', text: 'for-expression', line: open.line };
    }
    this.nlStack.pop();
    this.nlStack.push(false);
    const entries: HclObjectEntry[] = [];
    for (;;) {
      this.skipNewlines();
      if (this.isPunct('}')) break;
      const keyTok = this.peek();
      const keyExpr = this.parseExpr();
      const key =
        keyExpr.kind === 'literal' ? String(keyExpr.value) : keyExpr.kind === 'ref' ? keyExpr.text : '?';
      const sep = this.next();
      if (sep.kind !== 'punct' || (sep.text !== '=' && sep.text !== ':'))
        this.fail(`expected "=" or ":" after object key, found ${describe(sep)}`, sep);
      const value = this.parseExpr();
      entries.push({ key, line: keyTok.line, value });
      if (this.isPunct(',')) {
        this.next();
        continue;
      }
      const end = this.peekRaw();
      if (end.kind !== 'newline' && !(end.kind === 'punct' && end.text === '}'))
        this.fail(`expected "," or a newline in object, found ${describe(end)}`, end);
    }
    this.expect('}');
    this.nlStack.pop();
    return { kind: 'object', entries, line: open.line };
  }
}

function describe(t: Token): string {
  if (t.kind === 'eof') return 'end of file';
  if (t.kind === 'newline') return 'end of line';
  return JSON.stringify(t.text.length > 30 ? `${t.text.slice(0, 30)}...` : t.text);
}

/** Parses a whole .tf / .hcl file; throws MinewardenError(MW_INPUT_PARSE) naming file and line. */
export function parseHcl(src: string, file: string): HclBody {
  return new Parser(tokenize(src, file), file).parseBody('eof');
}
