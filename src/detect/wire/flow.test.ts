import { describe, expect, it } from 'vitest';
import { PacketView } from '../../sources/pcap/decode.js';
import { type Flow, FlowTable } from './flow.js';

function view(src: number, dst: number, sport: number, dport: number, family = 4): PacketView {
  const v = new PacketView();
  v.family = family;
  v.proto = 6;
  v.s0 = src;
  v.d0 = dst;
  if (family === 6) {
    v.s3 = src;
    v.d3 = dst;
  }
  v.sport = sport;
  v.dport = dport;
  return v;
}

describe('FlowTable', () => {
  it('finds each of many flows from either direction, through table growth', () => {
    const t = new FlowTable();
    const flows: Flow[] = [];
    for (let i = 0; i < 5000; i++) {
      flows.push(t.get(view(0x0a000001 + i, 0xc0000201, 40000 + (i % 1000), 3333), 0));
      expect(t.created).toBe(true);
    }
    expect(t.size).toBe(5000);
    for (let i = 4999; i >= 0; i -= 7) {
      expect(t.get(view(0xc0000201, 0x0a000001 + i, 3333, 40000 + (i % 1000)), 1)).toBe(flows[i]);
      expect([t.dir, t.created]).toEqual([1, false]);
      expect(t.get(view(0x0a000001 + i, 0xc0000201, 40000 + (i % 1000), 3333), 1)).toBe(flows[i]);
      expect([t.dir, t.created]).toEqual([0, false]);
    }
    expect([...t.values()]).toEqual(flows);
  });

  it('keeps flows apart that differ only in family, port or direction of the ports', () => {
    const t = new FlowTable();
    const a = t.get(view(1, 2, 10, 20), 0);
    const b = t.get(view(1, 2, 10, 20, 6), 0);
    const c = t.get(view(1, 2, 20, 10), 0);
    const d = t.get(view(1, 2, 10, 21), 0);
    expect(new Set([a, b, c, d]).size).toBe(4);
    expect(t.get(view(2, 1, 10, 20), 0)).toBe(c);
    expect(t.dir).toBe(1);
    expect(t.get(view(2, 1, 20, 10), 0)).toBe(a);
  });

  it('after removing flows, the rest are still found and a removed one comes back new', () => {
    const t = new FlowTable();
    const flows = Array.from({ length: 3000 }, (_, i) => t.get(view(i + 1, 99, 1000, 80), i));
    const last = flows[2999] as Flow;
    // The last flow looked up is the one removed, so a cached "previous flow" must not survive the removal.
    expect(t.removeWhere((f) => f.firstTime % 2 === 1)).toBe(1500);
    expect(t.size).toBe(1500);
    for (let i = 0; i < 3000; i += 2) expect(t.get(view(i + 1, 99, 1000, 80), 0)).toBe(flows[i]);
    const again = t.get(view(3000, 99, 1000, 80), 5);
    expect(again).not.toBe(last);
    expect(t.created).toBe(true);
    expect(t.size).toBe(1501);
  });
});
