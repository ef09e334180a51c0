import type { IncidentView, Me } from '../api.js';
import { canRespond } from '../api.js';
import { Card, Empty, Failed, Sev } from '../components/bits.js';
import { IncidentCost } from '../components/IncidentCost.js';
import { ResponsePanel } from '../components/ResponsePanel.js';
import { STAGE_LABEL, time } from '../format.js';
import { useApi } from '../hooks.js';
import { href } from '../router.js';

function EvidenceList(props: { evidence: Record<string, unknown>; indicators: Set<string> }) {
  return (
    <dl class="evidence">
      {Object.entries(props.evidence).map(([k, v]) => {
        const text = typeof v === 'string' ? v : JSON.stringify(v);
        const hit = [...props.indicators].some((i) => i && text.includes(i));
        return (
          <div key={k} class={hit ? 'hit' : ''}>
            <dt>{k}</dt>
            <dd class="mono">{text}</dd>
          </div>
        );
      })}
    </dl>
  );
}

export function IncidentPage(props: { id: string; me: Me }) {
  const path = `/api/ui/incidents/${encodeURIComponent(props.id)}`;
  const { data, error, loading } = useApi<IncidentView>(path);
  if (!data) return <Failed error={error} loading={loading} />;
  const inc = data.incident;
  const indicators = new Set(inc.attribution.flatMap((a) => a.indicators));
  return (
    <div class="page incident">
      <p class="crumbs">
        <a href={href({ page: 'incidents' })}>Incidents</a> / {inc.id}
      </p>
      <h1>
        <Sev s={inc.severity} /> {inc.title}
      </h1>
      <p class="muted">
        On <a href={href({ page: 'host', id: inc.host.id })}>{data.hostName}</a> · first seen{' '}
        {time(inc.firstSeen)} · last seen {time(inc.lastSeen)}
        {inc.entryPoint ? ` · entry point: ${inc.entryPoint}` : ''}
      </p>
      <IncidentCost cost={inc.cost} />
      <Card title="Kill chain">
        <ol class="timeline">
          {data.timeline.map((step) => (
            <li key={step.stage} class={step.findings.length ? 'on' : 'off'}>
              <div class="stage">
                <span class="dot" aria-hidden="true" />
                <strong>{STAGE_LABEL[step.stage] ?? step.stage}</strong>
                <span class="muted small">{step.time ? time(step.time) : 'no evidence'}</span>
              </div>
              {step.stage === 'initial-access' && step.findings.length === 0 && inc.entryPoint && (
                <p class="small">{inc.entryPoint}</p>
              )}
              {step.findings.map((f) => (
                <details key={f.id}>
                  <summary>
                    <Sev s={f.severity} /> {f.title} <span class="muted small">{f.entity}</span>
                  </summary>
                  <p class="small muted">
                    {f.ruleId} · {time(f.time)}
                  </p>
                  <EvidenceList evidence={f.evidence} indicators={indicators} />
                </details>
              ))}
            </li>
          ))}
        </ol>
      </Card>
      <div class="grid">
        <Card title="Attribution">
          {inc.attribution.length === 0 ? (
            <Empty>Not attributed to a known group.</Empty>
          ) : (
            <ul class="plain">
              {inc.attribution.map((a) => (
                <li key={a.group}>
                  <strong>{a.group}</strong> <span class="muted">score {a.score.toFixed(2)}</span>
                  <div class="chips">
                    {a.indicators.map((i) => (
                      <span class="chip mono" key={i}>
                        {i}
                      </span>
                    ))}
                  </div>
                </li>
              ))}
            </ul>
          )}
        </Card>
        <Card title="Affected entities">
          <ul class="plain mono small">
            {data.entities.map((e) => (
              <li key={e}>{e}</li>
            ))}
          </ul>
        </Card>
        <Card title="Recommended actions" class="wide">
          {data.recommendations.length === 0 ? (
            <Empty>No recommendations.</Empty>
          ) : (
            <ul>
              {data.recommendations.map((r) => (
                <li key={r}>{r}</li>
              ))}
            </ul>
          )}
        </Card>
      </div>
      <ResponsePanel incidentId={inc.id} local={data.local} allowed={canRespond(props.me)} />
    </div>
  );
}
