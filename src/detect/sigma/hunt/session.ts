import { CorrelationEngine, type CorrelationHit } from '../correlation/engine.js';
import { ruleKey, type SigmaCorrelation } from '../correlation/link.js';
import type { MatchInput } from '../match/context.js';
import type { SigmaRule } from '../parse/rule.js';
import { CompiledRuleset } from '../ruleset.js';
import { sigmaField } from './input.js';

export interface RuleMatch {
  readonly rule: SigmaRule;
  readonly input: MatchInput;
}

export interface StepResult {
  readonly matches: RuleMatch[];
  readonly correlations: CorrelationHit[];
}

/**
 * Runs detection rules and correlations over a stream of events, in order. Pure: results depend only on the events
 * and their times. Matches of rules that only feed a correlation (`generate: false`, the default) are not reported.
 */
export class HuntSession {
  private readonly ruleset: CompiledRuleset;
  private readonly correlation: CorrelationEngine;
  private readonly suppressed: Set<string>;

  constructor(
    rules: readonly SigmaRule[],
    correlations: readonly SigmaCorrelation[],
    options: { maxGroups?: number; maxItems?: number } = {},
  ) {
    this.ruleset = new CompiledRuleset(rules);
    this.correlation = new CorrelationEngine(correlations, options);
    this.suppressed = this.correlation.suppressedRules();
  }

  step(input: MatchInput): StepResult {
    const matched = this.ruleset.match(input);
    const matches: RuleMatch[] = [];
    const correlations: CorrelationHit[] = [];
    for (const rule of matched) {
      const key = ruleKey(rule);
      if (!this.suppressed.has(key)) matches.push({ rule, input });
      correlations.push(
        ...this.correlation.observe({
          ruleKey: key,
          time: input.event.time,
          field: (n) => sigmaField(input, n),
        }),
      );
    }
    return { matches, correlations: correlations.filter((h) => !this.suppressed.has(h.correlation.key)) };
  }

  /** Correlations that dropped open groups at the group cap (MW_W_SIGMA_CORRELATION_EVICTED). */
  evictions(): { correlation: SigmaCorrelation; evicted: number }[] {
    return this.correlation.evictions();
  }

  /** End of input: windows still open are closed and checked. */
  finish(): CorrelationHit[] {
    return this.correlation.flush().filter((h) => !this.suppressed.has(h.correlation.key));
  }
}
