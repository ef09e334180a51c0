import builtin from '../../intel/data/miner-hashes.json' with { type: 'json' };

/** Who says a hash is a miner: a public source, cited in every finding it leads to. */
export interface MinerHashSource {
  id: string;
  title: string;
  url?: string;
}

export interface MinerHashEntry {
  /** Lowercase hex. */
  sha256: string;
  family: string;
  note: string;
  /** Id of an entry in the file's `sources`. */
  source: string;
}

/** The format of src/intel/data/miner-hashes.json and of any hash pack (checked by miner-hash-pack.ts). */
export interface MinerHashFile {
  version: string;
  date: string;
  description: string;
  sources: MinerHashSource[];
  hashes: MinerHashEntry[];
}

export interface MinerHashMatch {
  entry: MinerHashEntry;
  source: MinerHashSource;
  /** Where the list came from: "built-in" or the pack's file path, with its version. */
  list: string;
}

export interface MinerHashList {
  readonly size: number;
  lookup(sha256: string): MinerHashMatch | undefined;
}

/**
 * One lookup table over several lists (the built-in one, then packs). A hash listed twice keeps its first
 * listing, so the built-in source is cited when a pack repeats it.
 */
export function minerHashList(lists: readonly { name: string; data: MinerHashFile }[]): MinerHashList {
  const byHash = new Map<string, MinerHashMatch>();
  for (const { name, data } of lists) {
    const sources = new Map(data.sources.map((s) => [s.id, s]));
    for (const entry of data.hashes) {
      const sha = entry.sha256.toLowerCase();
      const source = sources.get(entry.source);
      if (!source || byHash.has(sha)) continue;
      byHash.set(sha, { entry: { ...entry, sha256: sha }, source, list: `${name} ${data.version}` });
    }
  }
  return {
    size: byHash.size,
    lookup: (sha256) => byHash.get(sha256.toLowerCase()),
  };
}

/**
 * The list that ships. It is edited by people and validated by a test (miner-hash.test.ts), so loading it here
 * needs no schema library on the scan path.
 */
export function builtinMinerHashFile(): MinerHashFile {
  return builtin;
}

export function builtinMinerHashes(): MinerHashList {
  return minerHashList([{ name: 'built-in', data: builtin }]);
}
