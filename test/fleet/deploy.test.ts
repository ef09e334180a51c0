import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { AgentConfigSchema } from '../../src/agent/config.js';

const here = resolve(import.meta.dirname, '../../deploy');

describe('deploy manifests', () => {
  it('the DaemonSet runs with hostPID, mounts the host read-only and carries a valid agent config', () => {
    const docs = parseAllDocuments(
      readFileSync(resolve(here, 'kubernetes/agent-daemonset.yaml'), 'utf8'),
    ).map((d) => d.toJSON());
    const ds = docs.find((d) => d.kind === 'DaemonSet');
    expect(ds.spec.template.spec.hostPID).toBe(true);
    const mount = ds.spec.template.spec.containers[0].volumeMounts.find(
      (m: { name: string }) => m.name === 'host-root',
    );
    expect(mount.readOnly).toBe(true);
    const cm = docs.find((d) => d.kind === 'ConfigMap');
    const cfg = AgentConfigSchema.safeParse(parseAllDocuments(cm.data['agent.yaml'])[0]!.toJSON());
    expect(cfg.success, JSON.stringify(cfg.error?.issues)).toBe(true);
  });

  it('the systemd unit starts the agent with its config and a private state dir', () => {
    const unit = readFileSync(resolve(here, 'systemd/minewarden-agent.service'), 'utf8');
    expect(unit).toMatch(/^ExecStart=.*minewarden agent --config \/etc\/minewarden\/agent\.yaml/m);
    expect(unit).toMatch(/^StateDirectoryMode=0700$/m);
    expect(unit).toMatch(/^ProtectSystem=strict$/m);
  });
});
