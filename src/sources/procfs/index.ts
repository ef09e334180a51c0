export { snapshotEvents } from './events.js';
export { ExeHasher } from './exe-hash.js';
export { type ProcessBasic, readProcessBasic } from './process.js';
export { type HostSnapshot, type SnapshotOptions, takeSnapshot } from './snapshot.js';
