import http from 'node:http';
import https from 'node:https';
import net from 'node:net';

/**
 * Live probes of our own listeners. They connect ONLY to loopback (127.0.0.1 or ::1): a listener bound to the
 * wildcard answers there too, and one bound to a specific outside address is left unprobed rather than probed
 * from the network.
 */
export type ProbeKind = 'redis' | 'docker' | 'kubelet' | 'kubelet-readonly' | 'etcd';

export interface ProbeTarget {
  kind: ProbeKind;
  host: '127.0.0.1' | '::1';
  port: number;
}

export interface ProbeResult extends ProbeTarget {
  /** The service answered a request that needs no credentials with data: it is open to anyone who reaches it. */
  unauthenticated: boolean;
  /** What came back, cut short: the evidence. */
  response: string;
  version?: string;
  error?: string;
}

const LOOPBACK = new Set(['127.0.0.1', '::1']);
const MAX_REPLY = 4096;

function assertLoopback(host: string): void {
  if (!LOOPBACK.has(host)) throw new Error(`refusing to probe ${host}: probes talk to loopback only`);
}

function tcpExchange(t: ProbeTarget, payload: string, timeoutMs: number): Promise<string> {
  assertLoopback(t.host);
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: t.host, port: t.port });
    let buf = '';
    const done = (err?: Error) => {
      sock.destroy();
      if (err && !buf) reject(err);
      else resolve(buf);
    };
    sock.setTimeout(timeoutMs, () => done(new Error('timeout')));
    sock.on('connect', () => sock.write(payload));
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      if (buf.length > MAX_REPLY || redisRepliesComplete(buf, 2)) done();
    });
    sock.on('error', (e) => done(e));
    sock.on('end', () => done());
  });
}

/** True once `n` RESP replies (simple strings, errors, or bulk strings) are complete in `buf`. */
export function redisRepliesComplete(buf: string, n: number): boolean {
  let pos = 0;
  for (let i = 0; i < n; i++) {
    const eol = buf.indexOf('\r\n', pos);
    if (eol < 0) return false;
    const head = buf.slice(pos, eol);
    pos = eol + 2;
    if (head.startsWith('$')) {
      const len = Number(head.slice(1));
      if (!Number.isFinite(len)) return true;
      if (len < 0) continue;
      if (buf.length < pos + len + 2) return false;
      pos += len + 2;
    } else if (!/^[+\-:]/.test(head)) return true;
  }
  return true;
}

async function probeRedis(t: ProbeTarget, timeoutMs: number): Promise<ProbeResult> {
  const reply = await tcpExchange(t, 'PING\r\nINFO server\r\n', timeoutMs);
  const first = reply.split('\r\n')[0] ?? '';
  const version = /redis_version:([^\r\n]+)/.exec(reply)?.[1];
  return {
    ...t,
    unauthenticated: first === '+PONG',
    response: reply.slice(0, 300),
    ...(version ? { version } : {}),
  };
}

function httpGet(
  t: ProbeTarget,
  path: string,
  tls: boolean,
  timeoutMs: number,
): Promise<{ status: number; body: string }> {
  assertLoopback(t.host);
  return new Promise((resolve, reject) => {
    const mod = tls ? https : http;
    const req = mod.request(
      {
        host: t.host,
        port: t.port,
        path,
        method: 'GET',
        timeout: timeoutMs,
        // Our own kubelet/etcd use self-signed certificates; we only read whether they answer without credentials.
        ...(tls ? { rejectUnauthorized: false } : {}),
        headers: { 'user-agent': 'minewarden-posture-probe' },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          if (body.length < MAX_REPLY) body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

async function probeHttp(
  t: ProbeTarget,
  path: string,
  tls: boolean,
  timeoutMs: number,
  versionKey: string,
): Promise<ProbeResult> {
  const r = await httpGet(t, path, tls, timeoutMs);
  let version: string | undefined;
  try {
    const j = JSON.parse(r.body) as Record<string, unknown>;
    const v = j[versionKey];
    if (typeof v === 'string') version = v;
  } catch {}
  return {
    ...t,
    unauthenticated: r.status === 200,
    response: `HTTP ${r.status} ${r.body.slice(0, 300)}`,
    ...(version ? { version } : {}),
  };
}

export async function runProbe(t: ProbeTarget, timeoutMs = 2000): Promise<ProbeResult> {
  try {
    switch (t.kind) {
      case 'redis':
        return await probeRedis(t, timeoutMs);
      case 'docker':
        return await probeHttp(t, '/version', false, timeoutMs, 'Version');
      case 'kubelet':
        return await probeHttp(t, '/pods', true, timeoutMs, 'kind');
      case 'kubelet-readonly':
        return await probeHttp(t, '/pods', false, timeoutMs, 'kind');
      case 'etcd':
        // etcd serves plain HTTP unless client TLS is configured; try plain first, then TLS.
        return await probeHttp(t, '/version', false, timeoutMs, 'etcdserver').catch(() =>
          probeHttp(t, '/version', true, timeoutMs, 'etcdserver'),
        );
    }
  } catch (err) {
    return {
      ...t,
      unauthenticated: false,
      response: '',
      error: err instanceof Error ? err.message : String(err),
    };
  }
}

export async function runProbes(targets: readonly ProbeTarget[], timeoutMs = 2000): Promise<ProbeResult[]> {
  return Promise.all(targets.map((t) => runProbe(t, timeoutMs)));
}
