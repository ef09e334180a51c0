/**
 * Literals a regular expression cannot match without, for the prefilter: `-(W|R)\s?...` can only match text that
 * contains `-w` or `-r` (case-folded), so the rule is evaluated only for events where one of them occurs.
 * The analysis over-approximates what each part can match and gives up (null) on anything it does not know, so it
 * never drops a rule that could match; RE2 still decides the match itself.
 */

/** `exact`: every string the part can match is one of these (null: unknown). `req`: one of these occurs in it. */
interface Lit {
  readonly exact: readonly string[] | null;
  readonly req: readonly string[] | null;
}

const MAX_SET = 64;
const UNKNOWN: Lit = { exact: null, req: null };
const EMPTY: Lit = { exact: [''], req: null };

class GiveUp extends Error {}

function score(set: readonly string[] | null): number {
  if (set === null || set.length === 0) return -1;
  let min = Number.POSITIVE_INFINITY;
  for (const s of set) min = Math.min(min, s.length);
  return min * 1000 - set.length;
}

function better(a: readonly string[] | null, b: readonly string[] | null): readonly string[] | null {
  return score(b) > score(a) ? b : a;
}

function union(a: readonly string[], b: readonly string[]): string[] | null {
  const out = [...new Set([...a, ...b])];
  return out.length > MAX_SET ? null : out;
}

function cross(a: readonly string[], b: readonly string[]): string[] | null {
  if (a.length * b.length > MAX_SET) return null;
  const out = new Set<string>();
  for (const x of a) for (const y of b) out.add(x + y);
  return [...out];
}

class Parser {
  private i = 0;
  constructor(private readonly src: string) {}

  parse(): Lit {
    const lit = this.alternation();
    if (this.i < this.src.length) throw new GiveUp();
    return lit;
  }

  private alternation(): Lit {
    const branches = [this.sequence()];
    while (this.src[this.i] === '|') {
      this.i++;
      branches.push(this.sequence());
    }
    if (branches.length === 1) return branches[0]!;
    let exact: string[] | null = [];
    let req: string[] | null = [];
    for (const b of branches) {
      exact = exact && b.exact ? union(exact, b.exact) : null;
      const r = b.req ?? b.exact;
      req = req && r ? union(req, r) : null;
    }
    return { exact, req };
  }

  private sequence(): Lit {
    let run: readonly string[] = [''];
    let best: readonly string[] | null = null;
    let allExact = true;
    while (this.i < this.src.length && this.src[this.i] !== '|' && this.src[this.i] !== ')') {
      const item = this.quantified();
      if (item.exact !== null) {
        const joined = cross(run, item.exact);
        if (joined !== null) run = joined;
        else {
          best = better(best, run);
          run = item.exact;
          allExact = false;
        }
      } else {
        best = better(better(best, run), item.req);
        run = [''];
        allExact = false;
      }
    }
    best = better(best, run);
    return { exact: allExact ? run : null, req: best };
  }

  private quantified(): Lit {
    const atom = this.atom();
    const c = this.src[this.i];
    let min: number;
    if (c === '*' || c === '?') {
      min = 0;
      this.i++;
    } else if (c === '+') {
      min = 1;
      this.i++;
    } else if (c === '{' && /^\{\d+(,\d*)?\}/.test(this.src.slice(this.i, this.i + 24))) {
      const m = /^\{(\d+)(,\d*)?\}/.exec(this.src.slice(this.i, this.i + 24))!;
      min = Number(m[1]);
      this.i += m[0].length;
    } else return atom;
    if (this.src[this.i] === '?') this.i++; // lazy
    if (min === 0) return c === '?' && atom.exact ? { exact: union([''], atom.exact), req: null } : UNKNOWN;
    return { exact: null, req: atom.exact ?? atom.req };
  }

  private atom(): Lit {
    const c = this.src[this.i]!;
    this.i++;
    if (c === '(') return this.group();
    if (c === '[') return this.charClass();
    if (c === '\\') return this.escape();
    if (c === '.') return UNKNOWN;
    if (c === '^' || c === '$') return EMPTY;
    if (c === '*' || c === '+' || c === '?') throw new GiveUp();
    return { exact: [c], req: null };
  }

  private group(): Lit {
    if (this.src[this.i] === '?') {
      const m = /^\?(?:P?<[A-Za-z_][A-Za-z0-9_]*>|[imsU-]*(:|\)))/.exec(this.src.slice(this.i));
      if (!m) throw new GiveUp();
      this.i += m[0].length;
      if (m[1] === ')') return EMPTY; // (?i) flags: case is folded by the prefilter anyway
    }
    const inner = this.alternation();
    if (this.src[this.i] !== ')') throw new GiveUp();
    this.i++;
    return inner;
  }

  /** Small classes of plain characters (`[FTd]`) are a set; anything else (ranges, negation) is unknown. */
  private charClass(): Lit {
    const chars: string[] = [];
    let plain = this.src[this.i] !== '^';
    let first = true;
    while (this.i < this.src.length) {
      const c = this.src[this.i]!;
      if (c === ']' && !first) {
        this.i++;
        return plain && chars.length > 0 && chars.length <= 16 ? { exact: chars, req: null } : UNKNOWN;
      }
      first = false;
      this.i++;
      if (c === '\\') {
        const e = this.src[this.i++];
        if (e === undefined) throw new GiveUp();
        if (/[A-Za-z0-9]/.test(e)) {
          plain = false;
          if ((e === 'p' || e === 'P' || e === 'x') && this.src[this.i] === '{') this.skipBraces();
        } else chars.push(e);
      } else if (c === '[' && this.src[this.i] === ':') {
        const end = this.src.indexOf(':]', this.i);
        if (end < 0) throw new GiveUp();
        this.i = end + 2;
        plain = false;
      } else if (c === '-' && chars.length > 0 && this.src[this.i] !== ']') plain = false;
      else chars.push(c);
    }
    throw new GiveUp();
  }

  private skipBraces(): void {
    const end = this.src.indexOf('}', this.i);
    if (end < 0) throw new GiveUp();
    this.i = end + 1;
  }

  private escape(): Lit {
    const e = this.src[this.i++];
    if (e === undefined) throw new GiveUp();
    if ('bBAz'.includes(e)) return EMPTY;
    if (e === 'Q') {
      const end = this.src.indexOf('\\E', this.i);
      const text = this.src.slice(this.i, end < 0 ? undefined : end);
      this.i = end < 0 ? this.src.length : end + 2;
      return { exact: [text], req: null };
    }
    const control: Record<string, string> = { n: '\n', t: '\t', r: '\r', f: '\f', v: '\v', a: '\x07' };
    if (e in control) return { exact: [control[e]!], req: null };
    if ((e === 'p' || e === 'P') && this.src[this.i] === '{') this.skipBraces();
    else if (e === 'p' || e === 'P') this.i++;
    else if (e === 'x') {
      if (this.src[this.i] === '{') this.skipBraces();
      else this.i += 2;
    }
    if (/[A-Za-z0-9]/.test(e)) return UNKNOWN;
    return { exact: [e], req: null };
  }
}

/**
 * Lowercased literals one of which every match of `pattern` contains, or null when the analysis finds none.
 * Never throws: a pattern it cannot read gives null.
 */
export function regexLiterals(pattern: string): string[] | null {
  let lit: Lit;
  try {
    lit = new Parser(pattern).parse();
  } catch {
    return null;
  }
  const set = better(lit.req, lit.exact);
  if (set === null || set.length === 0 || set.some((s) => s === '')) return null;
  return [...new Set(set.map((s) => s.toLowerCase()))];
}
