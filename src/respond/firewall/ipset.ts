import { findTool, mustRun, runTool } from '../exec.js';
import { type BlockSet, elementComment, type Firewall, isV6, normalizeAddr } from './types.js';

function ipsetName(set: BlockSet, v6: boolean): string {
  return `minewarden-${set}${v6 ? '6' : '4'}`;
}

/** Our chains; each is jumped to from one rule in the built-in chain, so removal is one rule and one chain. */
const CHAINS: ReadonlyArray<{ chain: string; from: string; rules: (v6: boolean) => string[][] }> = [
  {
    chain: 'MINEWARDEN-OUT',
    from: 'OUTPUT',
    rules: (v6) => [['-m', 'set', '--match-set', ipsetName('pool', v6), 'dst', '-j', 'REJECT']],
  },
  {
    chain: 'MINEWARDEN-IN',
    from: 'INPUT',
    rules: (v6) => [['-m', 'set', '--match-set', ipsetName('attacker', v6), 'src', '-j', 'DROP']],
  },
  {
    chain: 'MINEWARDEN-FWD',
    from: 'FORWARD',
    rules: (v6) => [
      ['-m', 'set', '--match-set', ipsetName('pool', v6), 'dst', '-j', 'DROP'],
      ['-m', 'set', '--match-set', ipsetName('attacker', v6), 'src', '-j', 'DROP'],
    ],
  },
];

/** The fallback for hosts without nft: ipset sets with per-entry timeouts, matched from our own iptables chains. */
export class IpsetFirewall implements Firewall {
  readonly backend = 'iptables' as const;
  private readonly ipset = findTool('ipset') ?? 'ipset';
  private readonly commentSets = new Map<string, boolean>();

  constructor(private readonly netns?: string) {}

  async ensure(): Promise<boolean> {
    let created = false;
    for (const set of ['pool', 'attacker'] as const) {
      for (const v6 of [false, true]) {
        const name = ipsetName(set, v6);
        if ((await runTool(this.ipset, ['list', '-name', name], this.opts())).code === 0) continue;
        await mustRun(
          this.ipset,
          ['create', name, 'hash:net', 'family', v6 ? 'inet6' : 'inet', 'timeout', '0', 'comment', '-exist'],
          this.opts(),
        );
        created = true;
      }
    }
    for (const v6 of [false, true]) {
      const ipt = findTool(v6 ? 'ip6tables' : 'iptables');
      if (!ipt) continue;
      for (const c of CHAINS) {
        if ((await runTool(ipt, ['-n', '-L', c.chain], this.opts())).code !== 0) {
          await mustRun(ipt, ['-N', c.chain], this.opts());
          for (const rule of c.rules(v6)) await mustRun(ipt, ['-A', c.chain, ...rule], this.opts());
          created = true;
        }
        if ((await runTool(ipt, ['-C', c.from, '-j', c.chain], this.opts())).code !== 0)
          await mustRun(ipt, ['-I', c.from, '1', '-j', c.chain], this.opts());
      }
    }
    return created;
  }

  async has(set: BlockSet, addr: string): Promise<boolean> {
    return (await runTool(this.ipset, ['test', ipsetName(set, isV6(addr)), addr], this.opts())).code === 0;
  }

  async add(
    set: BlockSet,
    addrs: readonly string[],
    timeoutSec: number | null,
    comments?: ReadonlyMap<string, string>,
  ): Promise<void> {
    for (const a of addrs) {
      const name = ipsetName(set, isV6(a));
      const text = elementComment(comments?.get(a) ?? '');
      const comment = text && (await this.takesComments(name)) ? ['comment', text] : [];
      await mustRun(
        this.ipset,
        ['add', name, a, 'timeout', String(timeoutSec ?? 0), ...comment, '-exist'],
        this.opts(),
      );
    }
  }

  /** Sets made before comments were used lack the extension; their entries go in without one. */
  private async takesComments(name: string): Promise<boolean> {
    let known = this.commentSets.get(name);
    if (known === undefined) {
      const r = await runTool(this.ipset, ['list', '-t', name], this.opts());
      known = /^Header:.*\bcomment\b/m.test(r.stdout);
      this.commentSets.set(name, known);
    }
    return known;
  }

  async remove(set: BlockSet, addrs: readonly string[]): Promise<void> {
    for (const a of addrs)
      await mustRun(this.ipset, ['del', ipsetName(set, isV6(a)), a, '-exist'], this.opts());
  }

  async list(set: BlockSet): Promise<string[]> {
    const out: string[] = [];
    for (const v6 of [false, true]) {
      const name = ipsetName(set, v6);
      const r = await runTool(this.ipset, ['save', name], this.opts());
      if (r.code !== 0) continue;
      for (const line of r.stdout.split('\n')) {
        const m = /^add (\S+) (\S+)/.exec(line);
        if (m?.[1] === name && m[2]) out.push(normalizeAddr(m[2]));
      }
    }
    return out;
  }

  private opts(): { netns?: string } {
    return this.netns ? { netns: this.netns } : {};
  }
}
