import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { formatCef, formatRfc5424, type SyslogHeader } from './syslog-format.js';
import type { Alert, SinkTransport } from './types.js';

export interface SyslogOptions {
  host: string;
  port: number;
  protocol: 'udp' | 'tcp';
  format: 'rfc5424' | 'cef';
  facility: number;
  appName: string;
  timeoutMs: number;
  version: string;
}

/** RFC 6587 octet counting: the length prefix frames messages without trusting their content. */
export function frameTcp(msg: string): Buffer {
  const b = Buffer.from(msg, 'utf8');
  return Buffer.concat([Buffer.from(`${b.length} `), b]);
}

function udpSender(o: SyslogOptions): SinkTransport['send'] & { close(): void } {
  let sock: UdpSocket | null = null;
  const send = (buf: Buffer) =>
    new Promise<void>((resolve, reject) => {
      sock ??= createSocket(o.host.includes(':') ? 'udp6' : 'udp4');
      sock.send(buf, o.port, o.host, (err) => (err ? reject(err) : resolve()));
    });
  const fn = ((a: Alert) => send(Buffer.from(format(a, o), 'utf8'))) as SinkTransport['send'] & {
    close(): void;
  };
  fn.close = () => sock?.close();
  return fn;
}

function format(a: Alert, o: SyslogOptions): string {
  const h: SyslogHeader = { facility: o.facility, appName: o.appName, hostname: hostname() };
  return o.format === 'cef' ? formatCef(a, h, o.version) : formatRfc5424(a, h);
}

/** One TCP connection, reopened after any error; a write resolves when the kernel took it. */
class TcpSender {
  private sock: Socket | null = null;

  constructor(private readonly o: SyslogOptions) {}

  private open(): Promise<Socket> {
    if (this.sock && !this.sock.destroyed) return Promise.resolve(this.sock);
    return new Promise((resolve, reject) => {
      const s = connect({ host: this.o.host, port: this.o.port });
      s.setTimeout(this.o.timeoutMs, () => s.destroy(new Error('syslog TCP timeout')));
      s.once('connect', () => {
        s.setTimeout(0);
        s.on('error', () => s.destroy());
        // A receiver that hung up: reconnect on the next send instead of writing into a half-closed socket.
        s.on('end', () => s.destroy());
        this.sock = s;
        resolve(s);
      });
      s.once('error', reject);
    });
  }

  async send(a: Alert): Promise<void> {
    const s = await this.open();
    await new Promise<void>((resolve, reject) => {
      s.write(frameTcp(format(a, this.o)), (err) => {
        if (err) {
          s.destroy();
          reject(err);
        } else resolve();
      });
    });
  }

  close(): void {
    this.sock?.end();
    this.sock = null;
  }
}

/** Syslog over UDP (fire and forget: the protocol cannot tell loss) or TCP (errors retried by the runner). */
export function syslogSink(o: SyslogOptions): SinkTransport {
  if (o.protocol === 'udp') {
    const send = udpSender(o);
    return { send, close: async () => send.close() };
  }
  const tcp = new TcpSender(o);
  return { send: (a) => tcp.send(a), close: async () => tcp.close() };
}
