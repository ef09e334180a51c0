import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { finding } from '../../test/fleet/fixtures.js';
import { NATS_URL, serviceUp } from '../../test/fleet/services.js';
import {
  fileReceiver,
  httpReceiver,
  natsReceiver,
  type Receiver,
  tcpReceiver,
  udpReceiver,
} from '../../test/fleet/sink-receivers.js';
import { type SinkConfig, SinkConfigSchema } from './config.js';
import { transportFor } from './index.js';
import { SinkRunner } from './runner.js';
import type { Alert } from './types.js';

const SECRET = 'conformance-secret-0123456789';

/** Checks one received message against its wire format and returns the alert id it carries. */
function decode(c: SinkConfig, raw: string): string {
  switch (c.type) {
    case 'webhook':
    case 'nats': {
      const j = JSON.parse(raw) as { source: string; kind: string; finding: { id: string } };
      expect(j.source).toBe('minewarden');
      return j.finding.id;
    }
    case 'slack': {
      const j = JSON.parse(raw) as { text: string };
      const m =
        /^\*\[(HIGH|MEDIUM)\]\* Miner command line \((\d+)\) on \*h1\* \(h1\)\nrule `miner\.cmdline\.stratum`/.exec(
          j.text,
        );
      expect(m, j.text).not.toBeNull();
      return finding('h1', Number(m?.[2])).id;
    }
    case 'syslog': {
      const m = /^<(\d+)>1 (\S+) (\S+) minewarden - (finding|cef) (.*)$/.exec(raw);
      expect(m, raw).not.toBeNull();
      const pri = Number(m?.[1]);
      expect(pri >> 3).toBe(4);
      expect(Number.isNaN(Date.parse(m?.[2] ?? ''))).toBe(false);
      const rest = m?.[5] ?? '';
      if (c.format === 'cef') {
        expect(rest.startsWith('- CEF:0|minewarden|minewarden|')).toBe(true);
        const parts = rest.slice(2).split(/(?<!\\)\|/);
        expect(parts).toHaveLength(8);
        expect(parts[4]).toBe('miner.cmdline.stratum');
        return /externalId=(\S+)/.exec(parts[7] ?? '')?.[1] ?? '';
      }
      expect(rest).toMatch(/^\[minewarden@32473 id="f-[0-9a-f]+" kind="finding" severity="(high|medium)" /);
      return /id="([^"]+)"/.exec(rest)?.[1] ?? '';
    }
    case 'ocsf-file': {
      const j = JSON.parse(raw) as Record<string, unknown> & { finding_info: { uid: string } };
      expect(j).toMatchObject({ class_uid: 2004, category_uid: 2, type_uid: 200401, activity_id: 1 });
      expect([3, 4]).toContain(j.severity_id);
      expect(typeof j.time).toBe('number');
      return j.finding_info.uid;
    }
  }
}

interface Harness {
  name: string;
  start(): Promise<Receiver | null>;
}

const HARNESSES: Harness[] = [
  { name: 'webhook', start: () => httpReceiver('webhook', { secret: SECRET }) },
  { name: 'slack', start: () => httpReceiver('slack') },
  { name: 'syslog rfc5424 udp', start: () => udpReceiver('rfc5424') },
  { name: 'syslog cef udp', start: () => udpReceiver('cef') },
  { name: 'syslog rfc5424 tcp', start: () => tcpReceiver('rfc5424') },
  { name: 'syslog cef tcp', start: () => tcpReceiver('cef') },
  { name: 'nats', start: async () => ((await serviceUp('nats')) ? natsReceiver(NATS_URL) : null) },
  { name: 'ocsf-file', start: () => fileReceiver() },
];

const alerts = (n: number, from = 0): Alert[] =>
  Array.from({ length: n }, (_, i) => ({ kind: 'finding', finding: finding('h1', from + i) }));

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.each(HARNESSES)('sink conformance: $name', (h) => {
  let rx: Receiver | null = null;
  let runner: SinkRunner | null = null;
  afterEach(async () => {
    await runner?.close(1000);
    await rx?.close();
    runner = null;
    rx = null;
  });

  async function setup(overrides: Record<string, unknown> = {}) {
    rx = await h.start();
    if (!rx) return null;
    const c = SinkConfigSchema.parse({ ...rx.config, backoffMs: 20, maxBackoffMs: 50, ...overrides });
    runner = new SinkRunner(h.name, c.type, transportFor(c, '9.9.9'), {
      maxQueue: c.queue,
      retries: c.retries,
      initialBackoffMs: c.backoffMs,
      maxBackoffMs: c.maxBackoffMs,
    });
    return { rx, runner, c };
  }

  it('delivers every alert once, in order, in its wire format', async () => {
    const s = await setup();
    if (!s) return;
    const sent = alerts(20);
    for (const a of sent) s.runner.offer(a);
    // The receiver may hold a message a moment before the sender's write resolves: wait for both.
    await until(() => s.rx.messages().length >= 20 && s.runner.stats().delivered >= 20);
    await new Promise((r) => setTimeout(r, 50));
    const ids = s.rx.messages().map((m) => decode(s.c, m));
    expect(ids).toEqual(sent.map((a) => (a.kind === 'finding' ? a.finding.id : '')));
    expect(s.runner.stats()).toMatchObject({ offered: 20, delivered: 20, dropped: 0, failed: 0, depth: 0 });
  });

  it('never blocks the caller: a full queue drops and counts', async () => {
    const s = await setup({ queue: 5, retries: 50 });
    if (!s) return;
    await s.rx.setFailing?.(true);
    for (const a of alerts(100)) expect(typeof s.runner.offer(a)).toBe('boolean');
    const st = s.runner.stats();
    expect(st.offered).toBe(100);
    expect(st.depth).toBeLessThanOrEqual(6);
    if (s.rx.setFailing) expect(st.dropped).toBeGreaterThanOrEqual(94);
    await until(() => {
      const x = s.runner.stats();
      return x.depth === 0 || x.retries > 0 || x.delivered > 0;
    });
  });

  it('retries with backoff until the receiver comes back', async () => {
    const s = await setup({ retries: 100 });
    if (!s?.rx.setFailing) return;
    await s.rx.setFailing(true);
    for (const a of alerts(3)) s.runner.offer(a);
    await until(() => s.runner.stats().retries >= 2);
    await s.rx.setFailing(false);
    await until(() => s.rx.messages().length >= 3 && s.runner.stats().delivered >= 3);
    expect(s.rx.messages().map((m) => decode(s.c, m))).toEqual(
      alerts(3).map((a) => (a.kind === 'finding' ? a.finding.id : '')),
    );
    expect(s.runner.stats()).toMatchObject({ delivered: 3, failed: 0 });
  });

  it('gives up after the last retry and counts the failure', async () => {
    const s = await setup({ retries: 2 });
    if (!s?.rx.setFailing) return;
    await s.rx.setFailing(true);
    s.runner.offer(alerts(1)[0] as Alert);
    await until(() => s.runner.stats().failed === 1);
    expect(s.runner.stats()).toMatchObject({ delivered: 0, retries: 2, depth: 0 });
  });
});

describe('webhook signature', () => {
  it('signs timestamp and body with HMAC-SHA256 so a receiver can verify and refuse replays', async () => {
    const rx = await httpReceiver('webhook', { secret: SECRET });
    const c = SinkConfigSchema.parse(rx.config);
    const t = transportFor(c, '1');
    try {
      await t.send(alerts(1)[0] as Alert);
      const r = rx.requests[0];
      const ts = String(r?.headers['x-minewarden-timestamp']);
      const want = `sha256=${createHmac('sha256', SECRET).update(`${ts}.${r?.body}`).digest('hex')}`;
      expect(r?.headers['x-minewarden-signature']).toBe(want);
      const forged = createHmac('sha256', 'another-secret-0123456').update(`${ts}.${r?.body}`).digest('hex');
      expect(r?.headers['x-minewarden-signature']).not.toBe(`sha256=${forged}`);
    } finally {
      await t.close();
      await rx.close();
    }
  });
});
