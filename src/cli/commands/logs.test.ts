import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isDnsQueryLine } from '../../sources/dns/index.js';
import { DNS_LINE_MARKERS } from './logs.js';

const LOGHUB = resolve(import.meta.dirname, '../../../../shared/data/sshlogs/loghub/OpenSSH/OpenSSH_2k.log');

describe('DNS_LINE_MARKERS', () => {
  it('every line isDnsQueryLine accepts holds a marker (lines without one skip the DNS check)', () => {
    const base = [
      ...readFileSync(LOGHUB, 'utf8').split('\n').slice(0, 500),
      'Nov 26 10:00:01 gw dnsmasq[1]: query[A] la01.supportxmr.com from 192.168.1.23',
      'Nov 26 10:00:01 gw dnsmasq[1]: reply la01.supportxmr.com is 1.2.3.4',
      'Nov 26 10:00:01 gw dnsmasq: cached a.example is 1.2.3.4',
      '26-Nov-2026 10:00:02.123 client @0x7f 10.0.0.5#53422 (a.example): query: a.example IN A +E(0)K (10.0.0.1)',
      'Nov 26 10:00:02 ns named[9]: client 10.0.0.5#53422: view internal: query: a.example IN A + (10.0.0.1)',
    ];
    // Each line and every version of it with one character cut out: what the check accepts must keep a marker.
    let accepted = 0;
    for (const l of base)
      for (let i = -1; i < l.length; i++) {
        const v = i < 0 ? l : l.slice(0, i) + l.slice(i + 1);
        if (!isDnsQueryLine(v)) continue;
        accepted++;
        expect(
          DNS_LINE_MARKERS.some((m) => v.includes(m)),
          v,
        ).toBe(true);
      }
    expect(accepted).toBeGreaterThan(300);
  });
});
