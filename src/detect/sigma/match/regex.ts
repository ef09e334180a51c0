import { RE2JS } from 're2js';
import { LIMITS } from '../limits.js';
import { SigmaRuleError } from '../types.js';

export interface RegexFlags {
  readonly i: boolean;
  readonly m: boolean;
  readonly s: boolean;
}

/**
 * Rule regexes run on RE2JS, a port of RE2: matching is linear in the input, so a hostile pattern such as `(a+)+$`
 * cannot hang the engine. Back-references and look-around are refused at load time (RE2 has no such syntax), which
 * the Sigma specification's regex flavour does not include anyway.
 */
export function compileRegex(pattern: string, flags: RegexFlags, line?: number): (s: string) => boolean {
  if (pattern.length > LIMITS.maxRegexLength)
    throw new SigmaRuleError(
      'MW_SIGMA_TOO_LARGE',
      `regular expression is ${pattern.length} characters, over the ${LIMITS.maxRegexLength} limit`,
      line,
    );
  let bits = 0;
  if (flags.i) bits |= RE2JS.CASE_INSENSITIVE;
  if (flags.m) bits |= RE2JS.MULTILINE;
  if (flags.s) bits |= RE2JS.DOTALL;
  try {
    RE2JS.compile(pattern, bits);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new SigmaRuleError('MW_SIGMA_REGEX', `invalid regular expression /${pattern}/: ${why}`, line);
  }
  // A compiled RE2 program takes 10-450 KB; most rule regexes sit behind literal prefilters and never run in a
  // scan, so the program checked above is dropped and built again on first use (and after a release).
  let re: RE2JS | undefined;
  let built = -1;
  return (s) => {
    if (re === undefined || built !== generation) {
      re = RE2JS.compile(pattern, bits);
      built = generation;
    }
    return re.test(s);
  };
}

let generation = 0;

/**
 * Lets every rule regex drop its compiled program and matching state; each is built again on its next use. RE2's
 * lazy DFA grows with the variety of input it has seen (up to 8 MB per regex), so a long-running agent calls this
 * now and then; compiling all 42 regexes of the built-in pack again costs ~60 ms.
 */
export function releaseRegexCaches(): void {
  generation++;
}
