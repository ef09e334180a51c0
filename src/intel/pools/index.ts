export { loadBuiltinPoolIntel } from './builtin.js';
export { normalizeListDomain } from './domain-name.js';
export { type ParsedNet, parseNet } from './ip-set.js';
export { type ListFormat, parseListText } from './list-text.js';
export {
  loadPoolList,
  type PoolListLoad,
  type PoolListOptions,
  poolIntelFromText,
  readPoolList,
} from './load-list.js';
export { PoolIntel, type PoolIntelStats, type PoolMatch, type PoolPackInfo } from './pool-intel.js';
export {
  defaultIntelDir,
  fetchPoolList,
  type InstalledPackMeta,
  installPoolList,
  loadInstalledPools,
} from './store.js';
