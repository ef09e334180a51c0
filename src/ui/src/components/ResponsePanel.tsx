import { useRef, useState } from 'preact/hooks';
import { type ActionEntry, api, type ResponseRun, type UndoOutcome } from '../api.js';
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

/**
 * Show the plan, confirm, apply, undo. Viewers never see the buttons (the server refuses them too); the server
 * responds only on the host it runs on, so other hosts get a note instead.
 */
export function ResponsePanel(props: { incidentId: string; local: boolean; allowed: boolean }) {
  const journal = useApi<{ actions: ActionEntry[] }>(
    `/api/ui/incidents/${encodeURIComponent(props.incidentId)}/actions`,
  );
  const [plan, setPlan] = useState<ResponseRun | null>(null);
  const [applied, setApplied] = useState<ResponseRun | null>(null);
  const [undone, setUndone] = useState<UndoOutcome[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [confirmKeys, setConfirmKeys] = useState(false);
  const dialog = useRef<HTMLDialogElement>(null);
  const base = `/api/ui/incidents/${encodeURIComponent(props.incidentId)}/response`;

  const run = async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(null);
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
      setPlan(await api<ResponseRun>(base, { method: 'POST', body: { apply: false } }));
    });
  const apply = () =>
    run(async () => {
      dialog.current?.close();
      setApplied(
        await api<ResponseRun>(base, { method: 'POST', body: { apply: true, confirm: confirmKeys } }),
      );
    });
  const undo = (runId: string) =>
    run(async () => {
      const r = await api<{ outcomes: UndoOutcome[] }>(`/api/ui/response/runs/${runId}/undo`, {
        method: 'POST',
      });
      setUndone(r.outcomes);
    });

  const actionable = plan?.entries.filter((e) => e.status === 'planned') ?? [];
  return (
    <Card title="Response">
      {!props.allowed ? (
        <p class="muted" data-testid="no-response">
          Responding needs the analyst role; you can read the journal below.
        </p>
      ) : !props.local ? (
        <p class="muted">
          This incident is on another host. The server responds only on its own host; run{' '}
          <code>minewarden respond --incident {props.incidentId}</code> there.
        </p>
      ) : (
        <div class="actions">
          <button type="button" onClick={showPlan} disabled={busy}>
            Show response plan
          </button>
          {plan && actionable.length > 0 && !applied && (
            <button type="button" class="danger" onClick={() => dialog.current?.showModal()} disabled={busy}>
              Apply plan…
            </button>
          )}
          {applied?.entries.some((e) => e.status === 'applied' && e.reversible) && !undone && (
            <button type="button" onClick={() => undo(applied.runId)} disabled={busy}>
              Undo this response
            </button>
          )}
        </div>
      )}
      {busy && <p class="loading">Working…</p>}
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
          {actionable.length} step(s) will run on this host: {actionable.map((e) => e.kind).join(', ')}. A
          kill cannot be undone; quarantine, persistence removal and blocks can.
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
      <h3>Journal</h3>
      {journal.data && journal.data.actions.length > 0 ? (
        <Entries entries={journal.data.actions.slice(-30)} caption="Latest actions for this incident" />
      ) : (
        <Empty>No response actions yet.</Empty>
      )}
    </Card>
  );
}
