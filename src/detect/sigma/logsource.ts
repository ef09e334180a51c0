import { LOGSOURCE_OF_KIND } from '../../model/event.js';
import type { MatchInput } from './match/context.js';
import type { Logsource } from './types.js';

/** Services a Linux event can come from; an event's source or logging program with one of these names sets it. */
export const LINUX_SERVICES = new Set([
  'auditd',
  'auth',
  'sshd',
  'syslog',
  'cron',
  'sudo',
  'vsftpd',
  'clamav',
  'guacamole',
]);

/** An event's routing keys: one product, and possibly several categories and services. */
export interface EventLogsource {
  readonly product: string | undefined;
  readonly categories: readonly string[];
  readonly services: readonly string[];
  /** Stable key for caching the rule bucket of this logsource. */
  readonly key: string;
}

function make(product: string | undefined, categories: string[], services: string[]): EventLogsource {
  return {
    product,
    categories,
    services,
    key: `${product ?? ''}|${categories.join(',')}|${services.join(',')}`,
  };
}

const FILE_ACTION_CATEGORY: Record<string, string> = {
  create: 'file_create',
  change: 'file_change',
  delete: 'file_delete',
  rename: 'file_rename',
};

/**
 * Where an event comes from, in Sigma terms. Explicit logsources (hunt input) win; otherwise the event kind gives
 * the category (LOGSOURCE_OF_KIND), a file action adds its specific file_* category, and the source or logging
 * program adds its service. Every event minewarden collects is a Linux event.
 */
export function eventLogsource(input: MatchInput): EventLogsource {
  const ls = input.logsource;
  if (ls) {
    const cat = ls.category?.toLowerCase();
    const categories = cat ? [cat] : [];
    if (cat?.startsWith('file_') && cat !== 'file_event') categories.push('file_event');
    return make(ls.product?.toLowerCase(), categories, ls.service ? [ls.service.toLowerCase()] : []);
  }
  const e = input.event;
  const base = LOGSOURCE_OF_KIND[e.kind];
  const categories = base.category ? [base.category] : [];
  if (e.kind === 'file') {
    const action = e.fields['file.action'];
    const specific = typeof action === 'string' ? FILE_ACTION_CATEGORY[action] : undefined;
    if (specific) categories.push(specific);
  }
  const services = base.service ? [base.service] : [];
  const source = e.source.toLowerCase();
  if (LINUX_SERVICES.has(source) && !services.includes(source)) services.push(source);
  const program = e.fields['log.program'];
  if (typeof program === 'string') {
    const p = program.toLowerCase();
    if (LINUX_SERVICES.has(p) && !services.includes(p)) services.push(p);
  }
  return make('linux', categories, services);
}

/** A rule sees an event when every attribute the rule names matches; an event without a product accepts any. */
export function ruleSeesEvent(rule: Logsource, ev: EventLogsource): boolean {
  if (rule.product !== undefined && ev.product !== undefined && rule.product !== ev.product) return false;
  if (rule.category !== undefined && !ev.categories.includes(rule.category)) return false;
  if (rule.service !== undefined && !ev.services.includes(rule.service)) return false;
  return true;
}
