import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import type { SinkConfigInput } from '../../src/sinks/config.js';

/** A receiver a conformance test starts on 127.0.0.1: what it got (raw), and optionally a way to make it fail. */
export interface Receiver {
  config: SinkConfigInput;
  messages(): string[];
  /** Makes the receiver refuse deliveries (HTTP 500, TCP refused, file unwritable); absent when the protocol cannot tell. */
  setFailing?(failing: boolean): Promise<void>;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

function listen(s: Server | TcpServer, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => {
      const a = s.address();
      resolve(typeof a === 'object' && a ? a.port : 0);
    });
  });
}

export interface HttpReceived {
  body: string;
  headers: IncomingMessage['headers'];
}

export async function httpReceiver(
  type: 'webhook' | 'slack',
  extra: Record<string, unknown> = {},
): Promise<Receiver & { requests: HttpReceived[] }> {
  let failing = false;
  const requests: HttpReceived[] = [];
  const srv = createServer(async (req, res) => {
    const body = await readBody(req);
    if (failing) {
      res.writeHead(500).end();
      return;
    }
    requests.push({ body, headers: req.headers });
    res.writeHead(200).end('ok');
  });
  const port = await listen(srv);
  return {
    config: { type, url: `http://127.0.0.1:${port}/hook`, ...extra } as SinkConfigInput,
    requests,
    messages: () => requests.map((r) => r.body),
    async setFailing(f) {
      failing = f;
    },
    close: () =>
      new Promise((resolve) => {
        srv.closeAllConnections();
        srv.close(() => resolve());
      }),
  };
}

export async function udpReceiver(format: 'rfc5424' | 'cef'): Promise<Receiver> {
  const got: string[] = [];
  const sock = createSocket('udp4');
  sock.on('message', (m) => got.push(m.toString('utf8')));
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', () => resolve()));
  return {
    config: { type: 'syslog', host: '127.0.0.1', port: sock.address().port, protocol: 'udp', format },
    messages: () => [...got],
    close: () => new Promise((resolve) => sock.close(() => resolve())),
  };
}

/** Parses RFC 6587 octet-counted frames; anything unframed fails the test by showing up as garbage. */
export async function tcpReceiver(format: 'rfc5424' | 'cef'): Promise<Receiver> {
  const got: string[] = [];
  let srv: TcpServer | null = null;
  const sockets = new Set<import('node:net').Socket>();
  const start = async (port: number) => {
    srv = createTcpServer((s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      let buf = Buffer.alloc(0);
      s.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        for (;;) {
          const sp = buf.indexOf(0x20);
          if (sp < 0) return;
          const len = Number(buf.subarray(0, sp).toString());
          if (!Number.isInteger(len) || len <= 0) {
            got.push(`GARBAGE:${buf.toString()}`);
            buf = Buffer.alloc(0);
            return;
          }
          if (buf.length < sp + 1 + len) return;
          got.push(buf.subarray(sp + 1, sp + 1 + len).toString('utf8'));
          buf = buf.subarray(sp + 1 + len);
        }
      });
    });
    return listen(srv, port);
  };
  const port = await start(0);
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      if (srv) srv.close(() => resolve());
      else resolve();
      srv = null;
    });
  return {
    config: { type: 'syslog', host: '127.0.0.1', port, protocol: 'tcp', format },
    messages: () => [...got],
    async setFailing(f) {
      if (f) await stop();
      else if (!srv) await start(port);
    },
    close: stop,
  };
}

export async function natsReceiver(url: string): Promise<Receiver> {
  const nc = await connect({ servers: url });
  const subject = `mwtest.alerts.${process.pid}.${Math.random().toString(36).slice(2)}`;
  const got: string[] = [];
  const sub = nc.subscribe(subject);
  void (async () => {
    for await (const m of sub) got.push(m.string());
  })();
  await nc.flush();
  return {
    config: { type: 'nats', url, subject },
    messages: () => [...got],
    close: () => nc.drain(),
  };
}

export async function fileReceiver(): Promise<Receiver> {
  const dir = mkdtempSync(join(tmpdir(), 'mw-ocsf-'));
  const live = join(dir, 'out');
  const path = join(live, 'findings.ocsf.jsonl');
  const { mkdirSync, renameSync, existsSync } = await import('node:fs');
  mkdirSync(live);
  return {
    config: { type: 'ocsf-file', path },
    messages: () =>
      existsSync(path)
        ? readFileSync(path, 'utf8')
            .split('\n')
            .filter((l) => l.length > 0)
        : [],
    async setFailing(f) {
      // A missing directory makes the append fail (ENOENT); bringing it back makes it work again.
      if (f) renameSync(live, join(dir, 'away'));
      else if (existsSync(join(dir, 'away'))) renameSync(join(dir, 'away'), live);
    },
    async close() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
