import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { CpuHistory } from '../api.js';
import { time } from '../format.js';
import { useApi } from '../hooks.js';
import { Empty, Failed } from './bits.js';

const WINDOWS = ['6h', '24h', '7d', '14d'] as const;
const MARK = '#b91c1c';

/** x (epoch s) and the series, with a null point where samples stop for a while so the chart shows the gap. */
function seriesOf(points: CpuHistory['points']): [number[], (number | null)[], (number | null)[]] {
  const xs: number[] = [];
  const avg: (number | null)[] = [];
  const max: (number | null)[] = [];
  const steps = points.slice(1).map((p, i) => Date.parse(p.time) - Date.parse(points[i]?.time ?? p.time));
  const step = steps.sort((a, b) => a - b)[Math.floor(steps.length / 2)] ?? 0;
  let prev: number | null = null;
  for (const p of points) {
    const t = Date.parse(p.time);
    if (prev !== null && step > 0 && t - prev > 3 * step) {
      xs.push((prev + step) / 1000);
      avg.push(null);
      max.push(null);
    }
    xs.push(t / 1000);
    avg.push(p.avg);
    max.push(p.max);
    prev = t;
  }
  return [xs, avg, max];
}

function Chart(props: { data: CpuHistory }) {
  const box = useRef<HTMLDivElement>(null);
  const { points, mining } = props.data;
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const marks = mining.map((m) => Date.parse(m.firstSeen) / 1000);
    const since = Date.parse(props.data.since) / 1000;
    const until = Date.parse(props.data.until) / 1000;
    const plot = new uPlot(
      {
        width: Math.max(320, el.clientWidth),
        height: 220,
        series: [
          {},
          {
            label: 'Busy (mean)',
            stroke: '#1d4ed8',
            fill: 'rgba(29,78,216,0.15)',
            width: 2,
            value: (_u, v) => (v == null ? '—' : `${v.toFixed(1)} %`),
          },
          {
            label: 'Busy (highest)',
            stroke: '#64748b',
            width: 1,
            dash: [4, 3],
            value: (_u, v) => (v == null ? '—' : `${v.toFixed(1)} %`),
          },
        ],
        axes: [{}, { values: (_u, ticks) => ticks.map((v) => `${v}%`), size: 50 }],
        scales: { x: { time: true, range: () => [since, until] }, y: { range: [0, 100] } },
        legend: { live: true },
        hooks: {
          // Mining first seen: a red line across the plot, so "since when" reads off the chart.
          draw: [
            (u) => {
              const ctx = u.ctx;
              ctx.save();
              ctx.strokeStyle = MARK;
              ctx.lineWidth = 2;
              ctx.setLineDash([6, 3]);
              for (const t of marks) {
                if (t < since || t > until) continue;
                const x = Math.round(u.valToPos(t, 'x', true));
                ctx.beginPath();
                ctx.moveTo(x, u.bbox.top);
                ctx.lineTo(x, u.bbox.top + u.bbox.height);
                ctx.stroke();
              }
              ctx.restore();
            },
          ],
        },
      },
      seriesOf(points),
      el,
    );
    const resize = () => plot.setSize({ width: Math.max(320, el.clientWidth), height: 220 });
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      plot.destroy();
    };
  }, [props.data, points, mining]);
  const peak = points.reduce((a, p) => Math.max(a, p.max), 0);
  return (
    <figure class="chart">
      <div
        ref={box}
        role="img"
        aria-label={`Host CPU busy % from ${time(props.data.since)} to ${time(props.data.until)}: ${props.data.samples} samples, highest ${peak.toFixed(0)} %`}
      />
    </figure>
  );
}

/** The host's CPU over a chosen window, what burned it, and when mining was first seen. */
export function CpuHistoryCard(props: { hostId: string }) {
  const [since, setSince] = useState<string>('24h');
  const { data, error, loading } = useApi<CpuHistory>(
    `/api/hosts/${encodeURIComponent(props.hostId)}/cpu?since=${since}`,
  );
  const first = data?.mining[0];
  return (
    <div class="cpu-history">
      <label class="inline">
        Window{' '}
        <select value={since} onChange={(e) => setSince((e.currentTarget as HTMLSelectElement).value)}>
          {WINDOWS.map((w) => (
            <option key={w} value={w}>
              last {w}
            </option>
          ))}
        </select>
      </label>
      {!data ? (
        <Failed error={error} loading={loading} />
      ) : (
        <>
          {first ? (
            <p class="mining-since">
              <span class="sev sev-high">Mining</span> first seen <strong>{time(first.firstSeen)}</strong> (
              <span class="mono small">{first.exe ?? first.ruleId}</span>
              {first.pid !== null ? ` pid ${first.pid}` : ''})
              {Date.parse(first.firstSeen) < Date.parse(data.since) ? ', before this window' : ''}
              {data.mining.length > 1 ? `; ${data.mining.length} mining findings` : ''}
              {Date.parse(first.firstSeen) >= Date.parse(data.since) ? ' · red dashed line' : ''}
            </p>
          ) : null}
          {data.points.length === 0 ? (
            <Empty>No CPU samples in this window (agents send one per scan).</Empty>
          ) : (
            <Chart data={data} />
          )}
          {data.latest && data.latest.top.length > 0 ? (
            <table class="cpu-top">
              <caption class="muted small">
                Busiest at {time(data.latest.time)}: host {data.latest.busyPercent.toFixed(1)} % busy
                {data.latest.cpus !== null ? ` of ${data.latest.cpus} CPUs` : ''}
              </caption>
              <thead>
                <tr>
                  <th scope="col">PID</th>
                  <th scope="col">Process</th>
                  <th scope="col">User</th>
                  <th scope="col">CPU % of a core</th>
                  <th scope="col">Container</th>
                </tr>
              </thead>
              <tbody>
                {data.latest.top.map((p) => (
                  <tr key={`${p.pid}-${p.startTime}`}>
                    <td class="num">{p.pid}</td>
                    <td class="mono">{p.exe ?? p.name}</td>
                    <td>{p.user ?? '—'}</td>
                    <td class="num">{p.cpuPercent.toFixed(1)}</td>
                    <td class="mono small">{p.container ? p.container.slice(0, 12) : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </>
      )}
    </div>
  );
}
