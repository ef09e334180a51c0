import type { Severity } from '../model/severity.js';
import { type Alert, alertHost, alertId, alertSeverity, alertTime, alertTitle } from './types.js';

/** RFC 5424 severities: critical -> 2 (crit) ... info -> 6 (informational). */
const SYSLOG_SEVERITY: Record<Severity, number> = { critical: 2, high: 3, medium: 4, low: 5, info: 6 };
/** CEF severity 0-10. */
const CEF_SEVERITY: Record<Severity, number> = { critical: 10, high: 8, medium: 5, low: 3, info: 1 };
/** Our private enterprise number placeholder for SD-IDs (RFC 5424 §7.2.2 reserves 32473 for examples). */
const SD_ID = 'minewarden@32473';
/** UDP receivers commonly cap datagrams near this; the message text is cut to fit. */
const MAX_MSG = 8000;

// Header fields are PRINTUSASCII without spaces; anything else becomes '_' so a hostile host name cannot forge fields.
function headerField(s: string, max: number): string {
  const v = s.replace(/[^!-~]/g, '_').slice(0, max);
  return v.length === 0 ? '-' : v;
}

// RFC 5424 allows any UTF-8 in SD values, but line-based receivers would cut a record at a newline.
function sdValue(s: string): string {
  return oneLine(s).replace(/[\\"\]]/g, (c) => `\\${c}`);
}

function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, ' ');
}

export interface SyslogHeader {
  facility: number;
  appName: string;
  /** Our host name, sent in HOSTNAME. */
  hostname: string;
}

function header(a: Alert, h: SyslogHeader, msgId: string): string {
  const pri = h.facility * 8 + SYSLOG_SEVERITY[alertSeverity(a)];
  const ts = new Date(Date.parse(alertTime(a))).toISOString();
  return `<${pri}>1 ${ts} ${headerField(h.hostname, 255)} ${headerField(h.appName, 48)} - ${msgId}`;
}

/** `<PRI>1 TIME HOST APP - MSGID [minewarden@32473 ...] title`. */
export function formatRfc5424(a: Alert, h: SyslogHeader): string {
  const host = alertHost(a);
  const params: [string, string][] = [
    ['id', alertId(a)],
    ['kind', a.kind],
    ['severity', alertSeverity(a)],
    ['hostId', host.id],
    ['hostName', host.name],
  ];
  if (a.kind === 'finding') {
    params.push(['rule', a.finding.ruleId], ['confidence', String(a.finding.confidence)]);
    if (a.finding.techniques.length > 0) params.push(['techniques', a.finding.techniques.join(',')]);
  } else params.push(['findings', String(a.incident.findings.length)]);
  const sd = `[${SD_ID} ${params.map(([k, v]) => `${k}="${sdValue(v)}"`).join(' ')}]`;
  const msgId = a.kind === 'finding' ? 'finding' : 'incident';
  return `${header(a, h, msgId)} ${sd} ${oneLine(alertTitle(a)).slice(0, MAX_MSG)}`;
}

function cefHeaderField(s: string): string {
  return oneLine(s).replace(/[\\|]/g, (c) => `\\${c}`);
}

function cefExt(s: string): string {
  return s
    .replace(/[\\=]/g, (c) => `\\${c}`)
    .replace(/\r/g, '\\r')
    .replace(/\n/g, '\\n');
}

/** ArcSight CEF:0, the form SIEMs parse; the syslog header keeps routing and time. */
export function formatCef(a: Alert, h: SyslogHeader, version: string): string {
  const host = alertHost(a);
  const sig = a.kind === 'finding' ? a.finding.ruleId : 'incident';
  const ext: [string, string][] = [
    ['rt', String(Date.parse(alertTime(a)))],
    ['dvchost', host.name],
    ['deviceExternalId', host.id],
    ['externalId', alertId(a)],
  ];
  if (a.kind === 'finding') {
    const e = a.finding.entity;
    ext.push(['cat', a.finding.category]);
    if (e.ip) ext.push([e.kind === 'source-ip' ? 'src' : 'dst', e.ip]);
    if (e.port !== undefined) ext.push(['dpt', String(e.port)]);
    if (e.pid !== undefined) ext.push(['spid', String(e.pid)]);
    if (e.exe) ext.push(['sproc', e.exe]);
    if (e.path) ext.push(['filePath', e.path]);
    ext.push(['cfp1Label', 'confidence'], ['cfp1', String(a.finding.confidence)]);
  } else ext.push(['cnt', String(a.incident.findings.length)]);
  const head = [
    'CEF:0',
    'minewarden',
    'minewarden',
    version,
    sig,
    alertTitle(a),
    CEF_SEVERITY[alertSeverity(a)],
  ]
    .map((x) => cefHeaderField(String(x)))
    .join('|');
  const body = `${head}|${ext.map(([k, v]) => `${k}=${cefExt(v)}`).join(' ')}`;
  return `${header(a, h, 'cef')} - ${body.slice(0, MAX_MSG)}`;
}
