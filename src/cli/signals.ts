/**
 * Resolves when SIGINT or SIGTERM arrives; long-running commands await this, then shut down cleanly. In its own
 * module so that `agent` does not load the server's dependencies (fastify, the stores) just to wait for a signal.
 */
export function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const done = (sig: string) => resolve(sig);
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}
