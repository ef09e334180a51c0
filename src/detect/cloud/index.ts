import type { PoolIntel } from '../../intel/pools/index.js';
import { apiEcsMinerTask } from './api-ecs-task.js';
import { apiQuotaEnumeration } from './api-enumeration.js';
import { apiLoggingDisabled } from './api-evasion.js';
import { apiIamPersistence } from './api-iam-persistence.js';
import { apiInstanceCredentialsOutside } from './api-instance-credentials.js';
import { apiRunInstancesBurst, type RunInstancesConfig } from './api-run-instances.js';
import { cloudDnsPoolQuery } from './dns-pool-query.js';
import type { CloudDetector } from './engine.js';
import { type AdminPortConfig, flowAdminPortDetectors } from './flow-admin-ports.js';
import { flowMinerPort } from './flow-miner-port.js';
import { flowPoolAddress } from './flow-pool.js';
import { type FlowShapeConfig, flowStratumShape } from './flow-shape.js';
import { PoolAddresses } from './pool-addresses.js';

export { isPublicImage } from './api-ecs-task.js';
export { isLargeType } from './api-run-instances.js';
export { CloudDetection, type CloudDetector, type HostHit } from './engine.js';
export {
  DEFAULT_FLOW_SHAPE,
  type FlowShapeConfig,
  flowStratumShape,
  KNOWN_SERVICE_PORTS,
} from './flow-shape.js';
export { isPublicIp } from './net.js';
export { PoolAddresses } from './pool-addresses.js';

export interface CloudDetectionConfig {
  intel: PoolIntel;
  minerPorts: ReadonlyMap<number, string>;
  flowShape?: Partial<FlowShapeConfig>;
  adminPorts?: Partial<AdminPortConfig>;
  runInstances?: Partial<RunInstancesConfig>;
  /** Principal ARNs expected to create keys, passwords and policies for others. */
  iamAdmins?: readonly string[];
  /** The addresses an instance uses (from the host map), to tell its own calls from stolen-credential ones. */
  instanceAddresses?: (instanceId: string) => readonly string[];
}

/** Every cloud detector, sharing one pool address book so resolver answers teach the flow rules. */
export function cloudDetectors(c: CloudDetectionConfig): CloudDetector[] {
  const pools = new PoolAddresses(c.intel);
  return [
    cloudDnsPoolQuery(pools),
    flowPoolAddress(pools),
    flowMinerPort(c.minerPorts),
    flowStratumShape(c.flowShape),
    ...flowAdminPortDetectors(c.adminPorts),
    apiRunInstancesBurst(c.runInstances),
    apiEcsMinerTask(),
    apiIamPersistence(c.iamAdmins),
    apiLoggingDisabled(),
    apiQuotaEnumeration(),
    apiInstanceCredentialsOutside(c.instanceAddresses),
  ];
}
