import { useState } from 'preact/hooks';
import { api, canRespond, type Me, type PostureView } from '../api.js';
import { Card, Empty, Failed, Sev } from '../components/bits.js';
import { useApi } from '../hooks.js';
import { href } from '../router.js';

function inDays(n: number): string {
  return new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
}

function SuppressForm(props: { rule: string; resource: string; onDone: () => void }) {
  const [error, setError] = useState<string | null>(null);
  const submit = async (ev: Event) => {
    ev.preventDefault();
    const f = new FormData(ev.currentTarget as HTMLFormElement);
    try {
      await api('/api/ui/posture/suppressions', {
        method: 'POST',
        body: {
          rule: props.rule,
          resource: String(f.get('resource')),
          reason: String(f.get('reason')),
          expires: String(f.get('expires')),
        },
      });
      props.onDone();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <form class="suppress" onSubmit={submit}>
      <label>
        Resource <input name="resource" defaultValue={props.resource} required />
      </label>
      <label>
        Reason <input name="reason" required minLength={3} placeholder="why this risk is accepted" />
      </label>
      <label>
        Until <input name="expires" type="date" required defaultValue={inDays(30)} min={inDays(0)} />
      </label>
      <button type="submit">Suppress</button>
      {error && (
        <span class="error" role="alert">
          {error}
        </span>
      )}
    </form>
  );
}

export function PosturePage(props: { me: Me }) {
  const { data, error, loading, reload } = useApi<PostureView>('/api/ui/posture');
  const [open, setOpen] = useState<string | null>(null);
  const may = canRespond(props.me);
  if (!data) return <Failed error={error} loading={loading} />;
  const lift = async (id: string) => {
    await api(`/api/ui/posture/suppressions/${id}`, { method: 'DELETE' });
    reload();
  };
  return (
    <div class="page posture">
      <h1>Posture</h1>
      <p>
        Fleet score (mean of hosts) <strong class="score">{data.score}</strong>/100 · Export:{' '}
        <a href="/api/ui/posture/export?format=sarif" download="minewarden-posture.sarif">
          SARIF
        </a>{' '}
        ·{' '}
        <a href="/api/ui/posture/export?format=json" download="minewarden-posture.json">
          JSON
        </a>
      </p>
      {data.checks.length === 0 ? (
        <Empty>No posture findings reported.</Empty>
      ) : (
        data.checks.map((c) => (
          <Card title={`${c.title}`} key={c.ruleId} id={`check-${c.ruleId}`}>
            <p class="small">
              <Sev s={c.severity} /> <span class="mono">{c.ruleId}</span> · {c.open} open of{' '}
              {c.findings.length}
            </p>
            <div class="scroll short">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Host</th>
                    <th scope="col">Resource</th>
                    <th scope="col">State</th>
                    {may && <th scope="col">Action</th>}
                  </tr>
                </thead>
                <tbody>
                  {c.findings.map((f) => {
                    const key = `${c.ruleId}:${f.id}`;
                    return (
                      <tr key={f.id}>
                        <td>
                          <a href={href({ page: 'host', id: f.hostId })}>{f.hostName}</a>
                        </td>
                        <td class="mono small">{f.resource}</td>
                        <td class="small">
                          {f.suppressedBy
                            ? `suppressed until ${f.suppressedBy.expires}: ${f.suppressedBy.reason}`
                            : 'open'}
                        </td>
                        {may && (
                          <td>
                            {!f.suppressedBy &&
                              (open === key ? (
                                <SuppressForm
                                  rule={c.ruleId}
                                  resource={f.resource}
                                  onDone={() => {
                                    setOpen(null);
                                    reload();
                                  }}
                                />
                              ) : (
                                <button type="button" onClick={() => setOpen(key)}>
                                  Suppress…
                                </button>
                              ))}
                          </td>
                        )}
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          </Card>
        ))
      )}
      <Card title="Suppressions in force">
        {data.suppressions.length === 0 ? (
          <Empty>None.</Empty>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Rule</th>
                <th scope="col">Resource</th>
                <th scope="col">Reason</th>
                <th scope="col">Until</th>
                <th scope="col">By</th>
                {may && <th scope="col">Action</th>}
              </tr>
            </thead>
            <tbody>
              {data.suppressions.map((s) => (
                <tr key={s.id}>
                  <td class="mono small">{s.rule}</td>
                  <td class="mono small">{s.resource}</td>
                  <td>{s.reason}</td>
                  <td>{s.expires}</td>
                  <td>{s.by}</td>
                  {may && (
                    <td>
                      <button type="button" onClick={() => lift(s.id)}>
                        Lift
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </div>
  );
}
