import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface Located {
  value: string;
  file: string;
  line: number;
}

/** A Docker daemon endpoint from daemon.json, a systemd unit, /etc/default/docker or the running dockerd's args. */
export interface DockerEndpoint extends Located {
  tlsverify: boolean;
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function lineOf(text: string, needle: string): number {
  const idx = text.indexOf(needle);
  return idx < 0 ? 1 : text.slice(0, idx).split('\n').length;
}

const UNIT_DIRS = ['/etc/systemd/system', '/lib/systemd/system', '/usr/lib/systemd/system'];

/** -H/--host tcp:// endpoints and whether --tlsverify (or "tlsverify": true) protects them. */
export function readDockerEndpoints(
  root: string,
  dockerdArgs?: { args: string[]; source: string },
): DockerEndpoint[] {
  const out: DockerEndpoint[] = [];
  const daemonJson = path.join(root, '/etc/docker/daemon.json');
  const text = readText(daemonJson);
  let jsonTls = false;
  if (text) {
    try {
      const cfg = JSON.parse(text) as { hosts?: unknown; tlsverify?: unknown };
      jsonTls = cfg.tlsverify === true;
      if (Array.isArray(cfg.hosts))
        for (const h of cfg.hosts)
          if (typeof h === 'string' && /^tcp:\/\//.test(h))
            out.push({ value: h, file: daemonJson, line: lineOf(text, h), tlsverify: jsonTls });
    } catch {
      // A broken daemon.json stops dockerd from starting; nothing listens because of it.
    }
  }
  const fromArgs = (args: string[], file: string, content: string): void => {
    const tls = jsonTls || args.some((a) => a === '--tlsverify' || a === '--tlsverify=true');
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      let v: string | undefined;
      if (a === '-H' || a === '--host') v = args[i + 1];
      else if (a.startsWith('-H=') || a.startsWith('--host=')) v = a.slice(a.indexOf('=') + 1);
      else if (a.startsWith('-Htcp://')) v = a.slice(2);
      if (v?.startsWith('tcp://')) out.push({ value: v, file, line: lineOf(content, v), tlsverify: tls });
    }
  };
  for (const dir of UNIT_DIRS) {
    const base = path.join(root, dir);
    const files = [path.join(base, 'docker.service')];
    const dropins = path.join(base, 'docker.service.d');
    if (existsSync(dropins)) for (const f of readdirSync(dropins).sort()) files.push(path.join(dropins, f));
    for (const f of files) {
      const t = readText(f);
      if (!t) continue;
      for (const m of t.matchAll(/^\s*ExecStart\s*=\s*(.+)$/gm)) fromArgs(m[1]!.trim().split(/\s+/), f, t);
    }
  }
  const defaults = path.join(root, '/etc/default/docker');
  const dt = readText(defaults);
  const opts = dt ? /^\s*DOCKER_OPTS\s*=\s*"?([^"\n]*)"?/m.exec(dt) : null;
  if (dt && opts) fromArgs(opts[1]!.trim().split(/\s+/), defaults, dt);
  if (dockerdArgs) fromArgs(dockerdArgs.args, dockerdArgs.source, dockerdArgs.args.join(' '));
  const seen = new Set<string>();
  return out.filter((e) => (seen.has(`${e.value}|${e.file}`) ? false : seen.add(`${e.value}|${e.file}`)));
}

export interface RedisConfig {
  file: string;
  requirepass: Located | undefined;
  /** ACL users with a password (`user name on >secret`). */
  aclPasswords: boolean;
  protectedMode: Located | undefined;
  bind: Located | undefined;
  port: Located | undefined;
}

/** redis.conf: last directive wins (Redis reads the file top to bottom and later lines override). */
export function parseRedisConf(text: string, file: string): RedisConfig {
  const cfg: RedisConfig = {
    file,
    requirepass: undefined,
    aclPasswords: false,
    protectedMode: undefined,
    bind: undefined,
    port: undefined,
  };
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const m = /^\s*([A-Za-z-]+)\s+(.*?)\s*$/.exec(lines[i]!);
    if (!m || lines[i]!.trimStart().startsWith('#')) continue;
    const key = m[1]!.toLowerCase();
    const value = m[2]!.replace(/^"(.*)"$/, '$1');
    const loc = { value, file, line: i + 1 };
    if (key === 'requirepass') cfg.requirepass = value === '' ? undefined : loc;
    else if (key === 'protected-mode') cfg.protectedMode = loc;
    else if (key === 'bind') cfg.bind = loc;
    else if (key === 'port') cfg.port = loc;
    else if (key === 'user' && /\s(>|#)\S/.test(` ${value}`) && !/\bnopass\b/.test(value))
      cfg.aclPasswords = true;
  }
  return cfg;
}

export function readRedisConfigs(root: string): RedisConfig[] {
  const out: RedisConfig[] = [];
  const candidates = ['/etc/redis/redis.conf', '/etc/redis.conf'];
  const dir = path.join(root, '/etc/redis');
  if (existsSync(dir))
    for (const f of readdirSync(dir).sort()) if (f.endsWith('.conf')) candidates.push(`/etc/redis/${f}`);
  for (const c of [...new Set(candidates)]) {
    const file = path.join(root, c);
    const text = readText(file);
    if (text !== undefined && /^\s*(port|bind|requirepass|protected-mode)\s/m.test(text))
      out.push(parseRedisConf(text, file));
  }
  return out;
}

/** Redis binds every interface when no `bind` is given; loopback-only binds cannot be reached from outside. */
export function redisLoopbackOnly(cfg: RedisConfig): boolean {
  if (!cfg.bind) return false;
  return cfg.bind.value
    .split(/\s+/)
    .map((a) => a.replace(/^-/, ''))
    .every((a) => a === 'localhost' || a.startsWith('127.') || a === '::1');
}
