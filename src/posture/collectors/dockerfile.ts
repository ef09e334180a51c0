import type { DockerfileInfo } from '../assets.js';

/**
 * The few Dockerfile instructions posture cares about (EXPOSE, USER), with lines. Continuation lines are joined
 * so `EXPOSE 80 \` + `22` is read as one instruction at its first line.
 */
export function readDockerfile(src: string, file: string): DockerfileInfo {
  const info: DockerfileInfo = {
    resource: { address: file, type: 'dockerfile', file, line: 1, source: 'dockerfile' },
    exposes: [],
    user: undefined,
  };
  const lines = src.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const start = i + 1;
    let text = lines[i]!;
    while (/\\\s*$/.test(text) && i + 1 < lines.length) text = text.replace(/\\\s*$/, ' ') + lines[++i]!;
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(text);
    if (!m || text.trimStart().startsWith('#')) continue;
    const op = m[1]!.toUpperCase();
    const args = m[2]!.trim();
    if (op === 'EXPOSE') {
      for (const tok of args.split(/\s+/)) {
        const pm = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp))?$/i.exec(tok);
        if (!pm) continue;
        const from = Number(pm[1]);
        const to = pm[2] ? Number(pm[2]) : from;
        const protocol = (pm[3] ?? 'tcp').toLowerCase();
        for (let p = from; p <= to && p - from < 65536; p++)
          info.exposes.push({ port: p, protocol, line: start });
      }
    } else if (op === 'USER') info.user = { value: args, line: start };
  }
  return info;
}
