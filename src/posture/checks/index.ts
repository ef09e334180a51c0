import type { PostureCheck } from './check.js';
import { CONTAINER_CHECKS } from './containers.js';
import { DOCKERFILE_CHECKS } from './dockerfile.js';
import { HOST_EXPOSURE_CHECKS } from './host-exposure.js';
import { HOST_SERVICE_CHECKS } from './host-services.js';
import { SSH_CHECKS } from './host-ssh.js';
import { INSTANCE_EXPOSURE_CHECKS } from './instance-exposure.js';
import { INSTANCE_METADATA_CHECKS } from './instance-metadata.js';
import { NETWORK_EXPOSURE_CHECKS } from './network-exposure.js';
import { VULNERABILITY_CHECKS } from './vulnerabilities.js';

/** Every cloud/IaC check, one family per file. Host checks (host-*.ts, vulnerabilities.ts) read host facts. */
export const IAC_CHECKS: readonly PostureCheck[] = [
  ...NETWORK_EXPOSURE_CHECKS,
  ...INSTANCE_METADATA_CHECKS,
  ...INSTANCE_EXPOSURE_CHECKS,
  ...CONTAINER_CHECKS,
  ...DOCKERFILE_CHECKS,
];

export const HOST_CHECKS: readonly PostureCheck[] = [
  ...SSH_CHECKS,
  ...HOST_SERVICE_CHECKS,
  ...HOST_EXPOSURE_CHECKS,
  ...VULNERABILITY_CHECKS,
];

export const ALL_CHECKS: readonly PostureCheck[] = [...IAC_CHECKS, ...HOST_CHECKS];
