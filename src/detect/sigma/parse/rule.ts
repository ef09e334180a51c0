import type { z } from 'zod';
import { type CompiledDetection, compileDetection } from '../compile/detection.js';
import { resolveField } from '../compile/fields.js';
import { type Logsource, type RuleHeader, type SigmaLevel, SigmaRuleError, unsupported } from '../types.js';
import { parseDetection } from './detection.js';
import type { RuleDocument } from './documents.js';
import {
  CorrelationSchema,
  type CorrelationSpec,
  DetectionRuleSchema,
  FilterRuleSchema,
  HeaderSchema,
  issuePath,
  UNSUPPORTED_CORRELATION_TYPES,
} from './schema.js';

export interface SigmaRule extends RuleHeader {
  readonly kind: 'detection';
  readonly logsource: Logsource;
  readonly detection: CompiledDetection;
  /** Ids (else names, else titles) of the Sigma filters applied to this rule. */
  readonly filters?: readonly string[];
}

export interface SigmaCorrelationDef extends RuleHeader {
  readonly kind: 'correlation';
  readonly correlation: CorrelationSpec;
}

/** A Sigma filter (global filter): `and not <its condition>` added to the rules it names whose logsource fits. */
export interface SigmaFilter extends RuleHeader {
  readonly kind: 'filter';
  readonly logsource: Logsource;
  /** Ids or names of the rules it applies to. */
  readonly rules: readonly string[];
  readonly detection: CompiledDetection;
}

export type ParsedRule = SigmaRule | SigmaCorrelationDef | SigmaFilter;

/** What rule compilation may need from outside the rule file. */
export interface CompileOptions {
  /** Values of `%name%` placeholders for the `expand` modifier. */
  readonly placeholders?: ReadonlyMap<string, readonly string[]>;
}

export { resolveField };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function schemaError(err: z.ZodError, doc: RuleDocument, prefix: readonly string[] = []): SigmaRuleError {
  const issue = err.issues[0]!;
  const path = [...prefix, ...issuePath(issue.path)];
  const where = path.length ? path.join('.') : 'document';
  return new SigmaRuleError('MW_SIGMA_SCHEMA', `${where}: ${issue.message}`, doc.lineOf(path));
}

function lower(v: string | undefined): string | undefined {
  return v === undefined ? undefined : v.toLowerCase();
}

/** Validates one document and compiles it when it is a detection rule; correlations are resolved by the loader. */
export function parseRule(doc: RuleDocument, file: string, options: CompileOptions = {}): ParsedRule {
  if (!isRecord(doc.data))
    throw new SigmaRuleError('MW_SIGMA_SCHEMA', 'a rule document must be a YAML map', doc.line);
  const data = doc.data;
  const head = HeaderSchema.safeParse(data);
  if (!head.success) throw schemaError(head.error, doc);
  const h = head.data;
  const taxonomy = data['taxonomy'];
  if (taxonomy !== undefined && taxonomy !== 'sigma')
    throw unsupported(
      `taxonomy '${String(taxonomy)}' (only the default 'sigma' taxonomy maps to the field table)`,
    );
  const header: RuleHeader = {
    file,
    line: doc.line,
    title: h.title,
    id: h.id,
    name: h.name,
    status: h.status,
    level: h.level as SigmaLevel | undefined,
    tags: h.tags ?? [],
    description: h.description,
    falsepositives: h.falsepositives ?? [],
  };
  if ('filter' in data && !('detection' in data)) return parseFilter(doc, data, header, options);
  if ('correlation' in data) {
    const c = CorrelationSchema.safeParse(data['correlation']);
    if (!c.success) throw schemaError(c.error, doc, ['correlation']);
    if ((UNSUPPORTED_CORRELATION_TYPES as readonly string[]).includes(c.data.type))
      throw unsupported(`correlation type '${c.data.type}'`);
    return { ...header, kind: 'correlation', correlation: c.data };
  }
  const body = DetectionRuleSchema.safeParse(data);
  if (!body.success) throw schemaError(body.error, doc);
  const ls = body.data.logsource;
  const parsed = parseDetection(body.data.detection, doc.lineOf);
  return {
    ...header,
    kind: 'detection',
    logsource: { product: lower(ls.product), category: lower(ls.category), service: lower(ls.service) },
    detection: compileDetection(parsed, resolveField, options.placeholders),
  };
}

function parseFilter(
  doc: RuleDocument,
  data: Record<string, unknown>,
  header: RuleHeader,
  options: CompileOptions,
): SigmaFilter {
  const body = FilterRuleSchema.safeParse(data);
  if (!body.success) throw schemaError(body.error, doc);
  const { rules, ...identifiers } = body.data.filter;
  // The filter section reads like a detection section (identifiers and condition), one level deeper.
  const lineOf = (path: readonly (string | number)[]) =>
    doc.lineOf(path[0] === 'detection' ? ['filter', ...path.slice(1)] : path);
  const parsed = parseDetection(identifiers, lineOf);
  const ls = body.data.logsource;
  return {
    ...header,
    kind: 'filter',
    logsource: { product: lower(ls.product), category: lower(ls.category), service: lower(ls.service) },
    rules,
    detection: compileDetection(parsed, resolveField, options.placeholders),
  };
}
