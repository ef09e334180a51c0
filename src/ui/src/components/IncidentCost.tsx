import type { IncidentView } from '../api.js';
import { money, time } from '../format.js';
import { Card } from './bits.js';

type Cost = NonNullable<IncidentView['incident']['cost']>;

/** Millionths matter for a miner caught early: show them rather than "0.0000". */
function amount(x: number, currency: string): string {
  return x > 0 && x < 0.0001 ? `${x.toFixed(6)} ${currency}` : money(x, currency);
}

/**
 * What the incident's mining has cost so far and costs now, per currency, from the cost evidence of its processes
 * (each process once). Nothing is drawn for an incident without a priced process.
 */
export function IncidentCost(props: { cost: Cost | undefined }) {
  const c = props.cost;
  if (!c) return null;
  return (
    <Card title="Cost" class="wide" id="incident-cost">
      {c.money.map((m) => (
        <dl class="money" key={m.currency}>
          <div>
            <dt>Spent so far</dt>
            <dd class="big">{amount(m.spent, m.currency)}</dd>
          </div>
          <div>
            <dt>Projected per month</dt>
            <dd class="big">{amount(m.perMonth, m.currency)}</dd>
          </div>
          <div>
            <dt>Per hour now</dt>
            <dd>{amount(m.perHour, m.currency)}</dd>
          </div>
        </dl>
      ))}
      <p class="small muted">
        {c.processes} {c.processes === 1 ? 'process' : 'processes'} ({c.running} mining now)
        {c.cpuSeconds !== null ? ` · ${c.cpuSeconds.toLocaleString('en')} CPU-seconds` : ''}
        {c.startedAt ? ` · running since ${time(c.startedAt)}` : ''} · seen {time(c.firstSeen)} to{' '}
        {time(c.lastSeen)}
      </p>
    </Card>
  );
}
