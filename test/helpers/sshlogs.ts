import { readdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';

export const SSHLOGS = resolve(import.meta.dirname, '../../../shared/data/sshlogs');

/** Every real auth log in ../shared: Loghub, fail2ban's samples and test cases, CrowdSec's hub tests. */
export function realSshLogs(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = resolve(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.log') || p.includes('/fail2ban/logs/')) out.push(p);
    }
  };
  walk(SSHLOGS);
  return out.sort();
}
