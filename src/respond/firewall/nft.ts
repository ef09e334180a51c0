import { z } from 'zod';
import { parseNet } from '../../intel/pools/ip-set.js';
import { findTool, mustRun, runTool } from '../exec.js';
import { type BlockSet, elementComment, type Firewall, isV6, normalizeAddr, TABLE } from './types.js';

export function setName(set: BlockSet, addr: string): string {
  return `${set}_${isV6(addr) ? 'v6' : 'v4'}`;
}

/**
 * No auto-merge: merged neighbours (192.0.2.10 and .11 become 192.0.2.10/31) lose their own timeouts and
 * comments, and one of them can no longer be deleted, so undo could not remove exactly what an action added.
 */
const SET_FLAGS = 'flags interval, timeout;';

/** Without auto-merge an interval set refuses overlaps: drop elements a wider element of the list covers. */
function outermost(els: readonly string[]): string[] {
  const nets = els.map((e) => ({ e, n: parseNet(e) }));
  return nets
    .filter(({ e, n }) => {
      if (!n) return true;
      const ip = e.split('/')[0] ?? e;
      return !nets.some((o) => {
        if (!o.n || o.e === e || o.n.v !== n.v || o.n.bits > n.bits) return false;
        if (parseNet(`${ip}/${o.n.bits}`)?.net !== o.n.net) return false;
        // The same network twice: keep the first.
        return o.n.bits < n.bits || nets.findIndex((x) => x.e === o.e) < nets.findIndex((x) => x.e === e);
      });
    })
    .map(({ e }) => e);
}

/**
 * Our own table and nothing else: `inet minewarden` with named sets and base chains at priority filter - 5, so
 * existing rulesets stay as they are and removing our table removes all of our effect.
 */
export function tableScript(elements: Partial<Record<string, readonly string[]>> = {}): string {
  const set = (name: string, type: string): string => {
    const els = outermost(elements[name] ?? []);
    const body = els.length > 0 ? ` elements = { ${els.join(', ')} };` : '';
    return `  set ${name} { type ${type}; ${SET_FLAGS}${body} }\n`;
  };
  return (
    `table inet ${TABLE} {\n` +
    set('pool_v4', 'ipv4_addr') +
    set('pool_v6', 'ipv6_addr') +
    set('attacker_v4', 'ipv4_addr') +
    set('attacker_v6', 'ipv6_addr') +
    '  chain output {\n    type filter hook output priority filter - 5; policy accept;\n' +
    '    ip daddr @pool_v4 counter reject\n    ip6 daddr @pool_v6 counter reject\n  }\n' +
    '  chain forward {\n    type filter hook forward priority filter - 5; policy accept;\n' +
    '    ip daddr @pool_v4 counter drop\n    ip6 daddr @pool_v6 counter drop\n' +
    '    ip saddr @attacker_v4 counter drop\n    ip6 saddr @attacker_v6 counter drop\n  }\n' +
    '  chain input {\n    type filter hook input priority filter - 5; policy accept;\n' +
    '    ip saddr @attacker_v4 counter drop\n    ip6 saddr @attacker_v6 counter drop\n  }\n' +
    '}\n'
  );
}

const ElemValue = z.union([
  z.string(),
  z.object({ prefix: z.object({ addr: z.string(), len: z.number() }) }),
  z.object({ range: z.tuple([z.string(), z.string()]) }),
]);
const ElemSchema = z.union([
  ElemValue,
  z.object({
    elem: z
      .object({
        val: ElemValue,
        timeout: z.number().optional(),
        expires: z.number().optional(),
        comment: z.string().optional(),
      })
      .loose(),
  }),
]);
const ListSetSchema = z.object({
  nftables: z.array(
    z
      .object({
        set: z
          .object({ elem: z.array(ElemSchema).optional() })
          .loose()
          .optional(),
      })
      .loose(),
  ),
});

function elemText(v: z.infer<typeof ElemValue>): string {
  if (typeof v === 'string') return v;
  if ('prefix' in v) return normalizeAddr(`${v.prefix.addr}/${v.prefix.len}`);
  return `${v.range[0]}-${v.range[1]}`;
}

export class NftFirewall implements Firewall {
  readonly backend = 'nft' as const;
  private readonly nft: string;

  constructor(private readonly netns?: string) {
    this.nft = findTool('nft') ?? 'nft';
  }

  async ensure(): Promise<boolean> {
    const r = await runTool(this.nft, ['list', 'table', 'inet', TABLE], this.opts());
    if (r.code === 0) {
      if (/\bauto-merge\b/.test(r.stdout)) await this.dropAutoMerge();
      return false;
    }
    await mustRun(this.nft, ['-f', '-'], { ...this.opts(), input: tableScript() });
    return true;
  }

  /**
   * Tables made by earlier versions have auto-merge sets. A set's flags cannot change in place, so the table is
   * replaced in one transaction (no moment unblocked) with every element, its remaining time and its comment;
   * ranges that were already merged stay ranges. Counters start again from zero.
   */
  private async dropAutoMerge(): Promise<void> {
    const elements: Record<string, string[]> = {};
    for (const set of ['pool', 'attacker'] as const) {
      for (const fam of ['v4', 'v6']) {
        const name = `${set}_${fam}`;
        elements[name] = [];
        for (const e of await this.elements(name)) {
          if (e.expires === 0) continue;
          const comment = e.comment ? elementComment(e.comment) : '';
          elements[name].push(
            `${e.text}${e.timeout ? ` timeout ${e.timeout}s` : ''}${e.expires ? ` expires ${e.expires}s` : ''}` +
              `${comment ? ` comment "${comment}"` : ''}`,
          );
        }
      }
    }
    const script = `delete table inet ${TABLE}\n${tableScript(elements)}`;
    await mustRun(this.nft, ['-f', '-'], { ...this.opts(), input: script });
  }

  async has(set: BlockSet, addr: string): Promise<boolean> {
    const r = await runTool(
      this.nft,
      ['get', 'element', 'inet', TABLE, setName(set, addr), `{ ${addr} }`],
      this.opts(),
    );
    return r.code === 0;
  }

  async add(
    set: BlockSet,
    addrs: readonly string[],
    timeoutSec: number | null,
    comments?: ReadonlyMap<string, string>,
  ): Promise<void> {
    for (const fam of this.byFamily(set, addrs)) {
      const t = timeoutSec ? ` timeout ${timeoutSec}s` : '';
      const c = (a: string): string => {
        const text = elementComment(comments?.get(a) ?? '');
        return text ? ` comment "${text}"` : '';
      };
      await mustRun(
        this.nft,
        [
          'add',
          'element',
          'inet',
          TABLE,
          fam.name,
          `{ ${fam.addrs.map((a) => `${a}${t}${c(a)}`).join(', ')} }`,
        ],
        this.opts(),
      );
    }
  }

  async remove(set: BlockSet, addrs: readonly string[]): Promise<void> {
    for (const a of addrs) {
      // One at a time: an element that timed out meanwhile must not fail the removal of the others.
      if (!(await this.has(set, a))) continue;
      await mustRun(this.nft, ['delete', 'element', 'inet', TABLE, setName(set, a), `{ ${a} }`], this.opts());
    }
  }

  async list(set: BlockSet): Promise<string[]> {
    const out: string[] = [];
    for (const fam of ['v4', 'v6']) for (const e of await this.elements(`${set}_${fam}`)) out.push(e.text);
    return out;
  }

  /** One set's elements with what the kernel keeps of each: timeout and seconds left, comment. */
  private async elements(
    name: string,
  ): Promise<Array<{ text: string; timeout?: number; expires?: number; comment?: string }>> {
    const r = await runTool(this.nft, ['-j', 'list', 'set', 'inet', TABLE, name], this.opts());
    if (r.code !== 0) return [];
    const parsed = ListSetSchema.safeParse(JSON.parse(r.stdout));
    if (!parsed.success)
      throw new Error(`nft -j list set: unexpected JSON (${parsed.error.issues[0]?.message})`);
    const out: Array<{ text: string; timeout?: number; expires?: number; comment?: string }> = [];
    for (const item of parsed.data.nftables) {
      for (const e of item.set?.elem ?? []) {
        if (typeof e === 'object' && 'elem' in e) {
          const { val, timeout, expires, comment } = e.elem;
          out.push({
            text: elemText(val),
            ...(timeout !== undefined ? { timeout } : {}),
            ...(expires !== undefined ? { expires } : {}),
            ...(comment !== undefined ? { comment } : {}),
          });
        } else out.push({ text: elemText(e) });
      }
    }
    return out;
  }

  private byFamily(set: BlockSet, addrs: readonly string[]): Array<{ name: string; addrs: string[] }> {
    const v4 = addrs.filter((a) => !isV6(a));
    const v6 = addrs.filter(isV6);
    return [
      { name: `${set}_v4`, addrs: v4 },
      { name: `${set}_v6`, addrs: v6 },
    ].filter((f) => f.addrs.length > 0);
  }

  private opts(): { netns?: string } {
    return this.netns ? { netns: this.netns } : {};
  }
}
