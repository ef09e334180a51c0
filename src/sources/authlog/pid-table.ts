/**
 * Per-connection state keyed by pid, in a fixed direct-mapped table: a pid lands in slot `pid mod size`, and a new
 * connection whose pid shares a slot replaces the old one. Bounded by construction with no allocation per entry
 * beyond the value and no rehashing; a Map with steady insert-and-evict traffic spent more time rehashing than the
 * whole parse (bench/logs). sshd pids of live connections rarely collide modulo 16384.
 */
export class PidTable<V> {
  private readonly pids: Int32Array;
  private readonly values: (V | undefined)[];
  private readonly mask: number;
  private count = 0;

  constructor(bits = 14) {
    const size = 1 << bits;
    this.pids = new Int32Array(size).fill(-1);
    this.values = new Array<V | undefined>(size).fill(undefined);
    this.mask = size - 1;
  }

  get size(): number {
    return this.count;
  }

  get(pid: number): V | undefined {
    const i = pid & this.mask;
    return this.pids[i] === pid ? this.values[i] : undefined;
  }

  set(pid: number, value: V): void {
    const i = pid & this.mask;
    if (this.pids[i] === -1) this.count++;
    this.pids[i] = pid;
    this.values[i] = value;
  }

  delete(pid: number): void {
    const i = pid & this.mask;
    if (this.pids[i] !== pid) return;
    this.pids[i] = -1;
    this.values[i] = undefined;
    this.count--;
  }
}

/**
 * The peer address last seen for each connection (pid), with the host and program of the line that named it, in
 * parallel arrays indexed like PidTable: no object per connection, so the millions of connections of a long log
 * leave nothing behind for the garbage collector but the (shared) strings.
 */
export class PeerTable {
  private readonly pids: Int32Array;
  private readonly hosts: (string | undefined)[];
  private readonly hostnames: (string | undefined)[];
  private readonly programs: (string | undefined)[];
  private readonly mask: number;

  constructor(bits = 14) {
    const size = 1 << bits;
    this.pids = new Int32Array(size).fill(-1);
    this.hosts = new Array<string | undefined>(size).fill(undefined);
    this.hostnames = new Array<string | undefined>(size).fill(undefined);
    this.programs = new Array<string | undefined>(size).fill(undefined);
    this.mask = size - 1;
  }

  /** The peer of connection `pid` of this host and program, if known. */
  find(pid: number, hostname: string | undefined, program: string | undefined): string | undefined {
    const i = pid & this.mask;
    if (this.pids[i] !== pid || this.hostnames[i] !== hostname || this.programs[i] !== program)
      return undefined;
    return this.hosts[i];
  }

  remember(pid: number, hostname: string | undefined, program: string | undefined, host: string): void {
    const i = pid & this.mask;
    this.pids[i] = pid;
    this.hosts[i] = host;
    this.hostnames[i] = hostname;
    this.programs[i] = program;
  }
}
