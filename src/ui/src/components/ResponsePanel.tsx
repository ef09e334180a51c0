import { useEffect, useRef, useState } from 'preact/hooks';
import {
  type ActionEntry,
  api,
  type RemoteRequest,
  type ResponseInfo,
  type ResponseRun,
  type UndoOutcome,
} from '../api.js';
import { useApi } from '../hooks.js';
import { Card, Empty } from './bits.js';

function Entries(props: { entries: ActionEntry[]; caption: string }) {
  return (
    <table>
      <caption>{props.caption}</caption>
      <thead>
        <tr>
          <th scope="col">Step</th>
          <th scope="col">Target</th>
          <th scope="col">Status</th>
          <th scope="col">Why / result</th>
        </tr>
      </thead>
      <tbody>
        {props.entries.map((e) => (
          <tr key={e.id} data-kind={e.kind} data-status={e.status}>
            <td>{e.kind}</td>
            <td class="mono small">{e.target}</td>
            <td>
              <span class={`st st-${e.status}`}>{e.status}</span>
            </td>
            <td class="small">{e.detail ?? e.reason}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The requests sent to the host's agent for this incident: who asked what, and where each stands. */
function Requests(props: { requests: RemoteRequest[] }) {
  return (
    <table data-testid="requests">
      <caption>Requests to the host agent</caption>
      <thead>
        <tr>
          <th scope="col">Asked</th>
          <th scope="col">By</th>
          <th scope="col">What</th>
          <th scope="col">Status</th>
          <th scope="col">Note</th>
        </tr>
      </thead>
      <tbody>
        {props.requests.map((r) => (
          <tr key={r.id} data-op={r.op} data-status={r.status}>
            <td class="small">{new Date(r.createdAt).toLocaleString()}</td>
            <td>{r.requestedBy}</td>
            <td>{r.op === 'undo' ? `undo ${r.undoRunId ?? ''}` : r.op}</td>
            <td>
              <span class={`st st-${r.status}`}>{r.status}</span>
            </td>
            <td class="small">{r.message ?? (r.result?.runId ? `run ${r.result.runId}` : '')}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const settledStatus = (r: RemoteRequest) => r.status === 'done' || r.status === 'failed';

/**
 * Show the plan, confirm, apply, undo. Viewers never see the buttons (the server refuses them too). On the server's
 * own host the server acts at once; on another host with an enrolled agent each step is a request that the agent
 * takes and carries out: the panel follows it (pending, taken, done) and shows the journal the agent reported.
 */
export function ResponsePanel(props: { incidentId: string; local: boolean; allowed: boolean }) {
  const id = encodeURIComponent(props.incidentId);
  const journal = useApi<{ actions: ActionEntry[] }>(`/api/ui/incidents/${id}/actions`);
  const info = useApi<ResponseInfo>(`/api/ui/incidents/${id}/response`);
  const [plan, setPlan] = useState<ResponseRun | null>(null);
  const [applied, setApplied] = useState<ResponseRun | null>(null);
  const [undone, setUndone] = useState<UndoOutcome[] | null>(null);
  const [inflight, setInflight] = useState<RemoteRequest | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [confirmKeys, setConfirmKeys] = useState(false);
  const dialog = useRef<HTMLDialogElement>(null);
  const live = useRef(true);
  useEffect(
    () => () => {
      live.current = false;
    },
    [],
  );
  const base = `/api/ui/incidents/${id}/response`;
  const mode = info.data?.mode ?? (props.local ? 'local' : null);

  /** Follows a request to the host agent until it is done or failed; its progress shows meanwhile. */
  const follow = async (first: RemoteRequest): Promise<RemoteRequest> => {
    let r = first;
    setInflight(r);
    while (!settledStatus(r) && live.current) {
      await new Promise((res) => setTimeout(res, 1000));
      r = await api<RemoteRequest>(`/api/ui/response/requests/${r.id}`);
      setInflight(r);
    }
    info.reload();
    if (r.status === 'failed') throw new Error(r.message ?? 'the host agent could not carry out the request');
    return r;
  };
  const asRun = (r: RemoteRequest): ResponseRun => ({
    runId: r.result?.runId ?? r.id,
    apply: r.result?.apply ?? r.op === 'apply',
    entries: r.result?.entries ?? [],
    notes: r.result?.notes ?? [],
  });
  const respond = async (body: { apply: boolean; confirm?: boolean }): Promise<ResponseRun> => {
    const r = await api<ResponseRun | { request: RemoteRequest }>(base, { method: 'POST', body });
    return 'request' in r ? asRun(await follow(r.request)) : r;
  };

  const run = async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    setInflight(null);
    try {
      await fn();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
      journal.reload();
    }
  };
  const showPlan = () =>
    run(async () => {
      setApplied(null);
      setUndone(null);
      setPlan(await respond({ apply: false }));
    });
  const apply = () =>
    run(async () => {
      dialog.current?.close();
      setApplied(await respond({ apply: true, confirm: confirmKeys }));
    });
  const undo = (runId: string) =>
    run(async () => {
      const r = await api<{ outcomes: UndoOutcome[] } | { request: RemoteRequest }>(
        `/api/ui/response/runs/${runId}/undo`,
        { method: 'POST' },
      );
      setUndone('request' in r ? ((await follow(r.request)).result?.outcomes ?? []) : r.outcomes);
    });

  const actionable = plan?.entries.filter((e) => e.status === 'planned') ?? [];
  const hostName = info.data?.host.name ?? 'its host';
  const requests = info.data?.requests ?? [];
  return (
    <Card title="Response">
      {!props.allowed ? (
        <p class="muted" data-testid="no-response">
          Responding needs the analyst role; you can read the journal below.
        </p>
      ) : mode === null ? (
        <p class="loading">Loading…</p>
      ) : mode === 'none' ? (
        <p class="muted" data-testid="no-agent">
          This incident is on {hostName}, which has no enrolled agent and is not this server's host; run{' '}
          <code>minewarden respond --incident {props.incidentId}</code> there.
        </p>
      ) : (
        <>
          {mode === 'remote' && (
            <p class="muted small" data-testid="remote-note">
              This incident is on {hostName}: its agent plans and applies the response there and reports back.
            </p>
          )}
          <div class="actions">
            <button type="button" onClick={showPlan} disabled={busy}>
              Show response plan
            </button>
            {plan && actionable.length > 0 && !applied && (
              <button
                type="button"
                class="danger"
                onClick={() => dialog.current?.showModal()}
                disabled={busy}
              >
                Apply plan…
              </button>
            )}
            {applied?.entries.some((e) => e.status === 'applied' && e.reversible) && !undone && (
              <button type="button" onClick={() => undo(applied.runId)} disabled={busy}>
                Undo this response
              </button>
            )}
          </div>
        </>
      )}
      {busy && !inflight && <p class="loading">Working…</p>}
      {busy && inflight && (
        <p class="loading" data-testid="remote-request" data-status={inflight.status} role="status">
          {inflight.op} sent to the agent on {hostName}: {inflight.status}
          {inflight.status === 'pending' ? ' (waiting for the agent to take it)' : ''}
        </p>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {plan && !applied && (
        <div data-testid="plan">
          <Entries entries={plan.entries} caption={`Plan ${plan.runId} (dry run: nothing was touched)`} />
          {plan.notes.length > 0 && (
            <ul class="small">
              {[...new Set(plan.notes)].map((n) => (
                <li key={n}>{n}</li>
              ))}
            </ul>
          )}
        </div>
      )}
      {applied && (
        <div data-testid="applied" role="status">
          <Entries entries={applied.entries} caption={`Response ${applied.runId}: applied`} />
        </div>
      )}
      {undone && (
        <div data-testid="undone" role="status">
          <h3>Undone</h3>
          <ul>
            {undone.map((o) => (
              <li key={o.id} class={o.ok ? 'ok' : o.reversible ? 'bad' : 'muted'}>
                {o.kind}: {o.detail}
              </li>
            ))}
          </ul>
        </div>
      )}
      <dialog ref={dialog} aria-labelledby="confirm-title">
        <h2 id="confirm-title">Apply this response?</h2>
        <p>
          {actionable.length} step(s) will run on {mode === 'remote' ? hostName : 'this host'}:{' '}
          {actionable.map((e) => e.kind).join(', ')}. A kill cannot be undone; quarantine, persistence removal
          and blocks can.
        </p>
        <label class="check">
          <input
            type="checkbox"
            checked={confirmKeys}
            onChange={(e) => setConfirmKeys(e.currentTarget.checked)}
          />
          Also run steps that need extra confirmation (removing SSH keys)
        </label>
        <div class="actions">
          <button type="button" class="danger" onClick={apply}>
            Apply now
          </button>
          <button type="button" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
        </div>
      </dialog>
      {requests.length > 0 && <Requests requests={requests} />}
      <h3>Journal</h3>
      {journal.data && journal.data.actions.length > 0 ? (
        <Entries entries={journal.data.actions.slice(-30)} caption="Latest actions for this incident" />
      ) : (
        <Empty>No response actions yet.</Empty>
      )}
    </Card>
  );
}
