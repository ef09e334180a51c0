import type { AttackPath } from './graph.js';

export function pathsText(paths: readonly AttackPath[], limit = 20): string {
  if (paths.length === 0) return 'No attack paths.\n';
  const out: string[] = [];
  for (const p of paths.slice(0, limit)) {
    const [, ...rest] = p.nodes;
    out.push(`[${String(p.score).padStart(3)}] internet`);
    let indent = '      ';
    for (const n of rest) {
      out.push(`${indent}└─ ${n.kind}: ${n.label}${n.ruleId ? ` (${n.ruleId})` : ''}`);
      indent += '   ';
    }
    p.gains.forEach((g, i) => {
      out.push(`${indent}${i === p.gains.length - 1 ? '└─' : '├─'} gain: ${g.label}`);
    });
  }
  if (paths.length > limit) out.push(`(${paths.length - limit} more)`);
  return `${out.join('\n')}\n`;
}

const q = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** Graphviz DOT: shared nodes (the internet, the host, gains) are drawn once; edge labels carry the score. */
export function pathsDot(paths: readonly AttackPath[]): string {
  const ids = new Map<string, string>();
  const nodeLines: string[] = [];
  const edges = new Set<string>();
  const id = (kind: string, label: string) => {
    const key = `${kind}\u0000${label}`;
    let v = ids.get(key);
    if (!v) {
      v = `n${ids.size}`;
      ids.set(key, v);
      const shape =
        kind === 'internet'
          ? 'doublecircle'
          : kind === 'gain'
            ? 'octagon'
            : kind === 'weakness'
              ? 'box'
              : 'ellipse';
      nodeLines.push(`  ${v} [label=${q(label)}, shape=${shape}];`);
    }
    return v;
  };
  for (const p of paths) {
    const chain = p.nodes.map((n) => id(n.kind, n.label));
    for (let i = 1; i < chain.length; i++)
      edges.add(`  ${chain[i - 1]} -> ${chain[i]} [label=${q(String(p.score))}];`);
    const last = chain[chain.length - 1]!;
    for (const g of p.gains) edges.add(`  ${last} -> ${id('gain', g.label)};`);
  }
  return `digraph attack_paths {\n  rankdir=LR;\n${nodeLines.join('\n')}\n${[...edges].join('\n')}\n}\n`;
}
