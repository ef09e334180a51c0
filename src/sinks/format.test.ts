import { describe, expect, it } from 'vitest';
import { finding } from '../../test/fleet/fixtures.js';
import { SinkConfigSchema } from './config.js';
import { Sinks } from './index.js';
import { toOcsf } from './ocsf.js';
import { slackPayload } from './slack.js';
import { formatCef, formatRfc5424 } from './syslog-format.js';
import type { Alert } from './types.js';

const hostile: Alert = {
  kind: 'finding',
  finding: {
    ...finding('h1', 1),
    title: 'evil\n<1>1 2025-01-01T00:00:00Z forged app - x - injected|CEF:0|x',
    host: { id: 'h"]1', name: 'bad host\r\nname' },
    entity: { kind: 'process', exe: '/tmp/a=b\\c|d', pid: 7 },
  },
};
const h = { facility: 4, appName: 'minewarden', hostname: 'srv 1\n' };

describe('sink formats under hostile input', () => {
  it('RFC 5424: one line, header fields without spaces, SD values escaped', () => {
    const m = formatRfc5424(hostile, h);
    expect(m).not.toMatch(/[\r\n]/);
    expect(m.split(' ')[2]).toBe('srv_1_');
    expect(m).toContain('hostId="h\\"\\]1"');
    expect(m).toContain('hostName="bad host name"');
  });

  it('RFC 5424: SD values keep CR/LF only inside quotes, never as a new record', () => {
    const m = formatRfc5424(hostile, h);
    // The title (MSG) is flattened; the structured-data value is quoted and escaped.
    expect(m.endsWith('evil <1>1 2025-01-01T00:00:00Z forged app - x - injected|CEF:0|x')).toBe(true);
  });

  it('CEF: pipes escaped in the header, = and backslash escaped in extensions, no raw newlines', () => {
    const m = formatCef(hostile, h, '1.0');
    expect(m).not.toMatch(/[\r\n]/);
    const cef = m.slice(m.indexOf('CEF:0'));
    // A CEF parser takes the first seven unescaped pipes as the header; pipes in extensions are literal.
    const head = cef.split(/(?<!\\)\|/).slice(0, 7);
    expect(head[5]).toBe('evil <1>1 2025-01-01T00:00:00Z forged app - x - injected\\|CEF:0\\|x');
    expect(head[6]).toBe('5');
    expect(cef).toContain('sproc=/tmp/a\\=b\\\\c|d');
    expect(cef).toContain('dvchost=bad host\\r\\nname');
  });

  it('Slack: markup characters are escaped', () => {
    const p = slackPayload({
      kind: 'finding',
      finding: { ...finding('h1', 1), title: '<!channel> & <http://x|y>' },
    });
    expect(p.text).toContain('&lt;!channel&gt; &amp; &lt;http://x|y&gt;');
  });

  it('OCSF: severity and confidence mapped, evidence kept', () => {
    const o = toOcsf({ kind: 'finding', finding: finding('h1', 2) }, '1');
    expect(o).toMatchObject({ severity_id: 4, severity: 'High', confidence_score: 90 });
    expect(JSON.stringify(o)).toContain('stratum+tcp://pool.example:3333');
  });
});

describe('sink config', () => {
  it('names the field that is wrong', () => {
    const r = SinkConfigSchema.safeParse({ type: 'webhook', url: 'http://127.0.0.1/x', secret: 'short' });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['secret']);
    expect(SinkConfigSchema.safeParse({ type: 'syslog', host: 'x', protocol: 'sctp' }).success).toBe(false);
    expect(SinkConfigSchema.safeParse({ type: 'nats', url: 'nats://x:4222', subject: 'a.*' }).success).toBe(
      false,
    );
    expect(SinkConfigSchema.safeParse({ type: 'ocsf-file', path: '/x', extra: 1 }).success).toBe(false);
  });
});

describe('Sinks fan-out', () => {
  it('filters by severity and forwards a resent finding once per re-alert window', async () => {
    const sinks = new Sinks(
      [
        SinkConfigSchema.parse({
          type: 'ocsf-file',
          path: '/nonexistent/dir/x',
          minSeverity: 'high',
          retries: 0,
        }),
      ],
      '1',
    );
    const b = {
      batchId: 'b',
      host: { id: 'h1', name: 'h1' },
      findings: [finding('h1', 1), finding('h1', 2)],
    };
    sinks.onBatch({ ...b, incidents: [], heartbeats: [], inventory: [] });
    sinks.onBatch({ ...b, incidents: [], heartbeats: [], inventory: [] });
    await sinks.close(1000);
    // finding 1 is medium (filtered); finding 2 is high and offered once despite being sent twice.
    expect(sinks.stats()[0]?.stats.offered).toBe(1);
  });
});
