import type { Overview, Surface } from '../api.js';
import { Card, Empty, Failed } from '../components/bits.js';
import { SurfaceGraph } from '../components/Graph.js';
import { useApi } from '../hooks.js';
import { href } from '../router.js';

export function SurfacePage(props: { host?: string }) {
  const q = props.host ? `?host=${encodeURIComponent(props.host)}` : '';
  const { data, error, loading } = useApi<Surface>(`/api/ui/surface${q}`);
  const hosts = useApi<Overview>('/api/ui/overview');
  const labels = new Map(data?.nodes.map((n) => [n.id, n.label]) ?? []);
  return (
    <div class="page surface">
      <h1>Attack surface</h1>
      <label class="inline">
        Host{' '}
        <select
          value={props.host ?? ''}
          onChange={(e) => {
            const v = e.currentTarget.value;
            window.location.hash = href(v ? { page: 'surface', host: v } : { page: 'surface' });
          }}
        >
          <option value="">All hosts</option>
          {hosts.data?.hosts.map((h) => (
            <option key={h.id} value={h.id}>
              {h.name}
            </option>
          ))}
        </select>
      </label>
      {!data ? (
        <Failed error={error} loading={loading} />
      ) : data.paths.length === 0 ? (
        <Empty>No listener reachable from outside the host has been reported.</Empty>
      ) : (
        <>
          <Card title="Paths an attacker could take">
            <SurfaceGraph
              surface={data}
              onHost={(id) => {
                window.location.hash = href({ page: 'host', id });
              }}
            />
          </Card>
          <Card title="Ranked">
            <table>
              <thead>
                <tr>
                  <th scope="col">Score</th>
                  <th scope="col">Host</th>
                  <th scope="col">Path</th>
                  <th scope="col">Weaknesses</th>
                </tr>
              </thead>
              <tbody>
                {data.paths.map((p, i) => (
                  <tr key={`${p.hostId}${i}`}>
                    <td class="num">
                      <strong>{p.score}</strong>
                    </td>
                    <td>
                      <a href={href({ page: 'host', id: p.hostId })}>{p.hostName}</a>
                    </td>
                    <td class="small">{p.nodes.map((n) => labels.get(n) ?? n).join(' → ')}</td>
                    <td class="small">{p.weaknesses.join('; ') || '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Card>
        </>
      )}
    </div>
  );
}
