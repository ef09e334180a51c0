import type { IncidentList } from '../api.js';
import { Card, Empty, Failed, Sev } from '../components/bits.js';
import { ago, STAGE_LABEL } from '../format.js';
import { useApi } from '../hooks.js';
import { href } from '../router.js';

export function IncidentsPage() {
  const { data, error, loading } = useApi<IncidentList>('/api/ui/incidents');
  if (!data) return <Failed error={error} loading={loading} />;
  return (
    <div class="page">
      <h1>Incidents</h1>
      <Card title={`${data.incidents.length} incidents`}>
        {data.incidents.length === 0 ? (
          <Empty>No incidents.</Empty>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Severity</th>
                <th scope="col">Incident</th>
                <th scope="col">Host</th>
                <th scope="col">Stages</th>
                <th scope="col">Last seen</th>
              </tr>
            </thead>
            <tbody>
              {data.incidents.map((i) => (
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
                  <td class="small">{i.stages.map((s) => STAGE_LABEL[s] ?? s).join(' → ')}</td>
                  <td>{ago(i.lastSeen)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </div>
  );
}
