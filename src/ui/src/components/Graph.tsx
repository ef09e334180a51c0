import cytoscape from 'cytoscape';
import { useEffect, useRef } from 'preact/hooks';
import type { Surface } from '../api.js';

const COLOR: Record<string, string> = {
  internet: '#b91c1c',
  port: '#c2410c',
  service: '#a16207',
  host: '#1d4ed8',
  gain: '#7e22ce',
};

const COLUMNS = ['internet', 'port', 'service', 'host', 'gain'] as const;
const ROW = 34;

/** One column per kind, in the order the ranked paths first name each node: the riskiest paths sit on top. */
function positions(s: Surface): Record<string, { x: number; y: number }> {
  const order = new Map<string, number>();
  for (const p of s.paths) for (const n of p.nodes) if (!order.has(n)) order.set(n, order.size);
  const cols = new Map<string, string[]>();
  for (const n of [...s.nodes].sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0)))
    cols.set(n.kind, [...(cols.get(n.kind) ?? []), n.id]);
  const tallest = Math.max(1, ...[...cols.values()].map((c) => c.length));
  const out: Record<string, { x: number; y: number }> = {};
  for (const [kind, ids] of cols) {
    const x = COLUMNS.indexOf(kind as (typeof COLUMNS)[number]) * 240;
    const offset = ((tallest - ids.length) * ROW) / 2;
    ids.forEach((id, i) => {
      out[id] = { x, y: offset + i * ROW };
    });
  }
  return out;
}

export function graphHeight(s: Surface): number {
  const counts = new Map<string, number>();
  for (const n of s.nodes) counts.set(n.kind, (counts.get(n.kind) ?? 0) + 1);
  return Math.min(1400, Math.max(360, Math.max(0, ...counts.values()) * ROW + 60));
}

/** internet -> port -> service -> host -> gain, laid out left to right in those columns. */
export function SurfaceGraph(props: { surface: Surface; onHost: (id: string) => void }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!box.current) return;
    const cy = cytoscape({
      container: box.current,
      elements: [
        ...props.surface.nodes.map((n) => ({
          data: { id: n.id, label: n.label, kind: n.kind, hostId: n.hostId ?? '' },
        })),
        ...props.surface.edges.map((e, i) => ({ data: { id: `e${i}`, source: e.source, target: e.target } })),
      ],
      style: [
        {
          selector: 'node',
          style: {
            label: 'data(label)',
            'text-valign': 'center',
            'text-halign': 'right',
            'text-margin-x': 6,
            width: 14,
            height: 14,
            'font-size': 12,
            'background-color': (n: cytoscape.NodeSingular) => COLOR[String(n.data('kind'))] ?? '#555',
            'text-wrap': 'ellipsis',
            'text-max-width': '200px',
          },
        },
        {
          selector: 'edge',
          style: {
            width: 1.5,
            'line-color': '#94a3b8',
            'target-arrow-color': '#94a3b8',
            'target-arrow-shape': 'triangle',
            'curve-style': 'bezier',
          },
        },
      ],
      layout: { name: 'preset', positions: positions(props.surface) },
      wheelSensitivity: 0.3,
    });
    cy.fit(undefined, 24);
    cy.on('tap', 'node', (ev) => {
      const host = String(ev.target.data('hostId') ?? '');
      if (host && ev.target.data('kind') === 'host') props.onHost(host);
    });
    return () => cy.destroy();
  }, [props.surface]);
  return (
    <div
      ref={box}
      class="graph"
      style={{ height: `${graphHeight(props.surface)}px` }}
      role="img"
      aria-label={`Attack-path graph: ${props.surface.nodes.length} nodes, ${props.surface.edges.length} edges; the ranked table below lists the same paths`}
    />
  );
}
