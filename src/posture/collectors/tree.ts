import { isMap, isScalar, isSeq, type LineCounter, type Node as YamlNode } from 'yaml';
import type { HclBody, HclExpr } from './hcl/parser.js';

/**
 * One located value tree for every input format (HCL, JSON, YAML), so a check reads `ingress[0].cidr_blocks` the
 * same way from a .tf file, a plan JSON or a manifest, and still knows the line each value came from.
 */
export type LNode =
  | { kind: 'scalar'; value: string | number | boolean | null; line: number }
  | { kind: 'seq'; items: LNode[]; line: number }
  | { kind: 'map'; entries: Map<string, LEntry>; line: number }
  /** A value only known later (a reference, a function call, an interpolated string). */
  | { kind: 'unknown'; text: string; line: number };

export interface LEntry {
  keyLine: number;
  value: LNode;
}

export type LMap = Extract<LNode, { kind: 'map' }>;

export function get(node: LNode | undefined, key: string): LNode | undefined {
  return node?.kind === 'map' ? node.entries.get(key)?.value : undefined;
}

export function keyLine(node: LNode | undefined, key: string): number | undefined {
  return node?.kind === 'map' ? node.entries.get(key)?.keyLine : undefined;
}

/** Line of the first attribute of an object: where readers pin an object written inline in a list. */
export function firstKeyLine(node: LNode | undefined): number | undefined {
  if (node?.kind !== 'map') return undefined;
  let min: number | undefined;
  for (const e of node.entries.values())
    if (e.keyLine > 0 && (min === undefined || e.keyLine < min)) min = e.keyLine;
  return min;
}

/** Distinct positive line numbers in the order given. */
export function uniqPositive(...lines: (number | undefined)[]): number[] {
  const out: number[] = [];
  for (const l of lines) if (l !== undefined && l > 0 && !out.includes(l)) out.push(l);
  return out;
}

export function getPath(node: LNode | undefined, ...keys: string[]): LNode | undefined {
  let cur = node;
  for (const k of keys) cur = get(cur, k);
  return cur;
}

export function str(node: LNode | undefined): string | undefined {
  if (node?.kind !== 'scalar' || node.value === null) return undefined;
  return String(node.value);
}

export function num(node: LNode | undefined): number | undefined {
  if (node?.kind !== 'scalar' || node.value === null || node.value === '') return undefined;
  const n = Number(node.value);
  return Number.isFinite(n) ? n : undefined;
}

/** Booleans as YAML/HCL/JSON write them, including the string forms Terraform accepts. */
export function bool(node: LNode | undefined): boolean | undefined {
  if (node?.kind !== 'scalar') return undefined;
  if (node.value === true || node.value === 'true') return true;
  if (node.value === false || node.value === 'false') return false;
  return undefined;
}

/** Items of a sequence; a single map counts as one item (HCL blocks and lists of objects read alike). */
export function items(node: LNode | undefined): LNode[] {
  if (!node) return [];
  if (node.kind === 'seq') return node.items;
  if (node.kind === 'map') return [node];
  return [];
}

/** String items of a list attribute with their lines; non-literal items are reported as unknown. */
export function strings(node: LNode | undefined): { value: string; line: number; unknown?: boolean }[] {
  if (!node) return [];
  const list = node.kind === 'seq' ? node.items : [node];
  const out: { value: string; line: number; unknown?: boolean }[] = [];
  for (const it of list) {
    if (it.kind === 'scalar' && it.value !== null) out.push({ value: String(it.value), line: it.line });
    else if (it.kind === 'unknown') out.push({ value: it.text, line: it.line, unknown: true });
  }
  return out;
}

export function isEmpty(node: LNode | undefined): boolean {
  if (!node) return true;
  if (node.kind === 'scalar') return node.value === null || node.value === '';
  if (node.kind === 'seq') return node.items.length === 0;
  if (node.kind === 'map') return node.entries.size === 0;
  return false;
}

// --- HCL -------------------------------------------------------------------------------------------------------

export function fromHclExpr(e: HclExpr): LNode {
  switch (e.kind) {
    case 'literal':
      return { kind: 'scalar', value: e.value, line: e.line };
    case 'tuple':
      return { kind: 'seq', items: e.items.map(fromHclExpr), line: e.line };
    case 'object': {
      const entries = new Map<string, LEntry>();
      for (const en of e.entries) entries.set(en.key, { keyLine: en.line, value: fromHclExpr(en.value) });
      return { kind: 'map', entries, line: e.line };
    }
    default:
      return { kind: 'unknown', text: e.text, line: e.line };
  }
}

/** A block body: attributes become entries; nested blocks of one type become a sequence of maps under that name. */
export function fromHclBody(body: HclBody, line: number): LMap {
  const entries = new Map<string, LEntry>();
  for (const a of body.attributes) entries.set(a.name, { keyLine: a.line, value: fromHclExpr(a.expr) });
  for (const b of body.blocks) {
    const node = fromHclBody(b.body, b.line);
    const prev = entries.get(b.type);
    if (prev?.value.kind === 'seq') prev.value.items.push(node);
    else entries.set(b.type, { keyLine: b.line, value: { kind: 'seq', items: [node], line: b.line } });
  }
  return { kind: 'map', entries, line };
}

// --- YAML and JSON (JSON is parsed by the YAML parser, which keeps offsets) -------------------------------------

function lineOf(lc: LineCounter, offset: number | undefined): number {
  return offset === undefined ? 0 : lc.linePos(offset).line;
}

export function fromYaml(node: unknown, lc: LineCounter, depth = 0): LNode {
  if (depth > 200) return { kind: 'unknown', text: 'too deep', line: 0 };
  const n = node as YamlNode | null;
  const line = lineOf(lc, n?.range?.[0]);
  if (isMap(n)) {
    const entries = new Map<string, LEntry>();
    for (const pair of n.items) {
      const k = pair.key;
      const key = isScalar(k) ? String(k.value) : String(k);
      const kl = lineOf(lc, isScalar(k) ? k.range?.[0] : undefined);
      entries.set(key, { keyLine: kl, value: fromYaml(pair.value, lc, depth + 1) });
    }
    return { kind: 'map', entries, line };
  }
  if (isSeq(n)) return { kind: 'seq', items: n.items.map((i) => fromYaml(i, lc, depth + 1)), line };
  if (isScalar(n)) {
    const v = n.value;
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
      return { kind: 'scalar', value: v, line };
    return { kind: 'scalar', value: String(v), line };
  }
  return { kind: 'scalar', value: null, line };
}

/** Plain JS data (already parsed JSON) without lines, e.g. from a zip entry. */
export function fromPlain(v: unknown, line = 0, depth = 0): LNode {
  if (depth > 200) return { kind: 'unknown', text: 'too deep', line };
  if (Array.isArray(v)) return { kind: 'seq', items: v.map((x) => fromPlain(x, line, depth + 1)), line };
  if (v !== null && typeof v === 'object') {
    const entries = new Map<string, LEntry>();
    for (const [k, x] of Object.entries(v))
      entries.set(k, { keyLine: line, value: fromPlain(x, line, depth + 1) });
    return { kind: 'map', entries, line };
  }
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
    return { kind: 'scalar', value: v, line };
  return { kind: 'unknown', text: String(v), line };
}
