/** The Sigma engine's public surface: load, compile, match, correlate, and turn matches into findings. */

export type { Placeholders } from './compile/placeholders.js';
export { CorrelationEngine, type CorrelationHit, type Observation } from './correlation/engine.js';
export { ruleKey, type SigmaCorrelation } from './correlation/link.js';
export { applyFilters } from './filters.js';
export {
  categoryOf,
  entityOf,
  findingRuleId,
  hitOf,
  ruleMeta,
  severityOf,
  sigmaDetectors,
  techniquesOf,
} from './findings.js';
export { convertHuntEvent, type HuntEvent, HuntEventSchema } from './hunt/input.js';
export { readNdjson } from './hunt/read-ndjson.js';
export { HuntSession, type RuleMatch } from './hunt/session.js';
export { type LoadResult, loadRulePaths, loadRuleText } from './loader.js';
export type { MatchInput } from './match/context.js';
export type { CompileOptions, SigmaFilter, SigmaRule } from './parse/rule.js';
export { readPlaceholderFile } from './placeholder-file.js';
export { CompiledRuleset } from './ruleset.js';
export type { Logsource, SigmaFailure, SigmaUnsupported } from './types.js';
