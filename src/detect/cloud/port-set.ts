/**
 * Ports as a 64 KiB table: flow rules ask about every record, and indexing a byte array is several times cheaper
 * than a Map or Set lookup. Anything that is not a port (-1 for none) is not in the set.
 */
export function portTable(ports: Iterable<number>): Uint8Array {
  const t = new Uint8Array(65536);
  for (const p of ports) if (Number.isInteger(p) && p >= 0 && p < 65536) t[p] = 1;
  return t;
}

export function inPorts(t: Uint8Array, port: number): boolean {
  return port >= 0 && t[port] === 1;
}
