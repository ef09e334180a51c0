import { type Document, isMap, isNode, isSeq, LineCounter, parseAllDocuments } from 'yaml';
import { LIMITS } from '../limits.js';
import { SigmaRuleError } from '../types.js';

export type YamlPath = readonly (string | number)[];

/** One YAML document of a rule file, as plain data, with a way back to its source lines for error messages. */
export interface RuleDocument {
  readonly index: number;
  /** 1-based line where the document starts. */
  readonly line: number;
  readonly data: unknown;
  /** 1-based line of the node at `path`, or of the closest ancestor that exists. */
  lineOf(path: YamlPath): number;
}

export interface DocumentsResult {
  readonly documents: RuleDocument[];
  /** Documents that are not YAML: one error each, the others still load. */
  readonly errors: SigmaRuleError[];
}

function nodeLine(doc: Document, lc: LineCounter, path: YamlPath): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) return lc.linePos(node.range[0]).line;
  }
  return undefined;
}

/** The line of a mapping key rather than its value, so `field|mod: value` errors point at the key. */
function keyLine(doc: Document, lc: LineCounter, path: YamlPath): number | undefined {
  if (path.length === 0) return undefined;
  const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
  const last = path[path.length - 1];
  if (isMap(parent)) {
    for (const pair of parent.items) {
      const k = pair.key;
      if (isNode(k) && 'value' in k && k.value === last && k.range) return lc.linePos(k.range[0]).line;
    }
  } else if (isSeq(parent) && typeof last === 'number') {
    const item = parent.items[last];
    if (isNode(item) && item.range) return lc.linePos(item.range[0]).line;
  }
  return undefined;
}

/**
 * Splits a rule file into documents. A document that fails to parse becomes one error with its line; the others
 * are returned, so one broken rule in a collection does not hide the rest.
 */
export function parseRuleDocuments(text: string): DocumentsResult {
  const lc = new LineCounter();
  const docs: DocumentsResult['documents'] = [];
  const errors: SigmaRuleError[] = [];
  let parsed: ReturnType<typeof parseAllDocuments>;
  try {
    parsed = parseAllDocuments(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false });
  } catch (err) {
    // The yaml parser recurses on nesting; a pathological file can exhaust the stack.
    const why = err instanceof RangeError ? 'nesting too deep' : String(err);
    return {
      documents: [],
      errors: [new SigmaRuleError('MW_SIGMA_YAML', `YAML cannot be parsed: ${why}`, 1)],
    };
  }
  const list = Array.isArray(parsed) ? parsed : [];
  if (list.length > LIMITS.maxDocumentsPerFile)
    return {
      documents: [],
      errors: [
        new SigmaRuleError(
          'MW_SIGMA_TOO_LARGE',
          `${list.length} YAML documents in one file, over the ${LIMITS.maxDocumentsPerFile} limit`,
          1,
        ),
      ],
    };
  list.forEach((doc, index) => {
    const start = doc.range ? lc.linePos(doc.range[0]).line : 1;
    const first = doc.errors[0];
    if (first) {
      const line = first.linePos?.[0]?.line ?? lc.linePos(first.pos[0]).line;
      const msg = first.message.split('\n')[0] ?? first.message;
      errors.push(new SigmaRuleError('MW_SIGMA_YAML', `YAML syntax error: ${msg}`, line));
      return;
    }
    let data: unknown;
    try {
      data = doc.toJS({ maxAliasCount: LIMITS.maxAliasCount });
    } catch (err) {
      const why =
        err instanceof RangeError ? 'nesting too deep' : err instanceof Error ? err.message : String(err);
      errors.push(new SigmaRuleError('MW_SIGMA_YAML', `YAML cannot be read: ${why}`, start));
      return;
    }
    if (data === null || data === undefined) return; // an empty document between separators
    docs.push({
      index,
      line: start,
      data,
      lineOf: (path) => keyLine(doc, lc, path) ?? nodeLine(doc, lc, path) ?? start,
    });
  });
  return { documents: docs, errors };
}
