export interface ContainerRef {
  id: string;
  runtime: 'docker' | 'containerd' | 'cri-o' | 'podman' | 'kubepods' | 'lxc';
}

// Ordered from most to least specific; the first match wins.
const PATTERNS: ReadonlyArray<[RegExp, ContainerRef['runtime']]> = [
  [/docker-([0-9a-f]{64})\.scope/, 'docker'],
  [/\/docker\/([0-9a-f]{64})/, 'docker'],
  [/cri-containerd-([0-9a-f]{64})\.scope/, 'containerd'],
  [/crio-(?:conmon-)?([0-9a-f]{64})(?:\.scope)?/, 'cri-o'],
  [/libpod-(?:conmon-)?([0-9a-f]{64})(?:\.scope)?/, 'podman'],
  [/\/kubepods[^\n]*\/([0-9a-f]{64})(?:\.scope)?$/m, 'kubepods'],
  [/\/containerd\/([0-9a-f]{64})/, 'containerd'],
  [/\/lxc(?:\.payload)?[./]([^/\n]+)/, 'lxc'],
];

/** Finds the container a process runs in from its /proc/PID/cgroup (v1 or v2 layout), or null on the host. */
export function containerFromCgroup(text: string): ContainerRef | null {
  for (const [re, runtime] of PATTERNS) {
    const m = re.exec(text);
    if (m?.[1]) return { id: m[1], runtime };
  }
  return null;
}
