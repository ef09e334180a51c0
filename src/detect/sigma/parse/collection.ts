import type { RuleDocument } from './documents.js';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Maps merge key by key (later wins); anything else is replaced. */
function deepMerge(base: unknown, over: unknown): unknown {
  if (!isRecord(base) || !isRecord(over)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = k in base ? deepMerge(base[k], v) : v;
  return out;
}

/**
 * Resolves Sigma 1.x rule collections: an `action: global` document is merged into every following document,
 * `action: reset` drops it, and `action: repeat` re-uses the previous document with the repeat's changes.
 * Files without `action` pass through unchanged.
 */
export function resolveCollection(docs: readonly RuleDocument[]): RuleDocument[] {
  let global: unknown;
  let previous: unknown;
  const out: RuleDocument[] = [];
  for (const doc of docs) {
    const action = isRecord(doc.data) ? doc.data['action'] : undefined;
    if (action === 'global') {
      const { action: _a, ...rest } = doc.data as Record<string, unknown>;
      global = global === undefined ? rest : deepMerge(global, rest);
      continue;
    }
    if (action === 'reset') {
      global = undefined;
      continue;
    }
    let data: unknown = doc.data;
    if (action === 'repeat' && isRecord(doc.data)) {
      const { action: _a, ...rest } = doc.data;
      data = deepMerge(previous ?? {}, rest);
    } else if (global !== undefined) data = deepMerge(global, doc.data);
    previous = data;
    out.push(data === doc.data ? doc : { ...doc, data });
  }
  return out;
}
