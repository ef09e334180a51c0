import type { HostView } from '../api.js';
import { Card, Empty, Failed, Sev, StatusBadge } from '../components/bits.js';
import { CostChart } from '../components/CostChart.js';
import { CpuHistoryCard } from '../components/CpuHistory.js';
import { ago, STATUS_LABEL, time } from '../format.js';
import { useApi } from '../hooks.js';
import { href } from '../router.js';

export function HostPage(props: { id: string }) {
  const { data, error, loading } = useApi<HostView>(`/api/ui/hosts/${encodeURIComponent(props.id)}`);
  if (!data) return <Failed error={error} loading={loading} />;
  const h = data.host;
  return (
    <div class="page host">
      <p class="crumbs">
        <a href={href({ page: 'overview' })}>Fleet</a> / {h.name}
      </p>
      <h1>
        {h.name} <StatusBadge s={data.status} label={STATUS_LABEL[data.status]} />
      </h1>
      <p class="muted">
        Agent {h.liveness}, last heartbeat {ago(h.lastHeartbeat)}; {String(h.info.os ?? '')}{' '}
        {String(h.info.kernel ?? '')} · posture score <strong class="score">{data.postureScore}</strong>/100 ·{' '}
        <a href={href({ page: 'surface', host: h.id })}>attack paths</a>
      </p>
      <div class="grid">
        <Card title="Processes by CPU" class="wide">
          {data.processes.length === 0 ? (
            <Empty>No flagged processes.</Empty>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">PID</th>
                  <th scope="col">Executable</th>
                  <th scope="col">CPU %</th>
                  <th scope="col">Cost/h</th>
                  <th scope="col">Worst</th>
                  <th scope="col">Rules</th>
                </tr>
              </thead>
              <tbody>
                {data.processes.map((p) => (
                  <tr key={`${p.pid}-${p.startTime}`}>
                    <td class="num">{p.pid}</td>
                    <td class="mono">{p.exe ?? '—'}</td>
                    <td class="num">{p.cpuPercent === null ? '—' : p.cpuPercent.toFixed(1)}</td>
                    <td class="num">
                      {p.costPerHour === null ? '—' : `${p.costPerHour.toFixed(4)} ${p.currency}`}
                    </td>
                    <td>
                      <Sev s={p.worst} />
                    </td>
                    <td class="mono small">{p.rules.join(', ')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
        <Card title="Host CPU history" class="wide" id="cpu-history">
          <CpuHistoryCard hostId={h.id} />
        </Card>
        <Card title="Cost and CPU of flagged processes, last 24 hours" class="wide">
          {data.costSeries ? (
            <CostChart points={data.costSeries.points} currency={data.costSeries.currency} />
          ) : (
            <Empty>No cost evidence for this host.</Empty>
          )}
        </Card>
        <Card title="Listeners">
          {data.listeners.length === 0 ? (
            <Empty>No inventory yet.</Empty>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Port</th>
                  <th scope="col">Address</th>
                  <th scope="col">Process</th>
                  <th scope="col">Exposure</th>
                </tr>
              </thead>
              <tbody>
                {data.listeners.map((l) => (
                  <tr key={`${l.transport}${l.ip}${l.port}`}>
                    <td class="mono nowrap">
                      {l.transport}/{l.port}
                    </td>
                    <td class="mono nowrap">{l.ip}</td>
                    <td>{l.process ?? '—'}</td>
                    <td>
                      {l.exposed ? (
                        <span class="sev sev-high">{l.scope}</span>
                      ) : (
                        <span class="muted">{l.scope}</span>
                      )}
                      {l.weaknesses.length > 0 && <span class="small"> {l.weaknesses.join(', ')}</span>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
        <Card title="Vulnerable packages">
          {data.packages.length === 0 ? (
            <Empty>No known vulnerabilities reported.</Empty>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Package</th>
                  <th scope="col">Version</th>
                  <th scope="col">Advisories</th>
                  <th scope="col">Exploited</th>
                </tr>
              </thead>
              <tbody>
                {data.packages.map((p, i) => (
                  <tr key={`${p.name}${i}`}>
                    <td>{p.name}</td>
                    <td class="mono">{p.version ?? '—'}</td>
                    <td class="mono small">{p.ids.join(', ')}</td>
                    <td>{p.kev ? <span class="sev sev-critical">KEV</span> : <Sev s={p.severity} />}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
        <Card title="Incidents" class="wide">
          {data.incidents.length === 0 ? (
            <Empty>No incidents on this host.</Empty>
          ) : (
            <ul class="plain">
              {data.incidents.map((i) => (
                <li key={i.id}>
                  <Sev s={i.severity} /> <a href={href({ page: 'incident', id: i.id })}>{i.title}</a>{' '}
                  <span class="muted">{ago(i.lastSeen)}</span>
                </li>
              ))}
            </ul>
          )}
        </Card>
      </div>
      <Card title={`Findings (${data.findings.length})`}>
        <div class="scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Severity</th>
                <th scope="col">Finding</th>
                <th scope="col">Rule</th>
                <th scope="col">Entity</th>
                <th scope="col">Last seen</th>
              </tr>
            </thead>
            <tbody>
              {data.findings.map((f) => (
                <tr key={f.id}>
                  <td>
                    <Sev s={f.severity} />
                  </td>
                  <td>{f.title}</td>
                  <td class="mono small">{f.ruleId}</td>
                  <td class="mono small">
                    {f.entity.kind} {f.entity.pid ?? ''}{' '}
                    {f.entity.exe ?? f.entity.path ?? f.entity.ip ?? f.entity.name ?? ''}
                  </td>
                  <td title={time(f.lastSeen)}>{ago(f.lastSeen)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Card>
    </div>
  );
}
