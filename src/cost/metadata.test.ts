import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { lookupCloudInstance } from './metadata.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
let server: Server | null = null;
const requests: string[] = [];

/** A fake metadata service on 127.0.0.1; the code under test only learns its address through baseUrl. */
async function fake(handler: Handler): Promise<string> {
  requests.length = 0;
  server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    handler(req, res);
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = null;
});

const notFound = (res: ServerResponse) => {
  res.statusCode = 404;
  res.end();
};

describe('cloud metadata lookup', () => {
  it('reads the AWS instance type through IMDSv2 (token first, then reads that carry it)', async () => {
    const base = await fake((req, res) => {
      if (req.method === 'PUT' && req.url === '/latest/api/token') {
        if (req.headers['x-aws-ec2-metadata-token-ttl-seconds'] !== '60') return notFound(res);
        return res.end('TOKEN-abc==');
      }
      if (req.headers['x-aws-ec2-metadata-token'] !== 'TOKEN-abc==') return notFound(res);
      if (req.url === '/latest/meta-data/instance-type') return res.end('c5.large');
      if (req.url === '/latest/meta-data/placement/region') return res.end('us-east-1');
      notFound(res);
    });
    expect(await lookupCloudInstance({ baseUrl: base })).toEqual({
      provider: 'aws',
      instanceType: 'c5.large',
      region: 'us-east-1',
      via: 'aws-imdsv2',
    });
    expect(requests).toContain('PUT /latest/api/token');
  });

  it('reads the GCE machine type and derives the region from the zone', async () => {
    const base = await fake((req, res) => {
      if (req.headers['metadata-flavor'] !== 'Google') return notFound(res);
      res.setHeader('Metadata-Flavor', 'Google');
      if (req.url === '/computeMetadata/v1/instance/machine-type')
        return res.end('projects/1234/machineTypes/e2-standard-2');
      if (req.url === '/computeMetadata/v1/instance/zone')
        return res.end('projects/1234/zones/us-central1-a');
      notFound(res);
    });
    expect(await lookupCloudInstance({ baseUrl: base })).toEqual({
      provider: 'gcp',
      instanceType: 'e2-standard-2',
      region: 'us-central1',
      via: 'gce-metadata',
    });
  });

  it('reads the Azure VM size from IMDS', async () => {
    const base = await fake((req, res) => {
      if (req.headers.metadata !== 'true' || !req.url?.startsWith('/metadata/instance/compute?'))
        return notFound(res);
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ vmSize: 'Standard_D2s_v5', location: 'eastus', name: 'vm1' }));
    });
    expect(await lookupCloudInstance({ baseUrl: base })).toMatchObject({
      provider: 'azure',
      instanceType: 'Standard_D2s_v5',
      region: 'eastus',
    });
  });

  it('gives null, quickly, when nothing answers or the answer is hostile', async () => {
    const slow = await fake(() => {
      /* never answers */
    });
    let t0 = performance.now();
    expect(await lookupCloudInstance({ baseUrl: slow, timeoutMs: 150 })).toBeNull();
    expect(performance.now() - t0).toBeLessThan(2000);
    await new Promise<void>((r) => server?.close(() => r()));
    server?.closeAllConnections();

    // Closed port on loopback: refused at once.
    t0 = performance.now();
    expect(await lookupCloudInstance({ baseUrl: slow, timeoutMs: 150 })).toBeNull();
    expect(performance.now() - t0).toBeLessThan(2000);

    const hostile = await fake((req, res) => {
      if (req.method === 'PUT') return res.end('TOKEN');
      if (req.url === '/latest/meta-data/instance-type') return res.end('m5.large; rm -rf /\n<script>');
      if (req.url?.includes('machine-type')) return res.end('projects/1/machineTypes/e2-standard-2'); // no flavor header
      if (req.url?.startsWith('/metadata/')) return res.end('x'.repeat(200_000));
      notFound(res);
    });
    expect(await lookupCloudInstance({ baseUrl: hostile, timeoutMs: 500 })).toBeNull();
  });
});
