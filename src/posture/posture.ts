import { hostname } from 'node:os';
import { WarningSink } from '../model/errors.js';
import type { Finding } from '../model/finding.js';
import type { HostRef } from '../model/host.js';
import { type Assets, emptyAssets, mergeAssets } from './assets.js';
import { ALL_CHECKS } from './checks/index.js';
import { collectHostGains } from './host/gains.js';
import { collectLiveHost } from './host/live.js';
import { type AttackPath, buildAttackPaths } from './paths/graph.js';
import { runChecks } from './run.js';
import type { Suppression } from './suppress.js';

export interface PostureOptions {
  host?: boolean;
  root?: string;
  /** Live probes of our own listeners on loopback (default on for the live host). */
  probe?: boolean;
  aws?: readonly string[];
  terraform?: readonly string[];
  k8s?: readonly string[];
  compose?: readonly string[];
  dockerfile?: readonly string[];
  suppressions?: string;
  /** Listener state file for open-port monitoring; no file (and no `db`) = no monitoring. */
  state?: string;
  /** Store URL (sqlite:PATH or postgres://) keeping the listener state per host, across restarts. */
  db?: string;
  /** Imported advisory database directory (`vulndb import`); the built-in set is always used. */
  vulndb?: string;
  /** Skip the software inventory (dpkg, tarball installs) and vulnerability matching. */
  noVulns?: boolean;
  now: Date;
}

export interface PostureResult {
  host: HostRef;
  findings: Finding[];
  suppressed: { finding: Finding; suppression: Suppression }[];
  expiredSuppressions: Suppression[];
  warnings: WarningSink;
  assets: Assets;
  /** Ranked attack paths over the findings kept after suppression. */
  paths: AttackPath[];
}

export async function runPosture(o: PostureOptions): Promise<PostureResult> {
  const warnings = new WarningSink();
  const assets = emptyAssets();
  // Each part is imported when asked for: `posture --host` alone must not pay for the YAML/HCL readers, the vuln
  // database or the store drivers (startup is most of its cost; see bench/posture).
  const inputs = [o.terraform, o.aws, o.k8s, o.compose, o.dockerfile].some((l) => l && l.length > 0);
  if (inputs) {
    const { loadAws, loadCompose, loadDockerfile, loadK8s, loadTerraform } = await import('./load.js');
    const add = (paths: readonly string[] | undefined, load: (p: string) => Assets) => {
      for (const p of paths ?? []) mergeAssets(assets, load(p));
    };
    add(o.terraform, loadTerraform);
    add(o.aws, loadAws);
    add(o.k8s, (p) => loadK8s(p, warnings));
    add(o.compose, loadCompose);
    add(o.dockerfile, loadDockerfile);
  }

  const name = hostname();
  let host: HostRef = { id: name, name };
  const time = o.now.toISOString();
  if (o.host || o.root) {
    const root = o.root ?? '/';
    const live = await collectLiveHost({ root, probe: o.probe ?? true });
    for (const w of live.warnings) warnings.add(w.code, w.message, w.path);
    host = { id: live.hostId, name: live.hostName };
    if (o.state) {
      const { diffPorts, loadPortState, savePortState, stateOf } = await import('./host/port-state.js');
      const cur = stateOf(live.facts.listeners, time);
      live.facts.portChanges = diffPorts(loadPortState(o.state), cur);
      savePortState(o.state, cur);
    } else if (o.db) {
      // Loaded on demand: the database drivers cost startup time a plain `posture --host` does not need.
      const { diffPorts, stateOf } = await import('./host/port-state.js');
      const { openPortStateStore } = await import('./host/port-store.js');
      const store = await openPortStateStore(o.db);
      try {
        const cur = stateOf(live.facts.listeners, time);
        live.facts.portChanges = diffPorts(await store.load(host.id), cur);
        await store.save(host.id, cur);
      } finally {
        await store.close();
      }
    }
    assets.host = live.facts;
    if (!o.noVulns) {
      const { findTarballInstalls, readPackageInventories } = await import('./collectors/packages.js');
      const { openAdvisoryIndex } = await import('./vulndb/db.js');
      const { defaultDbDir } = await import('./vulndb/store.js');
      const pkgs = [...readPackageInventories(root, warnings), ...findTarballInstalls(root)];
      const { index } = openAdvisoryIndex(o.vulndb ?? defaultDbDir());
      assets.vulns = index.match(pkgs, warnings);
    }
  }

  let findings = runChecks(assets, ALL_CHECKS, host, time);
  let suppressed: PostureResult['suppressed'] = [];
  let expired: Suppression[] = [];
  if (o.suppressions) {
    const { readInput } = await import('./collectors/files.js');
    const { applySuppressions, parseSuppressions } = await import('./suppress.js');
    const list = parseSuppressions(readInput(o.suppressions), o.suppressions);
    const r = applySuppressions(findings, list, time.slice(0, 10), warnings);
    findings = r.kept;
    suppressed = r.suppressed;
    expired = r.expired;
  }
  const gains = o.host || o.root ? collectHostGains(o.root ?? '/') : { cloudCredentials: [] };
  const paths = buildAttackPaths(assets, findings, host.name, gains);
  return { host, findings, suppressed, expiredSuppressions: expired, warnings, assets, paths };
}
