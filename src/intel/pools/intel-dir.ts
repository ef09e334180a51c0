import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where `intel update` keeps installed packs: $MINEWARDEN_INTEL_DIR, else a system or per-user data directory.
 * Apart from the store so that a command can name the directory without loading the store's schemas.
 */
export function defaultIntelDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MINEWARDEN_INTEL_DIR) return env.MINEWARDEN_INTEL_DIR;
  if (process.getuid?.() === 0) return '/var/lib/minewarden/intel';
  return join(env.XDG_DATA_HOME ?? join(homedir(), '.local/share'), 'minewarden/intel');
}
