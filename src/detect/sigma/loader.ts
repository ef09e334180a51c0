import { closeSync, fstatSync, lstatSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { linkCorrelations, type SigmaCorrelation } from './correlation/link.js';
import { applyFilters } from './filters.js';
import { LIMITS } from './limits.js';
import { resolveCollection } from './parse/collection.js';
import { parseRuleDocuments } from './parse/documents.js';
import {
  type CompileOptions,
  type ParsedRule,
  parseRule,
  type SigmaCorrelationDef,
  type SigmaFilter,
  type SigmaRule,
} from './parse/rule.js';
import { type SigmaFailure, SigmaRuleError, type SigmaUnsupported } from './types.js';

export interface LoadResult {
  /** Detection rules, with the filters that name them already applied. */
  readonly rules: SigmaRule[];
  readonly correlations: SigmaCorrelation[];
  readonly failed: SigmaFailure[];
  readonly unsupported: SigmaUnsupported[];
  /** Sigma filter documents loaded. */
  readonly filters: SigmaFilter[];
}

/** Everything read so far, before filters are applied and correlations linked. */
interface Collected {
  readonly rules: SigmaRule[];
  readonly correlations: SigmaCorrelationDef[];
  readonly filters: SigmaFilter[];
  readonly failed: SigmaFailure[];
  readonly unsupported: SigmaUnsupported[];
  /** ids and names of documents that did not load, so a correlation on them says why. */
  readonly notLoaded: Set<string>;
}

function emptyCollected(): Collected {
  return { rules: [], correlations: [], filters: [], failed: [], unsupported: [], notLoaded: new Set() };
}

function finish(c: Collected): LoadResult {
  const rules = applyFilters(c.rules, c.filters);
  const linked = linkCorrelations(c.correlations, rules, c.notLoaded);
  return {
    rules,
    filters: c.filters,
    correlations: linked.correlations,
    failed: [...c.failed, ...linked.failed],
    unsupported: [...c.unsupported, ...linked.unsupported],
  };
}

function noteNotLoaded(out: Collected, data: unknown): void {
  if (typeof data !== 'object' || data === null) return;
  for (const k of ['id', 'name']) {
    const v = (data as Record<string, unknown>)[k];
    if (typeof v === 'string') out.notLoaded.add(v);
  }
}

function record(out: Collected, file: string, err: unknown, fallbackLine: number): void {
  if (err instanceof SigmaRuleError) {
    if (err.code === 'unsupported') out.unsupported.push({ file, feature: err.message });
    else out.failed.push({ file, line: err.line ?? fallbackLine, code: err.code, message: err.message });
    return;
  }
  // A bug in the engine must not stop the other rules either; it is reported against the rule that hit it.
  const msg =
    err instanceof RangeError ? 'rule too deeply nested' : err instanceof Error ? err.message : String(err);
  out.failed.push({ file, line: fallbackLine, code: 'MW_SIGMA_SCHEMA', message: msg });
}

/** Loads every rule document of one file's text; each broken document is reported and skipped. */
export function loadRuleText(text: string, file: string, options: CompileOptions = {}): LoadResult {
  const out = emptyCollected();
  collectText(text, file, out, options);
  return finish(out);
}

function collectText(text: string, file: string, out: Collected, options: CompileOptions): void {
  const { documents, errors } = parseRuleDocuments(text);
  for (const e of errors) record(out, file, e, 1);
  for (const doc of resolveCollection(documents)) {
    let rule: ParsedRule;
    try {
      rule = parseRule(doc, file, options);
    } catch (err) {
      record(out, file, err, doc.line);
      noteNotLoaded(out, doc.data);
      continue;
    }
    if (rule.kind === 'detection') out.rules.push(rule);
    else if (rule.kind === 'filter') out.filters.push(rule);
    else out.correlations.push(rule);
  }
}

/** Reads at most the cap plus one byte, so an oversized file is refused without reading it all. */
function readCapped(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size > LIMITS.maxFileBytes)
      throw new SigmaRuleError(
        'MW_SIGMA_TOO_LARGE',
        `rule file is ${size} bytes, over the ${LIMITS.maxFileBytes}-byte limit`,
        1,
      );
    const buf = Buffer.alloc(size);
    let off = 0;
    while (off < size) {
      const n = readSync(fd, buf, off, size - off, off);
      if (n === 0) break;
      off += n;
    }
    return buf.subarray(0, off).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

function loadFile(file: string, out: Collected, options: CompileOptions): void {
  let text: string;
  try {
    text = readCapped(file);
  } catch (err) {
    if (err instanceof SigmaRuleError) record(out, file, err, 1);
    else
      out.failed.push({
        file,
        line: 1,
        code: 'MW_INPUT_UNREADABLE',
        message: `cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      });
    return;
  }
  collectText(text, file, out, options);
}

/** Rule files under a directory, sorted for stable output; symbolic links to directories are not followed. */
function ruleFiles(dir: string): string[] {
  const out: string[] = [];
  const stack = [dir];
  while (stack.length > 0) {
    const d = stack.pop()!;
    const entries = readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) stack.push(p);
      else if ((e.isFile() || e.isSymbolicLink()) && /\.ya?ml$/i.test(e.name)) out.push(p);
    }
  }
  return out.sort();
}

/**
 * Loads rules from files and directories (recursively, *.yml and *.yaml). Collects every failure instead of
 * stopping at the first, then links correlation rules to the rules they name.
 */
export function loadRulePaths(paths: readonly string[], options: CompileOptions = {}): LoadResult {
  const out = emptyCollected();
  for (const p of paths) {
    let isDir: boolean;
    try {
      isDir = statSync(p).isDirectory();
      lstatSync(p);
    } catch {
      out.failed.push({ file: p, line: 1, code: 'MW_INPUT_NOT_FOUND', message: 'no such file or directory' });
      continue;
    }
    for (const f of isDir ? ruleFiles(p) : [p]) loadFile(f, out, options);
  }
  return finish(out);
}
