import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { HostGains } from '../paths/graph.js';

const SOCKETS = ['/var/run/docker.sock', '/run/docker.sock', '/run/containerd/containerd.sock'];
const CRED_FILES = [
  '.aws/credentials',
  '.config/gcloud/application_default_credentials.json',
  '.azure/msal_token_cache.json',
  '.kube/config',
];

/** What an attacker on this host gains beyond the service: a runtime socket (root), cloud credentials on disk. */
export function collectHostGains(root: string): HostGains {
  const dockerSocket = SOCKETS.find((s) => existsSync(path.join(root, s)));
  const homes = ['/root'];
  try {
    for (const h of readdirSync(path.join(root, 'home')).slice(0, 1000)) homes.push(`/home/${h}`);
  } catch {}
  const cloudCredentials: string[] = [];
  for (const h of homes)
    for (const c of CRED_FILES) if (existsSync(path.join(root, h, c))) cloudCredentials.push(`${h}/${c}`);
  return { ...(dockerSocket ? { dockerSocket } : {}), cloudCredentials };
}
