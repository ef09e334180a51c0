import { stat } from 'node:fs/promises';
import { loadMinerPorts } from '../../intel/miner-ports.js';
import {
  defaultIntelDir,
  loadBuiltinPoolIntel,
  loadInstalledPools,
  PoolIntel,
} from '../../intel/pools/index.js';
import { MinewardenError } from '../../model/errors.js';
import { HostResolver, loadHostMap } from '../../sources/cloud/index.js';
import type { CloudInputs } from './analyze.js';
import { CloudLogWatcher } from './watch.js';
import {
  CLOUD_FEED_FLAGS,
  type CloudFeedConfig,
  cloudFeedDirs,
  DIR_KEYS,
  type DirKey,
} from './watch-config.js';

/**
 * A given path must be a directory now: a typo or a file (which `cloudlogs` would read once, not watch) fails the
 * start with the flag and the path, instead of a watch that never finds anything.
 */
async function checkDir(key: DirKey, path: string): Promise<void> {
  const flag = `${CLOUD_FEED_FLAGS[key]} (cloud.${key})`;
  let st: Awaited<ReturnType<typeof stat>>;
  try {
    st = await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new MinewardenError('MW_INPUT_NOT_FOUND', `${flag}: no such directory`, { file: path });
    throw new MinewardenError('MW_INPUT_UNREADABLE', `${flag}: cannot read (${code ?? String(err)})`, {
      file: path,
    });
  }
  if (!st.isDirectory())
    throw new MinewardenError(
      'MW_USAGE',
      `${flag}: not a directory; the watch reads directories a log shipper fills (one file: minewarden cloudlogs)`,
      { file: path },
    );
}

/**
 * The watcher for a cloud feed config, its state in `statePath`; null when no directory is given. Pool intel is the
 * built-in lists and the installed ones, the host map the one named, as `cloudlogs` loads them. `pushed` gives the
 * fleet's pool intel while the watch runs (built-in lists and the pushed pack, as the agent's scans use it): when it
 * gives one, it takes the built-in lists' place and the installed lists are added to it.
 */
export async function openCloudFeed(
  c: Readonly<CloudFeedConfig>,
  statePath: string,
  pushed?: () => PoolIntel | null,
): Promise<CloudLogWatcher | null> {
  if (cloudFeedDirs(c).length === 0) return null;
  for (const key of DIR_KEYS) for (const path of c[key]) await checkDir(key, path);
  const hosts = c.hosts ? await loadHostMap(c.hosts) : new HostResolver();
  const installed = loadInstalledPools(c.intelDir ?? defaultIntelDir()).intel;
  const intel = PoolIntel.merge(loadBuiltinPoolIntel(), installed);
  // Merged once per pushed pack, not per look: the watcher starts a new engine whenever the object changes.
  let lastPushed: PoolIntel | null = null;
  let merged: PoolIntel | null = null;
  const intelNow = () => {
    const p = pushed?.() ?? null;
    if (p !== lastPushed) {
      lastPushed = p;
      merged = p ? PoolIntel.merge(p, installed) : null;
    }
    return merged;
  };
  const fields = c.vpcFlowFields?.trim().split(/\s+/);
  const inputs: CloudInputs = {
    vpcFlow: c.vpcFlow,
    resolver: c.resolver,
    cloudtrail: c.cloudtrail,
    gcp: c.gcp,
    azureNsg: c.azureNsg,
  };
  return CloudLogWatcher.open(inputs, {
    intel,
    minerPorts: loadMinerPorts(),
    hosts,
    instanceAddresses: (i: string) => hosts.addressesOf(i),
    runInstances: { usualRegions: c.usualRegions },
    iamAdmins: c.iamAdmins,
    ...(fields ? { read: { fields } } : {}),
    ...(pushed ? { intelNow } : {}),
    statePath,
  });
}
