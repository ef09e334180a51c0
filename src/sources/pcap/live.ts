import { type ChildProcess, spawn } from 'node:child_process';
import { MinewardenError } from '../../model/errors.js';
import { CaptureStream, type CaptureSummary } from './reader.js';
import type { PacketHandler } from './records.js';

export interface LiveCaptureOptions {
  iface: string;
  /** Bytes kept per packet; stratum lines span segments, so the default keeps whole frames. */
  snaplen?: number;
  /** A BPF filter expression handed to the capture tool. */
  filter?: string;
  /** Which tool to run; by default tcpdump, then dumpcap when tcpdump is not installed. */
  tool?: 'tcpdump' | 'dumpcap';
}

export interface LiveCaptureEnd {
  summary: CaptureSummary;
  /** Packets the kernel dropped because we did not read fast enough, as the tool reports it at exit. */
  kernelDropped: number | null;
}

const MAX_STDERR = 8192;

function argsFor(tool: 'tcpdump' | 'dumpcap', o: LiveCaptureOptions): string[] {
  const snap = String(o.snaplen ?? 262144);
  if (tool === 'tcpdump') {
    // -U and --immediate-mode: hand over each packet at once, so detection sees a handshake within milliseconds.
    const a = ['-i', o.iface, '-w', '-', '-U', '--immediate-mode', '-n', '-s', snap];
    return o.filter ? [...a, o.filter] : a;
  }
  const a = ['-i', o.iface, '-w', '-', '-P', '-q', '-s', snap];
  return o.filter ? [...a, '-f', o.filter] : a;
}

/**
 * Live capture through tcpdump (or dumpcap) writing pcap to a pipe: the same record parser and detectors as for
 * files, with memory bounded by one record buffer; when we fall behind, the kernel drops and the tool counts it.
 */
export class LiveCapture {
  private readonly child: ChildProcess;
  private readonly stream: CaptureStream;
  private stderr = '';
  private stopping = false;
  readonly done: Promise<LiveCaptureEnd>;

  constructor(
    readonly opts: LiveCaptureOptions,
    onPacket: PacketHandler,
    readonly tool: 'tcpdump' | 'dumpcap' = opts.tool ?? 'tcpdump',
  ) {
    const source = `${tool}:${opts.iface}`;
    this.stream = new CaptureStream(source, onPacket, 1024 * 1024);
    this.child = spawn(tool, argsFor(tool, opts), { stdio: ['ignore', 'pipe', 'pipe'] });
    this.done = new Promise((resolve, reject) => {
      let failed: MinewardenError | null = null;
      this.child.stdout?.on('data', (chunk: Buffer) => {
        if (failed) return;
        try {
          this.stream.write(chunk);
        } catch (err) {
          failed =
            err instanceof MinewardenError
              ? err
              : new MinewardenError('MW_INTERNAL', String(err), { file: source });
          this.child.kill('SIGTERM');
        }
      });
      this.child.stderr?.on('data', (chunk: Buffer) => {
        if (this.stderr.length < MAX_STDERR) this.stderr += chunk.toString('utf8').slice(0, MAX_STDERR);
      });
      this.child.on('error', (err: NodeJS.ErrnoException) => {
        failed ??= new MinewardenError(
          'MW_CAPTURE_FAILED',
          err.code === 'ENOENT' ? `${tool} is not installed (Debian: apt-get install ${tool})` : err.message,
          { file: source },
        );
      });
      this.child.on('close', (code) => {
        if (failed) return reject(failed);
        if (code !== 0 && !this.stopping) {
          const why = this.stderr.trim().split('\n').filter(Boolean).at(-1) ?? `exit code ${code}`;
          return reject(new MinewardenError('MW_CAPTURE_FAILED', why, { file: source }));
        }
        try {
          const dropped = /(\d+) packets? dropped by kernel/.exec(this.stderr);
          resolve({ summary: this.stream.finish(), kernelDropped: dropped ? Number(dropped[1]) : null });
        } catch (err) {
          reject(err);
        }
      });
    });
  }

  /** Ends the capture; `done` resolves once the tool has flushed and exited. */
  stop(): Promise<LiveCaptureEnd> {
    this.stopping = true;
    if (this.child.exitCode === null) this.child.kill('SIGINT');
    return this.done;
  }
}

/** Starts tcpdump, or dumpcap when tcpdump is missing and no tool was asked for. */
export async function startLiveCapture(
  opts: LiveCaptureOptions,
  onPacket: PacketHandler,
): Promise<LiveCapture> {
  const first = new LiveCapture(opts, onPacket);
  if (opts.tool) return first;
  // A missing binary fails at spawn time, before any packet; wait that long to decide on the fallback.
  const early = await Promise.race([
    first.done.then(
      () => null,
      (e: unknown) => e,
    ),
    new Promise((r) => setTimeout(r, 200, 'running')),
  ]);
  if (early instanceof MinewardenError && /not installed/.test(early.message))
    return new LiveCapture({ ...opts, tool: 'dumpcap' }, onPacket, 'dumpcap');
  return first;
}
