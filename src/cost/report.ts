import { renderTable } from '../report/table.js';
import type { CostReport, CostRow } from './accounting.js';
import { formatMoney } from './money.js';
import type { PriceBasis } from './resolve-price.js';

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function cells(r: CostRow, currency: string): string[] {
  return [
    r.cpuSeconds.toFixed(2),
    `${r.avgCpuPercent.toFixed(1)}%`,
    formatMoney(r.cost, currency),
    `${iso(r.from)} (${r.since})`,
  ];
}

/** The people-facing cost report: the price and why, then host, containers and processes. */
export function renderCostTable(report: CostReport, price: PriceBasis, historySamples: number): string {
  const c = report.currency;
  const w = report.window;
  const out: string[] = [];
  out.push(
    `Cost of CPU on ${report.host.name} from ${iso(w.from)} to ${iso(w.to)} (asked from ${iso(w.requestedFrom)})\n`,
  );
  out.push(`Price: ${price.basis}\n`);
  if (w.baselineSample === null) {
    out.push(
      `No earlier sample in the state file (${historySamples} for this host): figures run from each process's start and the host's boot.\n`,
    );
  }
  const head = ['cpu-s', 'avg cpu', 'cost', 'from'];
  out.push('\nHost\n');
  out.push(renderTable(['host', ...head], [[report.host.name, ...cells(report.host, c)]]));
  out.push('\nContainers\n');
  out.push(
    report.containers.length
      ? renderTable(
          ['container', 'source', ...head],
          report.containers.map((x) => [x.id.slice(0, 12), x.source, ...cells(x, c)]),
        )
      : 'No containers.\n',
  );
  out.push('\nProcesses\n');
  out.push(
    renderTable(
      ['pid', 'name', 'container', ...head],
      report.processes.map((p) => [
        String(p.pid),
        p.name,
        p.containerId?.slice(0, 12) ?? '-',
        ...cells(p, c),
      ]),
    ),
  );
  return out.join('');
}
