/**
 * Caps that keep hostile rule packs bounded in time and memory. Each one is reported with a clear error when hit,
 * so a legitimate rule that needs more can be recognised rather than silently truncated.
 */
export const LIMITS = {
  /** A rule file larger than this is refused before it is read (SigmaHQ's largest rule is under 40 KiB). */
  maxFileBytes: 1024 * 1024,
  /** Rule documents in one YAML file. */
  maxDocumentsPerFile: 1000,
  /** Characters in one condition string. */
  maxConditionLength: 64 * 1024,
  /** Parentheses and `not` nesting in a condition; deeper is refused instead of risking the stack. */
  maxConditionDepth: 64,
  /** Values one detection item may expand to after windash/base64offset/utf16 transforms. */
  maxExpandedValues: 4096,
  /** Characters of a regular expression from a rule. */
  maxRegexLength: 4096,
  /** Search identifiers in one detection section. */
  maxIdentifiers: 1000,
  /** YAML alias expansions per document (billion-laughs guard). */
  maxAliasCount: 100,
  /** Open groups (distinct group-by values) per correlation rule; the oldest is closed or evicted past it. */
  maxCorrelationGroups: 10_000,
  /** Observations kept per correlation group inside its timespan; the oldest is dropped past it. */
  maxCorrelationItems: 10_000,
} as const;
