/** Money with the precision small sums need: a miner on one core costs cents an hour. */
export function money(amount: number, currency: string): string {
  const digits = amount !== 0 && Math.abs(amount) < 1 ? 4 : 2;
  return `${amount.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits })} ${currency}`;
}

export function ago(iso: string | null, now = Date.now()): string {
  if (!iso) return 'never';
  const s = Math.round((now - Date.parse(iso)) / 1000);
  if (s < 60) return `${Math.max(0, s)} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}

export function time(iso: string): string {
  return new Date(iso).toLocaleString('en-GB', { dateStyle: 'short', timeStyle: 'medium' });
}

export const STATUS_LABEL: Record<string, string> = {
  mining: 'Mining now',
  dark: 'Agent dark',
  compromised: 'Compromised',
  exposed: 'Exposed',
  clean: 'Clean',
};

export const STAGE_LABEL: Record<string, string> = {
  'initial-access': 'Entry point',
  execution: 'Execution',
  persistence: 'Persistence',
  'defense-evasion': 'Evasion',
  'credential-access': 'Credential access',
  discovery: 'Discovery',
  'lateral-movement': 'Lateral movement',
  'command-and-control': 'Command and control',
  impact: 'Impact',
};
