import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseNet } from '../intel/pools/ip-set.js';
import { ancestry, type ProcessIdentity, readIdentity } from './identity.js';

export interface Allowlist {
  /** Exact executable paths, or directory prefixes ending in '/'. */
  exePaths: readonly string[];
  /** Lowercase hex sha256 of executables. */
  sha256: readonly string[];
  /** Container ids (full or a prefix of at least 12 characters). */
  containers: readonly string[];
  /** User names or numeric uids. */
  users: readonly string[];
}

export const EMPTY_ALLOWLIST: Allowlist = { exePaths: [], sha256: [], containers: [], users: [] };

export interface RateLimit {
  max: number;
  windowSec: number;
}

export interface SafetyOptions {
  procDir: string;
  /** The process running the command; it and its ancestors (the session) are protected. */
  selfPid?: number;
  /** More pids never to touch (a supervising agent, say). */
  protectedPids?: readonly number[];
  allowlist?: Allowlist;
  users?: ReadonlyMap<number, string>;
  /** Per action kind; counted through `countRecent`. */
  rateLimits?: Readonly<Record<string, RateLimit>>;
  /** How many actions of a kind were applied since an epoch ms (the journal answers this). */
  countRecent?: (kind: string, sinceMs: number) => number;
  now?: () => number;
}

const SSHD = /(^|\/)sshd$/;
/** Our own CLI, however it is started: never kill another minewarden (an agent, a running respond). */
const OWN_ENTRY = /(^|\/)(bin\/minewarden|dist\/cli\/main\.js)$/;

/**
 * Says no, with a reason a person can act on, before anything is touched. Every check is about what a process IS
 * (read fresh from /proc), never about what a finding claimed, so stale findings cannot talk it into a mistake.
 */
export class SafetyGuard {
  private readonly session: ReadonlySet<number>;
  private readonly protectedPids: ReadonlySet<number>;
  private readonly allow: Allowlist;
  private readonly hashCache = new Map<string, string | null>();
  private readonly taken: Array<{ kind: string; at: number }> = [];

  constructor(private readonly opts: SafetyOptions) {
    const self = opts.selfPid ?? process.pid;
    this.session = new Set(ancestry(opts.procDir, self));
    this.protectedPids = new Set(opts.protectedPids ?? []);
    this.allow = opts.allowlist ?? EMPTY_ALLOWLIST;
  }

  /** Why this process must not be signalled or have its binary moved; null when it may. */
  checkProcess(p: ProcessIdentity): string | null {
    if (p.pid === 1) return 'pid 1 (init) is never touched';
    if (p.kernelThread || p.ppid === 2 || p.pid === 2)
      return `pid ${p.pid} is a kernel thread; kernel threads cannot be killed`;
    if (this.session.has(p.pid))
      return `pid ${p.pid} is this command or one of its ancestors (the session running it)`;
    if (this.protectedPids.has(p.pid)) return `pid ${p.pid} is a protected minewarden process`;
    if (p.args.some((a, i) => i <= 2 && OWN_ENTRY.test(a)))
      return `pid ${p.pid} is a minewarden process (${p.args.slice(0, 2).join(' ')})`;
    if (p.exe && SSHD.test(p.exe) && !this.parentIsSshd(p))
      return `pid ${p.pid} is the sshd listener; killing it would lock out remote access`;
    const allowed = this.allowlisted(p);
    if (allowed) return `pid ${p.pid} is allowlisted (${allowed})`;
    return null;
  }

  /** Why an address must not be blocked; null when it may. */
  checkAddress(addr: string): string | null {
    const net = parseNet(addr);
    if (!net) return `${addr} is not an IP address or CIDR`;
    const ip = addr.split('/')[0] ?? addr;
    if (net.v === 4) {
      if (net.bits < 16) return `${addr} is wider than a /16; refusing to block so much`;
      if (/^(127\.|0\.)/.test(ip)) return `${addr} is loopback or unspecified`;
      if (/^(22[4-9]|23\d|24\d|25[0-5])\./.test(ip)) return `${addr} is multicast or reserved`;
      if (ip.startsWith('169.254.')) return `${addr} is link-local (cloud metadata lives there)`;
    } else {
      if (net.bits < 32) return `${addr} is wider than a /32; refusing to block so much`;
      const lower = ip.toLowerCase();
      if (lower === '::1' || lower === '::') return `${addr} is loopback or unspecified`;
      if (/^fe[89ab]/.test(lower) || lower.startsWith('ff')) return `${addr} is link-local or multicast`;
    }
    const client = sshClientAddress();
    if (client && client === ip) return `${addr} is the address of the SSH session running this command`;
    return null;
  }

  /**
   * Takes one unit of `kind`'s rate limit: null when within it (and the use is counted), else why not. Earlier runs
   * come from `countRecent` (the journal); uses in this process are counted here.
   */
  checkRate(kind: string): string | null {
    const limit = this.opts.rateLimits?.[kind];
    const now = (this.opts.now ?? Date.now)();
    if (limit) {
      const since = now - limit.windowSec * 1000;
      const n =
        (this.opts.countRecent?.(kind, since) ?? 0) +
        this.taken.filter((t) => t.kind === kind && t.at >= since).length;
      if (n >= limit.max)
        return `rate limit: ${n} ${kind} action(s) in the last ${limit.windowSec} s (limit ${limit.max})`;
    }
    this.taken.push({ kind, at: now });
    return null;
  }

  private parentIsSshd(p: ProcessIdentity): boolean {
    const parent = readIdentity(this.opts.procDir, p.ppid);
    return !!parent?.exe && SSHD.test(parent.exe);
  }

  private allowlisted(p: ProcessIdentity): string | null {
    const a = this.allow;
    if (p.exe) {
      for (const e of a.exePaths) {
        if (e === p.exe || (e.endsWith('/') && p.exe.startsWith(e))) return `exe ${e}`;
      }
    }
    if (p.containerId) {
      for (const c of a.containers) {
        if (c === p.containerId || (c.length >= 12 && p.containerId.startsWith(c))) return `container ${c}`;
      }
    }
    if (p.uid !== null) {
      const name = this.opts.users?.get(p.uid);
      for (const u of a.users) if (u === String(p.uid) || u === name) return `user ${u}`;
    }
    if (a.sha256.length > 0) {
      const h = this.exeHash(p);
      if (h && a.sha256.includes(h)) return `sha256 ${h}`;
    }
    return null;
  }

  private exeHash(p: ProcessIdentity): string | null {
    const key = `${p.pid}:${p.startTime}`;
    if (!this.hashCache.has(key)) {
      let h: string | null = null;
      try {
        h = createHash('sha256')
          .update(readFileSync(`${this.opts.procDir}/${p.pid}/exe`))
          .digest('hex');
      } catch {}
      this.hashCache.set(key, h);
    }
    return this.hashCache.get(key) ?? null;
  }
}

function sshClientAddress(): string | null {
  const v = process.env.SSH_CLIENT ?? process.env.SSH_CONNECTION;
  return v ? (v.split(' ')[0] ?? null) : null;
}
