/** Missed intervals after which an agent counts as dark: attackers kill security agents, so silence is a signal. */
export const DARK_AFTER_MISSED = 3;

export type Liveness = 'alive' | 'dark' | 'unknown';

export function liveness(
  lastHeartbeat: string | null,
  intervalMs: number | null,
  now: number,
  missed = DARK_AFTER_MISSED,
): Liveness {
  if (lastHeartbeat === null || intervalMs === null) return 'unknown';
  return now - Date.parse(lastHeartbeat) > missed * intervalMs ? 'dark' : 'alive';
}
