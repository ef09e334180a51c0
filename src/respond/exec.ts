import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

const SEARCH = ['/usr/sbin', '/usr/bin', '/sbin', '/bin', '/usr/local/sbin', '/usr/local/bin'];

/** Full path of a system tool, or null when it is not installed ("not supported on this host", not an error). */
export function findTool(name: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), ...SEARCH];
  for (const d of dirs) {
    try {
      accessSync(`${d}/${name}`, constants.X_OK);
      return `${d}/${name}`;
    } catch {}
  }
  return null;
}

/**
 * Runs a tool with arguments as an array (never through a shell, so addresses and paths cannot inject). With
 * `netns`, it runs inside that named network namespace via `ip netns exec`.
 */
export function runTool(
  tool: string,
  args: readonly string[],
  opts: { netns?: string; input?: string; timeoutMs?: number } = {},
): Promise<ToolResult> {
  const [cmd, argv] = opts.netns
    ? [findTool('ip') ?? 'ip', ['netns', 'exec', opts.netns, tool, ...args]]
    : [tool, [...args]];
  return new Promise((resolve) => {
    const child = execFile(
      cmd,
      argv,
      { timeout: opts.timeoutMs ?? 15_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 127) : 0;
        resolve({
          code,
          stdout: String(stdout),
          stderr: String(stderr || (err && !stderr ? err.message : '')),
        });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** runTool that throws with the tool's own message when it fails. */
export async function mustRun(
  tool: string,
  args: readonly string[],
  opts: { netns?: string; input?: string } = {},
): Promise<string> {
  const r = await runTool(tool, args, opts);
  if (r.code !== 0) throw new Error(`${tool} ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}
