import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** Money burned and CPU used by miners per hour over the last day; uPlot draws on a canvas, cheap at any length. */
export function CostChart(props: {
  points: Array<{ t: number; cost: number; cpu: number }>;
  currency: string;
  label?: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const width = Math.max(320, el.clientWidth);
    const plot = new uPlot(
      {
        width,
        height: 220,
        series: [
          {},
          {
            label: props.label ?? `Cost per hour (${props.currency})`,
            stroke: '#c2410c',
            fill: 'rgba(194,65,12,0.15)',
            width: 2,
            value: (_u, v) => (v == null ? '—' : `${v.toFixed(4)} ${props.currency}`),
            scale: 'money',
          },
          {
            label: 'CPU (% of a core)',
            stroke: '#1d4ed8',
            width: 1.5,
            dash: [6, 4],
            value: (_u, v) => (v == null ? '—' : `${v.toFixed(0)} %`),
            scale: 'cpu',
          },
        ],
        axes: [
          {},
          { scale: 'money', values: (_u, ticks) => ticks.map((v) => v.toFixed(v < 1 ? 3 : 2)), size: 60 },
          {
            scale: 'cpu',
            side: 1,
            values: (_u, ticks) => ticks.map((v) => `${v}%`),
            size: 56,
            grid: { show: false },
          },
        ],
        scales: {
          x: { time: true },
          money: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
          cpu: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 100] },
        },
        legend: { live: true },
      },
      [props.points.map((p) => p.t), props.points.map((p) => p.cost), props.points.map((p) => p.cpu)],
      el,
    );
    const resize = () => plot.setSize({ width: Math.max(320, el.clientWidth), height: 220 });
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      plot.destroy();
    };
  }, [props.points, props.currency, props.label]);
  const total = props.points.reduce((a, p) => a + p.cost, 0);
  return (
    <figure class="chart">
      <div
        ref={box}
        role="img"
        aria-label={`Cost and CPU per hour over the last ${props.points.length} hours, ${total.toFixed(4)} ${props.currency} in total`}
      />
    </figure>
  );
}
