import { renderTable } from '../report/table.js';
import type { JournalEntry } from './journal/journal.js';
import type { UndoOutcome } from './runner.js';

function note(e: JournalEntry): string {
  if (e.status === 'planned' || e.status === 'simulated') {
    const flags = [e.needsConfirmation ? 'needs --confirm' : '', e.reversible ? '' : 'irreversible']
      .filter(Boolean)
      .join(', ');
    return `${e.summary}${flags ? ` [${flags}]` : ''}`;
  }
  return e.detail ?? e.summary;
}

/** The plan (or its outcome) for people: one row per action, in the order it runs. */
export function renderEntries(entries: readonly JournalEntry[], title: string): string {
  const rows = entries.map((e) => [e.id, e.kind, e.target, e.status, e.ruleId ?? '', note(e)]);
  return `${title}\n\n${renderTable(['ID', 'ACTION', 'TARGET', 'STATUS', 'RULE', 'WHAT / RESULT'], rows, 90)}`;
}

export function renderUndo(outcomes: readonly UndoOutcome[]): string {
  if (outcomes.length === 0) return 'Nothing to undo.\n';
  const rows = outcomes.map((o) => [
    o.entry.id,
    o.entry.kind,
    o.entry.target,
    o.ok ? 'undone' : 'not undone',
    o.detail,
  ]);
  return renderTable(['ID', 'ACTION', 'TARGET', 'RESULT', 'DETAIL'], rows, 90);
}
