import type { TelemetryEvent } from '../../model/event.js';
import type { Hit, RuleMeta } from '../detector.js';
import type { StatefulDetector } from '../stateful.js';
import { bool, num, str, strs } from './fields.js';

const meta: RuleMeta = {
  id: 'lateral.ssh-spreader',
  title: 'Host opens SSH to many distinct destinations in a short window (spreading like a worm)',
  severity: 'high',
  confidence: 0.65,
  category: 'lateral-movement',
  techniques: ['T1021.004', 'T1110.001'],
  recommendation:
    "Find the program behind the connections (the origin in the evidence) and stop it; assume every destination was tried with this host's keys and passwords: check their auth logs, rotate the keys here and remove them from other hosts.",
  falsePositives:
    'Configuration management and deployment hosts (Ansible, pssh, CI runners) that fan out over SSH to an inventory; jump hosts used by many people at once.',
};

/** SSH clients and fan-out tools whose command lines name their targets. */
const CLIENTS = new Set(['ssh', 'scp', 'sftp', 'sshpass', 'pssh', 'parallel-ssh', 'pscp', 'pscp.pssh']);
/** Wrappers whose own parent is the real origin (sshpass runs ssh). */
const WRAPPERS = new Set(['ssh', 'scp', 'sftp', 'sshpass']);
/** ssh/scp options that take a value, so the value is not mistaken for the destination. */
const SSH_VALUE_OPTS = new Set('BbcDEeFIiJLlmOoPpQRSWw'.split(''));
/** sshpass options that take a value. */
const SSHPASS_VALUE_OPTS = new Set(['-p', '-f', '-d', '-P']);
const IPV4 = /\b(?:\d{1,3}\.){3}\d{1,3}\b/g;
const MAX_OBSERVATIONS = 10_000;
const MAX_PROCS = 50_000;

export interface SshSpreaderOptions {
  /** Distinct destinations within the window that make a spreader. */
  minDestinations?: number;
  windowSeconds?: number;
  ports?: readonly number[];
}

interface Observation {
  time: number;
  dest: string;
  origin: number | null;
  via: 'socket' | 'exec' | 'command-line';
}

interface ProcRef {
  ppid: number | null;
  name: string;
  exe: string | null;
}

function baseName(p: string | undefined): string {
  if (!p) return '';
  const i = p.lastIndexOf('/');
  return i < 0 ? p : p.slice(i + 1);
}

/** The destination host of an ssh/scp/sftp argv (the first operand), without the user part. */
function sshTarget(args: readonly string[]): string | null {
  for (let i = 1; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a === '--') return hostOf(args[i + 1]);
    if (a.startsWith('-') && a.length > 1) {
      // "-p 22" takes the next argument; "-p22" and flag bundles ("-4v") do not.
      if (a.length === 2 && SSH_VALUE_OPTS.has(a.charAt(1))) i++;
      continue;
    }
    return hostOf(a);
  }
  return null;
}

function hostOf(arg: string | undefined): string | null {
  if (!arg) return null;
  let h = arg.startsWith('ssh://') ? arg.slice(6) : arg;
  h = h.slice(h.lastIndexOf('@') + 1);
  // scp's "host:path"; an IPv6 literal in brackets keeps its colons
  if (h.startsWith('[')) h = h.slice(1, h.indexOf(']') > 0 ? h.indexOf(']') : undefined);
  else if (h.includes(':')) h = h.slice(0, h.indexOf(':'));
  return h === '' ? null : h;
}

/** Targets an exec of an SSH client or fan-out tool names: one for ssh/scp/sftp, each -H for pssh. */
export function execTargets(args: readonly string[]): string[] {
  const tool = baseName(args[0]);
  if (tool === 'sshpass') {
    let i = 1;
    while (i < args.length && (args[i] ?? '').startsWith('-'))
      i += SSHPASS_VALUE_OPTS.has(args[i] ?? '') ? 2 : 1;
    return execTargets(args.slice(i));
  }
  if (tool === 'scp') {
    // scp names remote ends as [user@]host:path, local files without a colon
    const out: string[] = [];
    for (let i = 1; i < args.length; i++) {
      const a = args[i] ?? '';
      if (a.startsWith('-')) {
        if (a.length === 2 && SSH_VALUE_OPTS.has(a.charAt(1))) i++;
        continue;
      }
      if (a.includes(':') && !a.startsWith('/')) push(out, hostOf(a));
    }
    return out;
  }
  if (tool === 'ssh' || tool === 'sftp') {
    const t = sshTarget(args);
    return t ? [t] : [];
  }
  if (CLIENTS.has(tool)) {
    const out: string[] = [];
    for (let i = 1; i < args.length; i++) {
      const a = args[i] ?? '';
      if (a === '-H' || a === '--host') for (const h of (args[++i] ?? '').split(/\s+/)) push(out, hostOf(h));
      else if (a.startsWith('-H') && a.length > 2) push(out, hostOf(a.slice(2)));
    }
    return out;
  }
  return [];
}

function push(out: string[], h: string | null): void {
  if (h) out.push(h);
}

/**
 * A host turned spreader: worms (Outlaw, TeamTNT, Kinsing's spre.sh) try SSH against every address they can find
 * (known_hosts, history, scanned ranges) within seconds. Three views of the same act, counted together per host:
 * outbound connections to an SSH port in the scan's socket table, execs of ssh/scp/sshpass/pssh with their
 * targets, and one command line that names many addresses for an SSH client. When the distinct destinations
 * within the window reach the threshold, the finding names the origin that accounts for most of them (the parent
 * of the ssh clients, or the process holding the sockets) so the incident joins the worm that drives them.
 */
export function sshSpreader(opts: SshSpreaderOptions = {}): StatefulDetector {
  const minDest = opts.minDestinations ?? 10;
  const windowMs = (opts.windowSeconds ?? 60) * 1000;
  const ports = new Set(opts.ports ?? [22]);
  const procs = new Map<number, ProcRef>();
  const byHost = new Map<string, Observation[]>();
  const reported = new Map<string, Hit>();

  function remember(e: TelemetryEvent): void {
    const pid = num(e, 'process.pid');
    if (pid === undefined) return;
    if (procs.size >= MAX_PROCS && !procs.has(pid)) procs.delete(procs.keys().next().value ?? pid);
    procs.set(pid, {
      ppid: num(e, 'process.ppid') ?? null,
      name: str(e, 'process.name') ?? baseName(str(e, 'process.exe')),
      exe: str(e, 'process.exe') ?? null,
    });
  }

  /** The process that drives an SSH client: up through ssh and sshpass to the first other program. */
  function originOf(pid: number | undefined): number | null {
    let cur = pid ?? null;
    for (let hops = 0; cur !== null && hops < 3; hops++) {
      const p = procs.get(cur);
      if (!p || !WRAPPERS.has(p.name) || p.ppid === null || p.ppid <= 1) return cur;
      cur = p.ppid;
    }
    return cur;
  }

  function observe(e: TelemetryEvent, obs: Observation[]): Hit | null {
    const list = byHost.get(e.hostId) ?? [];
    byHost.set(e.hostId, list);
    list.push(...obs);
    const since = e.time - windowMs;
    let drop = 0;
    while (drop < list.length && ((list[drop]?.time ?? 0) < since || list.length - drop > MAX_OBSERVATIONS))
      drop++;
    if (drop) list.splice(0, drop);
    const dests = new Set(list.map((o) => o.dest));
    if (dests.size < minDest) return null;
    const perOrigin = new Map<number | null, Set<string>>();
    for (const o of list) {
      const s = perOrigin.get(o.origin) ?? new Set<string>();
      s.add(o.dest);
      perOrigin.set(o.origin, s);
    }
    let origin: number | null = null;
    let best = -1;
    for (const [o, s] of perOrigin)
      if (s.size > best || (s.size === best && o !== null && origin === null)) {
        origin = o;
        best = s.size;
      }
    const p = origin === null ? undefined : procs.get(origin);
    const entity: Hit['entity'] =
      origin === null
        ? { kind: 'connection', port: [...ports][0] ?? 22 }
        : {
            kind: 'process',
            pid: origin,
            ...(p?.exe ? { exe: p.exe } : {}),
            ...(p?.name ? { name: p.name } : {}),
          };
    const sorted = [...dests].sort();
    const hit: Hit = {
      entity,
      evidence: {
        destinations: sorted.length,
        sample: sorted.slice(0, 20),
        windowSeconds: windowMs / 1000,
        fromOrigin: best,
        via: [...new Set(list.map((o) => o.via))].sort(),
        ports: [...ports],
      },
    };
    // one finding per host, about the origin that accounts for most destinations now
    reported.set(e.hostId, hit);
    return hit;
  }

  return {
    meta,
    kinds: ['process', 'exec', 'connection'],
    detect(e) {
      if (e.kind === 'connection') {
        const port = num(e, 'destination.port');
        const ip = str(e, 'destination.ip');
        if (port === undefined || !ports.has(port) || !ip || !bool(e, 'network.initiated')) return null;
        if (str(e, 'network.state') === 'LISTEN') return null;
        return observe(e, [
          { time: e.time, dest: ip, origin: originOf(num(e, 'process.pid')), via: 'socket' },
        ]);
      }
      remember(e);
      const args = strs(e, 'process.args');
      const tool = baseName(args[0] ?? str(e, 'process.exe'));
      const obs: Observation[] = [];
      // exec events as they happen; process events for clients still running at the snapshot
      if (CLIENTS.has(tool)) {
        const origin = originOf(num(e, 'process.pid'));
        for (const dest of execTargets(args)) obs.push({ time: e.time, dest, origin, via: 'exec' });
      }
      // One shell line that names many addresses for an SSH client ("for ip in a b c ...; do sshpass ... ssh").
      const line = str(e, 'process.commandLine') ?? '';
      if (!CLIENTS.has(tool) && /\b(ssh|sshpass|scp|pssh)\b/.test(line)) {
        const ips = new Set(line.match(IPV4) ?? []);
        if (ips.size >= minDest) {
          const pid = num(e, 'process.pid') ?? null;
          for (const dest of ips) obs.push({ time: e.time, dest, origin: pid, via: 'command-line' });
        }
      }
      return obs.length ? observe(e, obs) : null;
    },
    snapshot: () => [...reported.values()],
  };
}
