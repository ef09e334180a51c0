import { type Finding, findingId } from '../model/finding.js';
import { DARK_AFTER_MISSED } from './fleet-liveness.js';

export const AGENT_DARK_RULE = 'fleet.agent-dark';

/**
 * The finding for a host whose agent stopped sending heartbeats. Its time is the moment the host went dark
 * (last heartbeat + missed intervals), so the id and content are stable while the agent stays silent.
 */
export function agentDarkFinding(
  host: { id: string; name: string },
  lastHeartbeat: string,
  intervalMs: number,
  now: number,
  missed = DARK_AFTER_MISSED,
): Finding | null {
  const last = Date.parse(lastHeartbeat);
  if (Number.isNaN(last) || now - last <= missed * intervalMs) return null;
  const entity = { kind: 'service' as const, name: 'minewarden-agent' };
  return {
    id: findingId(host.id, AGENT_DARK_RULE, entity),
    ruleId: AGENT_DARK_RULE,
    title: `Agent went dark: no heartbeat for ${missed} intervals`,
    severity: 'high',
    confidence: 0.6,
    category: 'defense-evasion',
    techniques: ['T1562.001'],
    host,
    time: new Date(last + missed * intervalMs).toISOString(),
    entity,
    evidence: { lastHeartbeat, intervalMs, missedIntervals: missed },
    recommendation:
      'Check the host: miners commonly kill security agents. If the host is fine, restart the agent and look at its logs.',
  };
}
