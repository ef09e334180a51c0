import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAzureNsgFile } from './azure-nsg.js';
import { readCloudTrailFile } from './cloudtrail.js';
import { readResolverFile } from './route53-resolver.js';
import { readVpcFlowFile } from './vpc-flow-file.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mw-cloud-hostile-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Peak resident memory above the start while `fn` runs, sampled every 20 ms. */
async function peakRssGrowth<T>(fn: () => Promise<T>): Promise<{ result: T; growthMb: number }> {
  globalThis.gc?.();
  const base = process.memoryUsage.rss();
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);
  try {
    const result = await fn();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, growthMb: (peak - base) / 2 ** 20 };
  } finally {
    clearInterval(timer);
  }
}

/** Writes `count` gzip members, each the same compressed chunk: a stream of any size from a small file. */
async function gzipBomb(file: string, member: Buffer, count: number): Promise<void> {
  const out = createWriteStream(file);
  for (let i = 0; i < count; i++) if (!out.write(member)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
}

const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
const GOOD =
  '2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK';

describe('hostile VPC flow log text', () => {
  it('skips malformed lines, unknown versions and over-long lines with counts, and reads the rest', async () => {
    const file = path.join(dir, 'bad.log');
    await writeFile(
      file,
      [
        HEADER,
        GOOD,
        'garbage',
        '2 123456789010 eni-1 1.2.3.4 5.6.7.8 x 22 6 20 4249 1418530010 1418530070 ACCEPT OK',
        '2 123456789010 eni-1 1.2.3.4 5.6.7.8 1 22 6 2o 4249 1418530010 1418530070 ACCEPT OK',
        '2 123456789010 eni-1 1.2.3.4 5.6.7.8 1 22 6 20 4249 1418530010 1418530070 MAYBE OK',
        '9 123456789010 eni-1 1.2.3.4 5.6.7.8 1 22 6 20 4249 1418530010 1418530070 ACCEPT OK',
        '\u0000\u0001\u0002 binary \uffff',
        'x'.repeat(100_000),
        GOOD,
      ].join('\n'),
    );
    let events = 0;
    const s = await readVpcFlowFile(file, () => events++);
    expect(events).toBe(2);
    expect(s.events).toBe(2);
    expect(s.skipped).toMatchObject({ malformed: 5, unknownVersion: 1, tooLarge: 1 });
    expect(s.examples[0]).toBe(`${file}:3: 1 values where the format has 14 fields`);
    expect(s.examples.some((m) => m.includes(':7: flow log version 9 is not read (versions 2-5)'))).toBe(
      true,
    );
  });

  it('takes control bytes inside a value as part of it: only spaces separate values', async () => {
    const file = path.join(dir, 'ctl.log');
    await writeFile(
      file,
      [
        HEADER,
        GOOD.replace('eni-1235b8ca123456789', 'eni-12\t35\u0001b8'),
        `${GOOD}\t`,
        `${GOOD.replace(' OK', '')} \tOK`,
        `${GOOD}\r`,
      ].join('\n'),
    );
    const ifaces: unknown[] = [];
    const s = await readVpcFlowFile(file, (e) => ifaces.push(e.fields['cloud.interfaceId']));
    expect(ifaces).toEqual(['eni-12\t35\u0001b8', 'eni-1235b8ca123456789']);
    expect(s.skipped.malformed).toBe(2);
    expect(s.examples).toEqual([`${file}:3: unknown log-status OK\t`, `${file}:4: unknown log-status \tOK`]);
  });

  it('refuses a header without addresses, naming the file and line', async () => {
    const file = path.join(dir, 'noaddr.log');
    await writeFile(file, 'version account-id interface-id packets bytes\n2 1 eni-1 3 4\n');
    await expect(readVpcFlowFile(file, () => {})).rejects.toThrow(
      `${file}:1, field srcaddr: flow log format has no srcaddr field`,
    );
  });

  it('reads a 1 GiB gzip bomb of zeros in bounded memory: one endless line, counted and dropped', async () => {
    const file = path.join(dir, 'bomb.log.gz');
    await gzipBomb(file, gzipSync(Buffer.alloc(1 << 20)), 1024);
    const { result: s, growthMb } = await peakRssGrowth(() =>
      readVpcFlowFile(file, () => {}, { maxRatio: Infinity }),
    );
    expect(s.gzip).toBe(true);
    expect(s.events).toBe(0);
    expect(s.skipped.tooLarge).toBe(1);
    expect(s.cutOff).toBeNull();
    expect(growthMb).toBeLessThan(100);
  });

  it('stops a gzip bomb early with the default ratio limit and says why', async () => {
    const file = path.join(dir, 'bomb2.log.gz');
    await gzipBomb(file, gzipSync(Buffer.from(`${GOOD}\n`.repeat(10_000).replace(/\n/g, ' '))), 2000);
    const s = await readVpcFlowFile(file, () => {});
    expect(s.cutOff).toMatch(/inflates over 200:1 .* decompression bomb\? reading stopped/);
  });

  it('reports a damaged gzip stream and keeps what came before', async () => {
    const gz = gzipSync(Buffer.from(`${HEADER}\n${`${GOOD}\n`.repeat(1000)}`));
    const file = path.join(dir, 'cut.log.gz');
    await writeFile(file, Buffer.concat([gz.subarray(0, gz.length - 12), Buffer.from('garbage!')]));
    let events = 0;
    const s = await readVpcFlowFile(file, () => events++);
    expect(s.cutOff).toMatch(/gzip stream is damaged/);
    expect(events).toBeGreaterThan(900);
  });
});

describe('hostile JSON logs', () => {
  it('streams a 200 MB file that is one array, in bounded memory, skipping the oversized and broken records', async () => {
    const file = path.join(dir, 'huge.json');
    const out = createWriteStream(file);
    const record = (i: number) =>
      JSON.stringify({
        eventVersion: '1.09',
        userIdentity: {
          type: 'IAMUser',
          arn: 'arn:aws:iam::123456789012:user/u',
          accessKeyId: 'AKIAEXAMPLE',
        },
        eventTime: '2026-11-20T10:00:00Z',
        eventSource: 'ec2.amazonaws.com',
        eventName: 'DescribeInstances',
        awsRegion: 'us-east-1',
        sourceIPAddress: '198.51.100.1',
        userAgent: 'aws-cli/2',
        requestParameters: {
          filterSet: { items: [{ name: 'tag:Name', valueSet: { items: [{ value: `n-${i}` }] } }] },
        },
        responseElements: null,
        requestID: `r-${i}`.padEnd(36, '0'),
        eventID: `e-${i}`.padEnd(36, '0'),
        recipientAccountId: '123456789012',
        padding: 'p'.repeat(180),
      });
    out.write('[\n');
    let bytes = 2;
    let n = 0;
    while (bytes < 200 * 2 ** 20) {
      let chunk = '';
      for (let k = 0; k < 1000; k++) chunk += `${n++ === 0 ? '' : ',\n'}${record(n)}`;
      bytes += chunk.length;
      if (!out.write(chunk)) await once(out, 'drain');
    }
    // One record over the size cap (a 2 MB string) and one that is not JSON.
    out.write(`,\n{"eventVersion":"1.09","huge":"${'h'.repeat(2 << 20)}"}`);
    out.write(',\n{"eventVersion": "1.09", "eventTime": }');
    out.write(`,\n${record(-1)}\n]\n`);
    out.end();
    await once(out, 'finish');
    let events = 0;
    const { result: s, growthMb } = await peakRssGrowth(() => readCloudTrailFile(file, () => events++));
    expect(s.bytesRead).toBeGreaterThan(200 * 2 ** 20);
    expect(events).toBe(n + 1);
    expect(s.skipped).toMatchObject({ tooLarge: 1, malformed: 1 });
    expect(growthMb).toBeLessThan(150);
  }, 60_000);

  it('counts records of unknown versions in CloudTrail, Route 53 and Azure NSG logs', async () => {
    const ct = path.join(dir, 'ct.json');
    await writeFile(
      ct,
      JSON.stringify({
        Records: [
          { eventVersion: '2.0', eventTime: '2026-11-20T10:00:00Z', eventSource: 'x', eventName: 'y' },
          { eventVersion: '1.09', eventTime: 'yesterday', eventSource: 'x', eventName: 'y' },
          { eventVersion: '1.09', eventTime: '2026-11-20T10:00:00Z', eventSource: 'x', eventName: 'y' },
        ],
      }),
    );
    const a = await readCloudTrailFile(ct, () => {});
    expect(a).toMatchObject({ records: 3, events: 1, skipped: { unknownVersion: 1, malformed: 1 } });
    expect(a.examples).toContain(`${ct}:1: eventTime: Invalid ISO datetime`);

    const r53 = path.join(dir, 'r53.jsonl');
    await writeFile(
      r53,
      [
        '{"version":"2.0","query_timestamp":"2026-11-20T10:00:00Z","query_name":"a.example."}',
        '{"version":"1.100000","query_timestamp":"2026-11-20T10:00:00Z","query_name":"b.example."}',
        '{"version":"1.100000","query_timestamp":',
        '{"version":"1.100000","query_timestamp":"2026-11-20T10:00:00Z","query_name":"c.example."}',
      ].join('\n'),
    );
    const b = await readResolverFile(r53, () => {});
    expect(b).toMatchObject({ events: 2, skipped: { unknownVersion: 1, malformed: 1 } });
    expect(b.examples.some((m) => m.startsWith(`${r53}:3: not valid JSON`))).toBe(true);

    const nsg = path.join(dir, 'nsg.json');
    await writeFile(
      nsg,
      JSON.stringify({
        records: [
          { properties: { Version: 3, flows: [] } },
          {
            properties: {
              Version: 2,
              flows: [
                {
                  rule: 'r',
                  flows: [
                    {
                      mac: 'm',
                      flowTuples: ['1,a,b', '1542110377,94.102.49.190,10.5.16.4,28746,443,T,I,D,B,,,,'],
                    },
                  ],
                },
              ],
            },
          },
        ],
      }),
    );
    const c = await readAzureNsgFile(nsg, () => {});
    expect(c).toMatchObject({ events: 1, skipped: { unknownVersion: 1, malformed: 1 } });
  });
});
