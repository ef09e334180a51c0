import { costOfCpuSeconds, formatMoney, formatRate, sum } from '../cost/money.js';
import type { Incident } from '../model/incident.js';
import type { ProcessInfo } from '../model/inventory.js';
import type { ScanResult } from '../scan/scan.js';
import { findingsTable, warningsText } from './findings.js';
import { renderTable } from './table.js';

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)}M`;
}

function procLabel(p: ProcessInfo | undefined): string {
  if (!p) return '-';
  return `${p.pid}/${p.name}`;
}

/** "0.71 USD so far, 0.07 USD/h": money so far and the rate now, per currency; "-" when nothing is priced. */
export function incidentCostText(cost: Incident['cost']): string {
  if (!cost?.money.length) return '-';
  return cost.money
    .map((m) => `${formatMoney(m.spent, m.currency)} so far, ${formatRate(m.perHour, m.currency)}/h`)
    .join('; ');
}

/** The people-facing scan report: host, top CPU, listeners, outbound connections, then findings by severity. */
export function renderScanTable(r: ScanResult, top = 10): string {
  const { snapshot: s } = r;
  const byPid = new Map(s.processes.map((p) => [p.pid, p]));
  const out: string[] = [];
  const h = s.host;
  out.push(
    `Host ${h.name} (${h.id})  ${h.os ?? ''} ${h.kernel ?? ''}  cpus=${h.cpus ?? '?'}  ` +
      `cpu=${s.hostCpuPercent === null ? '?' : `${s.hostCpuPercent.toFixed(0)}%`}  processes=${s.processes.length}  ` +
      `listeners=${s.listeners.length}\n`,
  );

  const topCpu = s.processes
    .filter((p) => !p.kernelThread)
    .sort((a, b) => (b.cpuPercent ?? 0) - (a.cpuPercent ?? 0) || b.cpuSeconds - a.cpuSeconds)
    .slice(0, top);
  out.push('\nTop processes by CPU\n');
  out.push(
    renderTable(
      ['pid', 'user', 'cpu%', 'cpu-s', 'cost', 'rss', 'command'],
      topCpu.map((p) => [
        String(p.pid),
        p.user ?? String(p.uid ?? '?'),
        p.cpuPercent === null ? '-' : p.cpuPercent.toFixed(1),
        p.cpuSeconds.toFixed(0),
        formatMoney(costOfCpuSeconds(sum([p.cpuSeconds, p.childCpuSeconds]), r.price), r.price.currency),
        mb(p.rssBytes),
        p.args.join(' ') || `[${p.name}]`,
      ]),
    ),
  );

  out.push(
    `cost: CPU since start (own + reaped children) at ${r.price.perVcpuHour} ${r.price.currency}/vCPU-hour (${r.price.kind} price; docs/cost.md)\n`,
  );
  out.push('\nListeners\n');
  out.push(
    renderTable(
      ['proto', 'address', 'scope', 'process'],
      s.listeners.map((l) => [
        `${l.transport}${l.family === 6 ? '6' : ''}`,
        `${l.family === 6 ? `[${l.ip}]` : l.ip}:${l.port}`,
        l.scope,
        l.pids.map((pid) => procLabel(byPid.get(pid))).join(',') || '-',
      ]),
    ),
  );

  const listening = new Set(s.listeners.map((l) => `${l.transport}/${l.port}`));
  const outbound = s.sockets.filter(
    (x) =>
      x.remotePort !== 0 &&
      x.state !== 'LISTEN' &&
      x.state !== 'TIME_WAIT' &&
      !listening.has(`${x.transport}/${x.localPort}`),
  );
  out.push('\nOutbound connections\n');
  out.push(
    renderTable(
      ['proto', 'local', 'remote', 'state', 'process'],
      outbound.map((x) => [
        x.transport,
        `${x.localIp}:${x.localPort}`,
        `${x.remoteIp}:${x.remotePort}`,
        x.state,
        x.pids.map((pid) => procLabel(byPid.get(pid))).join(',') || '-',
      ]),
    ),
  );

  if (r.incidents.length) {
    out.push('\nIncidents\n');
    out.push(
      renderTable(
        ['severity', 'incident', 'stages', 'findings', 'cost', 'title'],
        r.incidents.map((i) => [
          i.severity.toUpperCase(),
          i.id,
          i.stages.join(' > '),
          String(i.findings.length),
          incidentCostText(i.cost),
          i.title,
        ]),
      ),
    );
    if (r.incidents.some((i) => i.cost))
      out.push(
        'cost: CPU its mining processes have used since they started, and what they cost an hour now\n',
      );
  }

  out.push('\nFindings\n');
  out.push(findingsTable(r.findings));
  if (s.warnings.length) out.push(`\n${warningsText(s.warnings)}`);
  return out.join('');
}
