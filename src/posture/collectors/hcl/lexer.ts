import { MinewardenError } from '../../../model/errors.js';

/**
 * Tokens of HCL native syntax. We only need positions and literal values: posture checks read attribute values and
 * report the line they sit on, so template strings keep whether they interpolate and their text, nothing more.
 */
export type TokenKind = 'ident' | 'number' | 'string' | 'heredoc' | 'punct' | 'newline' | 'eof';

export interface Token {
  kind: TokenKind;
  text: string;
  /** Decoded literal for strings without interpolation. */
  value?: string;
  /** The string or heredoc contains `${...}` or `%{...}`: its value is only known at plan time. */
  interpolated?: boolean;
  line: number;
}

const PUNCT3 = ['...'];
const PUNCT2 = ['==', '!=', '<=', '>=', '&&', '||', '=>', '::'];
const PUNCT1 = '{}[]()=:,.?!+-*/%<>';

function isIdentStart(c: string): boolean {
  return /[A-Za-z_]/.test(c) || c.charCodeAt(0) > 127;
}
function isIdentPart(c: string): boolean {
  return /[A-Za-z0-9_-]/.test(c) || c.charCodeAt(0) > 127;
}

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };

export function tokenize(src: string, file: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  const fail = (msg: string): never => {
    throw new MinewardenError('MW_INPUT_PARSE', msg, { file, line });
  };

  /** Skips a `${ ... }` or `%{ ... }` sequence starting at the `{`, honouring nested braces and quoted strings. */
  const skipInterpolation = (): void => {
    let depth = 0;
    while (i < src.length) {
      const c = src[i]!;
      if (c === '\n') line++;
      if (c === '{') depth++;
      else if (c === '}') {
        depth--;
        if (depth === 0) {
          i++;
          return;
        }
      } else if (c === '"') {
        i++;
        readQuoted();
        continue;
      }
      i++;
    }
    fail('unterminated template interpolation');
  };

  /** Reads a quoted template; `i` is just past the opening quote. */
  const readQuoted = (): { value: string; interpolated: boolean } => {
    let value = '';
    let interpolated = false;
    while (i < src.length) {
      const c = src[i]!;
      if (c === '"') {
        i++;
        return { value, interpolated };
      }
      if (c === '\n') fail('newline inside a quoted string');
      if (c === '\\') {
        const n = src[i + 1] ?? '';
        if (n === 'u' || n === 'U') {
          const len = n === 'u' ? 4 : 8;
          const hex = src.slice(i + 2, i + 2 + len);
          if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) fail('bad unicode escape');
          value += String.fromCodePoint(Number.parseInt(hex, 16));
          i += 2 + len;
          continue;
        }
        const e = ESCAPES[n];
        if (e === undefined) fail(`unknown escape \\${n}`);
        value += e;
        i += 2;
        continue;
      }
      if ((c === '$' || c === '%') && src[i + 1] === '{') {
        if (src[i - 1] === c && src[i - 2] !== c) {
          // `$${` and `%%{` are escapes for a literal `${` / `%{`.
          value = value.slice(0, -1) + c + '{';
          i += 2;
          continue;
        }
        interpolated = true;
        i++;
        skipInterpolation();
        continue;
      }
      value += c;
      i++;
    }
    return fail('unterminated string');
  };

  while (i < src.length) {
    const c = src[i]!;
    const startLine = line;
    if (c === '\n') {
      out.push({ kind: 'newline', text: '\n', line });
      line++;
      i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\uFEFF') {
      i++;
      continue;
    }
    if (c === '#' || (c === '/' && src[i + 1] === '/')) {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      if (end < 0) fail('unterminated comment');
      for (let k = i; k < end; k++) if (src[k] === '\n') line++;
      i = end + 2;
      continue;
    }
    if (c === '"') {
      i++;
      const { value, interpolated } = readQuoted();
      out.push({ kind: 'string', text: value, value, interpolated, line: startLine });
      continue;
    }
    if (c === '<' && src[i + 1] === '<' && /[-A-Za-z_]/.test(src[i + 2] ?? '')) {
      const m = /^<<(-?)([A-Za-z_][A-Za-z0-9_-]*)\r?\n/.exec(src.slice(i, i + 300));
      if (m) {
        const indent = m[1] === '-';
        const marker = m[2]!;
        i += m[0].length;
        line++;
        const lines: string[] = [];
        let closed = false;
        while (i < src.length) {
          const nl = src.indexOf('\n', i);
          const raw = src.slice(i, nl < 0 ? src.length : nl).replace(/\r$/, '');
          i = nl < 0 ? src.length : nl + 1;
          if (raw.trim() === marker) {
            closed = true;
            break;
          }
          lines.push(raw);
          line++;
        }
        if (!closed)
          throw new MinewardenError('MW_INPUT_PARSE', `heredoc <<${marker} is not closed`, {
            file,
            line: startLine,
          });
        let body = lines;
        if (indent) {
          const widths = lines.filter((l) => l.trim()).map((l) => /^[ \t]*/.exec(l)![0].length);
          const cut = widths.length ? Math.min(...widths) : 0;
          body = lines.map((l) => l.slice(cut));
        }
        const text = body.join('\n') + (body.length ? '\n' : '');
        const interpolated = /(^|[^$])\$\{|(^|[^%])%\{/.test(text);
        out.push({ kind: 'heredoc', text, value: text, interpolated, line: startLine });
        // The closing marker line ends the heredoc; emit the newline that ended it so attributes terminate.
        out.push({ kind: 'newline', text: '\n', line });
        line++;
        continue;
      }
    }
    if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(src.slice(i, i + 64))!;
      out.push({ kind: 'number', text: m[0], line });
      i += m[0].length;
      continue;
    }
    if (isIdentStart(c)) {
      let j = i + 1;
      while (j < src.length && isIdentPart(src[j]!)) j++;
      out.push({ kind: 'ident', text: src.slice(i, j), line });
      i = j;
      continue;
    }
    const three = src.slice(i, i + 3);
    const two = src.slice(i, i + 2);
    if (PUNCT3.includes(three)) {
      out.push({ kind: 'punct', text: three, line });
      i += 3;
    } else if (PUNCT2.includes(two)) {
      out.push({ kind: 'punct', text: two, line });
      i += 2;
    } else if (PUNCT1.includes(c)) {
      out.push({ kind: 'punct', text: c, line });
      i++;
    } else {
      fail(`unexpected character ${JSON.stringify(c)}`);
    }
  }
  out.push({ kind: 'eof', text: '', line });
  return out;
}
