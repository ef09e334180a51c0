import { useEffect, useLayoutEffect, useMemo, useState } from 'preact/hooks';
import type { Overview } from '../api.js';
import { Card, Empty, Failed, Sev, StatusBadge } from '../components/bits.js';
import { CostChart } from '../components/CostChart.js';
import { ago, money, STATUS_LABEL } from '../format.js';
import { useApi } from '../hooks.js';
import { href } from '../router.js';

declare global {
  interface Window {
    /** Milliseconds from the overview data arriving to the page painted; read by the browser tests. */
    __mwOverviewRenderMs?: number;
  }
}

const STATUSES = ['mining', 'dark', 'compromised', 'exposed', 'clean'] as const;
const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;

export function OverviewPage() {
  const { data, error, loading } = useApi<Overview>('/api/ui/overview');
  const [arrived, setArrived] = useState<number | null>(null);
  const [filter, setFilter] = useState<string | null>(null);
  useLayoutEffect(() => {
    if (data) setArrived(performance.now());
  }, [data]);
  useEffect(() => {
    if (arrived === null) return;
    // Two frames: the first runs before paint, the second after the browser painted the table.
    requestAnimationFrame(() =>
      requestAnimationFrame(() => {
        window.__mwOverviewRenderMs = performance.now() - arrived;
      }),
    );
  }, [arrived]);
  const hosts = useMemo(
    () => (data ? (filter ? data.hosts.filter((h) => h.status === filter) : data.hosts) : []),
    [data, filter],
  );
  if (!data) return <Failed error={error} loading={loading} />;
  return (
    <div class="page overview">
      <h1>Fleet</h1>
      <p class="muted">
        {data.totals.hosts} hosts, {data.totals.findings} findings, {data.totals.incidents} incidents —
        updated {ago(data.generatedAt)}
      </p>
      <fieldset class="tiles">
        <legend class="sr-only">Hosts by status</legend>
        {STATUSES.map((s) => (
          <button
            type="button"
            key={s}
            class={`tile tile-${s}`}
            aria-pressed={filter === s}
            onClick={() => setFilter(filter === s ? null : s)}
          >
            <span class="n">{data.statusCounts[s] ?? 0}</span>
            <span class="l">{STATUS_LABEL[s]}</span>
          </button>
        ))}
      </fieldset>
      <div class="grid">
        <Card title="Money burned by mining">
          {data.money.length === 0 ? (
            <Empty>No mining cost recorded.</Empty>
          ) : (
            data.money.map((m) => (
              <dl class="money" key={m.currency}>
                <div>
                  <dt>Today (since 00:00 UTC)</dt>
                  <dd class="big">{money(m.burnedToday, m.currency)}</dd>
                </div>
                <div>
                  <dt>Projected per month</dt>
                  <dd class="big">{money(m.perMonth, m.currency)}</dd>
                </div>
                <div>
                  <dt>Per hour now</dt>
                  <dd>{money(m.perHour, m.currency)}</dd>
                </div>
              </dl>
            ))
          )}
        </Card>
        <Card title="Open incidents by severity">
          <ul class="sevcounts">
            {SEVERITIES.map((s) => (
              <li key={s}>
                <Sev s={s} /> <strong>{data.incidentsBySeverity[s] ?? 0}</strong>
              </li>
            ))}
          </ul>
          <p>
            <a href={href({ page: 'incidents' })}>All incidents</a>
          </p>
        </Card>
        <Card title="Mining cost and CPU, last 24 hours" class="wide">
          {data.costSeries ? (
            <CostChart points={data.costSeries.points} currency={data.costSeries.currency} />
          ) : (
            <Empty>No cost evidence yet.</Empty>
          )}
        </Card>
        <Card title="Top pools">
          <RankTable rows={data.topPools} what="Pool" />
        </Card>
        <Card title="Top attacker IPs">
          <RankTable rows={data.topAttackers} what="Address" />
        </Card>
        <Card title="Incidents" class="wide">
          {data.incidents.length === 0 ? (
            <Empty>No incidents.</Empty>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Severity</th>
                  <th scope="col">Incident</th>
                  <th scope="col">Host</th>
                  <th scope="col">Last seen</th>
                </tr>
              </thead>
              <tbody>
                {data.incidents.slice(0, 10).map((i) => (
                  <tr key={i.id}>
                    <td>
                      <Sev s={i.severity} />
                    </td>
                    <td>
                      <a href={href({ page: 'incident', id: i.id })}>{i.title}</a>
                    </td>
                    <td>
                      <a href={href({ page: 'host', id: i.hostId })}>{i.hostName}</a>
                    </td>
                    <td>{ago(i.lastSeen)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
      </div>
      <Card title={`Hosts${filter ? `: ${STATUS_LABEL[filter]}` : ''} (${hosts.length})`} id="hosts-card">
        <div class="scroll">
          <table class="hosts" data-testid="hosts-table">
            <thead>
              <tr>
                <th scope="col">Host</th>
                <th scope="col">Status</th>
                <th scope="col">Worst</th>
                <th scope="col">Findings</th>
                <th scope="col">Incidents</th>
                <th scope="col">Cost/h</th>
                <th scope="col">Last seen</th>
              </tr>
            </thead>
            <tbody>
              {hosts.map((h) => (
                <tr key={h.id}>
                  <td>
                    <a href={href({ page: 'host', id: h.id })}>{h.name}</a>
                  </td>
                  <td>
                    <StatusBadge s={h.status} label={STATUS_LABEL[h.status]} />
                  </td>
                  <td>
                    <Sev s={h.worst} />
                  </td>
                  <td class="num">{h.findings}</td>
                  <td class="num">{h.incidents}</td>
                  <td class="num">
                    {h.costPerHour && h.currency ? `${h.costPerHour.toFixed(4)} ${h.currency}` : '—'}
                  </td>
                  <td>{ago(h.lastSeen)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Card>
    </div>
  );
}

function RankTable(props: { rows: Array<{ key: string; hosts: number; findings: number }>; what: string }) {
  if (props.rows.length === 0) return <Empty>None seen.</Empty>;
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">{props.what}</th>
          <th scope="col">Hosts</th>
          <th scope="col">Findings</th>
        </tr>
      </thead>
      <tbody>
        {props.rows.map((r) => (
          <tr key={r.key}>
            <td class="mono">{r.key}</td>
            <td class="num">{r.hosts}</td>
            <td class="num">{r.findings}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
