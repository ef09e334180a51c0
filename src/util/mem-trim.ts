import { createRequire } from 'node:module';
import { packagePath } from './package-root.js';

const ADDON_PATH = packagePath('build', 'Release', 'mem_trim.node');

interface MemTrimAddon {
  abiVersion: number;
  /** [mappings trimmed, kB that were resident in them] */
  trimFilePages(): [number, number];
}

let addon: MemTrimAddon | null | undefined;

function load(): MemTrimAddon | null {
  if (addon !== undefined) return addon;
  try {
    const a = createRequire(import.meta.url)(ADDON_PATH) as MemTrimAddon;
    addon = a.abiVersion === 1 && typeof a.trimFilePages === 'function' ? a : null;
  } catch {
    // Optional (scripts/build-native.mjs): without it the pages simply stay mapped.
    addon = null;
  }
  return addon;
}

export interface TrimResult {
  mappings: number;
  /** What was resident in the trimmed mappings; the part still in use comes back on its next touch. */
  kb: number;
}

/**
 * Unmaps the clean pages of read-only file mappings (node binary, shared libraries) from this process, so its RSS is
 * what it has touched since (native/mem_trim.cc says which mappings qualify). Null when the addon is not built or
 * the platform has no /proc/self/smaps.
 */
export function trimFilePages(): TrimResult | null {
  const a = load();
  if (!a) return null;
  try {
    const [mappings, kb] = a.trimFilePages();
    return { mappings, kb };
  } catch {
    return null;
  }
}

/**
 * Trims now and then every `intervalMs` for a long-running process (the agent): Node maps far more of its binary at
 * start-up and in bursts (a scan, a posture pass) than it touches in steady state. Each trim costs about 2 ms plus
 * the minor faults that bring the working set back, a few ms more.
 */
export class MemTrimmer {
  trims = 0;
  lastKb = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly intervalMs: number) {}

  get available(): boolean {
    return load() !== null;
  }

  start(): void {
    if (this.intervalMs <= 0 || this.timer || !this.available) return;
    this.trimNow();
    this.timer = setInterval(() => this.trimNow(), this.intervalMs);
    this.timer.unref();
  }

  trimNow(): TrimResult | null {
    const r = trimFilePages();
    if (r) {
      this.trims++;
      this.lastKb = r.kb;
    }
    return r;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
