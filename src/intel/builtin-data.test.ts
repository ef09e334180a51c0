import { describe, expect, it } from 'vitest';
import { CuratedPoolsSchema, MinerPortsSchema } from './builtin-schemas.js';
import minerPorts from './data/miner-ports.json' with { type: 'json' };
import pools from './data/pools.json' with { type: 'json' };
import { loadMinerPorts } from './miner-ports.js';
import { loadBuiltinPoolIntel } from './pools/builtin.js';

describe('built-in intel files', () => {
  it('src/intel/data/miner-ports.json fits its schema', () => {
    const r = MinerPortsSchema.safeParse(minerPorts);
    expect(r.error?.issues ?? []).toEqual([]);
    expect(loadMinerPorts().size).toBe(minerPorts.ports.length);
  });

  it('src/intel/data/pools.json fits its schema', () => {
    const r = CuratedPoolsSchema.safeParse(pools);
    expect(r.error?.issues ?? []).toEqual([]);
    expect(loadBuiltinPoolIntel().packs[0]?.stats.domains).toBe(pools.domains.length);
  });

  it('a bad entry in the pool file names its index', () => {
    const bad = { ...pools, domains: [{ domain: 'Pool.Example.COM', label: 'x' }] };
    expect(() => loadBuiltinPoolIntel(bad)).toThrow(/not a lowercase domain/);
  });
});
