import data from './data/miner-ports.json' with { type: 'json' };

/**
 * Port -> why it is listed. The file ships with the product but is edited by people: builtin-data.test.ts checks
 * it against its schema (builtin-schemas.ts), so loading it here needs no schema library on the scan path.
 */
export function loadMinerPorts(): ReadonlyMap<number, string> {
  return new Map(data.ports.map((p) => [p.port, p.note]));
}
