/** What the host sources see, typed. Events for detection are derived from these (see sources/procfs/events.ts). */

export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** comm: at most 15 bytes, settable by the process itself (prctl or /proc/self/comm). */
  name: string;
  state: string;
  uid: number | null;
  user: string | null;
  /** Executable path with any " (deleted)" suffix removed; null when unreadable (kernel thread, permissions). */
  exe: string | null;
  exeDeleted: boolean;
  exeMemfd: boolean;
  /** The path now names a different file than the one mapped (binary swapped on disk). */
  exeReplaced: boolean;
  args: string[];
  /** The raw cmdline was cut at the size cap. */
  argsTruncated: boolean;
  cwd: string | null;
  /** Epoch ms. */
  startTime: number;
  threads: number;
  rssBytes: number;
  /** utime + stime, seconds. */
  cpuSeconds: number;
  /** Reaped children's utime + stime, seconds (cutime + cstime). */
  childCpuSeconds: number;
  /** Percent of one core over the sampling interval; null without a second sample. */
  cpuPercent: number | null;
  /** Time the live threads spent runnable but waiting for a CPU (schedstat), seconds; absent without schedstat. */
  cpuWaitSeconds?: number | null;
  /** Percent of one core the process wanted over the sampling interval: running plus waiting on a runqueue. */
  cpuDemandPercent?: number | null;
  kernelThread: boolean;
  containerId: string | null;
  containerRuntime: string | null;
  /** Inode of the network namespace, to find sockets of processes in other namespaces. */
  netns: number | null;
  sha256: string | null;
  /** Socket inodes held open, from /proc/PID/fd. */
  socketInodes: number[];
}

export type Transport = 'tcp' | 'udp';
export type BindScope = 'loopback' | 'private' | 'public' | 'any';

export interface SocketInfo {
  transport: Transport;
  family: 4 | 6;
  localIp: string;
  localPort: number;
  remoteIp: string;
  remotePort: number;
  state: string;
  uid: number;
  inode: number;
  /** Owning pids (a socket can be shared after fork); empty when no visible process holds it. */
  pids: number[];
  netns: number | null;
}

export interface Listener {
  transport: Transport;
  family: 4 | 6;
  ip: string;
  port: number;
  scope: BindScope;
  pids: number[];
  inode: number;
}
