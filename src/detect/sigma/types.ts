/** Shared shapes of the Sigma engine: locations, issues, logsources and the parsed (not yet compiled) rule. */

/** The three routing attributes of a Sigma logsource; absent means "any". */
export interface Logsource {
  product?: string;
  category?: string;
  service?: string;
}

export type SigmaErrorCode =
  | 'MW_SIGMA_YAML'
  | 'MW_SIGMA_SCHEMA'
  | 'MW_SIGMA_MODIFIER'
  | 'MW_SIGMA_REGEX'
  | 'MW_SIGMA_CONDITION'
  | 'MW_SIGMA_TOO_LARGE'
  | 'MW_SIGMA_CORRELATION'
  | 'MW_INPUT_NOT_FOUND'
  | 'MW_INPUT_UNREADABLE';

/** A rule that could not load because it is broken. */
export interface SigmaFailure {
  file: string;
  line: number;
  code: SigmaErrorCode;
  message: string;
}

/** A well-formed rule that uses something the engine does not do; `feature` names exactly what. */
export interface SigmaUnsupported {
  file: string;
  feature: string;
}

/** Thrown inside the parser/compiler; the loader turns it into a SigmaFailure or SigmaUnsupported. */
export class SigmaRuleError extends Error {
  constructor(
    readonly code: SigmaErrorCode | 'unsupported',
    message: string,
    readonly line?: number,
  ) {
    super(message);
    this.name = 'SigmaRuleError';
  }
}

export function unsupported(feature: string, line?: number): SigmaRuleError {
  return new SigmaRuleError('unsupported', feature, line);
}

export type SigmaLevel = 'informational' | 'low' | 'medium' | 'high' | 'critical';

/** Metadata shared by detection and correlation rules. */
export interface RuleHeader {
  readonly file: string;
  readonly line: number;
  readonly title: string;
  readonly id: string | undefined;
  readonly name: string | undefined;
  readonly status: string | undefined;
  readonly level: SigmaLevel | undefined;
  readonly tags: readonly string[];
  readonly description: string | undefined;
  readonly falsepositives: readonly string[];
}
