import { capabilitiesNotDropped } from './capabilities-not-dropped.js';
import type { PostureCheck } from './check.js';
import { CONTAINER_CHECKS } from './containers.js';
import { defaultSecurityGroupOpen } from './default-sg-open.js';
import { DOCKERFILE_CHECKS } from './dockerfile.js';
import { HOST_EXPOSURE_CHECKS } from './host-exposure.js';
import { hostPathVolume } from './host-path-volume.js';
import { HOST_SERVICE_CHECKS } from './host-services.js';
import { SSH_CHECKS } from './host-ssh.js';
import { ingressSensitivePort } from './ingress-sensitive-port.js';
import { ingressUnknownPort } from './ingress-unknown-port.js';
import { ingressWebPort } from './ingress-web-port.js';
import { INSTANCE_EXPOSURE_CHECKS } from './instance-exposure.js';
import { INSTANCE_METADATA_CHECKS } from './instance-metadata.js';
import { instancePublicIpDefault } from './instance-public-ip-default.js';
import { naclAllowAll } from './nacl-allow-all.js';
import { NETWORK_EXPOSURE_CHECKS } from './network-exposure.js';
import { VULNERABILITY_CHECKS } from './vulnerabilities.js';
import { writableSystemMount } from './writable-system-mount.js';

/** Every cloud/IaC check, one family per file. Host checks (host-*.ts, vulnerabilities.ts) read host facts. */
export const IAC_CHECKS: readonly PostureCheck[] = [
  ...NETWORK_EXPOSURE_CHECKS,
  naclAllowAll,
  ingressSensitivePort,
  ingressWebPort,
  ingressUnknownPort,
  defaultSecurityGroupOpen,
  ...INSTANCE_METADATA_CHECKS,
  ...INSTANCE_EXPOSURE_CHECKS,
  instancePublicIpDefault,
  ...CONTAINER_CHECKS,
  hostPathVolume,
  writableSystemMount,
  capabilitiesNotDropped,
  ...DOCKERFILE_CHECKS,
];

export const HOST_CHECKS: readonly PostureCheck[] = [
  ...SSH_CHECKS,
  ...HOST_SERVICE_CHECKS,
  ...HOST_EXPOSURE_CHECKS,
  ...VULNERABILITY_CHECKS,
];

export const ALL_CHECKS: readonly PostureCheck[] = [...IAC_CHECKS, ...HOST_CHECKS];
