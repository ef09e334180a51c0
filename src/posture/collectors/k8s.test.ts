import { describe, expect, it } from 'vitest';
import { MinewardenError, WarningSink } from '../../model/errors.js';
import { workloadsFromCompose } from './compose.js';
import { workloadsFromManifest } from './k8s.js';

describe('Kubernetes manifests', () => {
  it('reads multi-document files with lines, skips non-workloads, warns on malformed specs', () => {
    const src = [
      'apiVersion: v1',
      'kind: Service',
      'metadata: {name: svc}',
      '---',
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: {name: web, namespace: prod}',
      'spec:',
      '  template:',
      '    spec:',
      '      hostNetwork: true',
      '      containers:',
      '      - name: app',
      '        securityContext: {privileged: true}',
      '---',
      '42',
      '---',
      'kind: Pod',
      'metadata: {name: broken}',
      'spec:',
      '  containers: {name: not-a-list}',
    ].join('\n');
    const w = new WarningSink();
    const ws = workloadsFromManifest(src, 'm.yaml', w);
    expect(ws.map((x) => [x.resource.address, x.resource.line])).toEqual([['Deployment/prod/web', 5]]);
    expect(ws[0]!.hostNetwork).toEqual({ value: true, line: 11 });
    expect(ws[0]!.containers[0]!.privileged).toEqual({ value: true, line: 14 });
    expect(w.items.map((x) => x.code)).toEqual(['MW_W_POSTURE_SKIPPED']);
  });

  it('does not expand YAML aliases (no billion laughs) and reports syntax errors with a line', () => {
    const bomb = `a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]\nkind: Pod\n`;
    const t0 = performance.now();
    const ws = workloadsFromManifest(bomb, 'bomb.yaml');
    expect(performance.now() - t0).toBeLessThan(1000);
    // A Pod without a spec runs nothing: one workload, no containers, nothing expanded.
    expect(ws.map((w) => [w.kind, w.containers.length])).toEqual([['Pod', 0]]);
    let err: unknown;
    try {
      workloadsFromManifest('kind: Pod\nspec:\n  containers: [\n', 'bad.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MinewardenError);
    expect((err as MinewardenError).message).toMatch(/^bad\.yaml:\d+: not valid YAML/);
  });
});

describe('compose files', () => {
  it('reads bind mounts in short and long syntax, and host namespaces', () => {
    const ws = workloadsFromCompose(
      [
        'services:',
        '  app:',
        '    image: x',
        '    pid: host',
        '    volumes:',
        '      - /var/run/docker.sock:/var/run/docker.sock:ro',
        '      - data:/data',
        '      - type: bind',
        '        source: /etc',
        '        target: /host-etc',
        'volumes:',
        '  data: {}',
      ].join('\n'),
      'c.yaml',
    );
    expect(ws).toHaveLength(1);
    expect(ws[0]!.hostPID).toEqual({ value: true, line: 4 });
    expect(ws[0]!.hostVolumes.map((v) => [v.path, v.line, v.readOnly])).toEqual([
      ['/var/run/docker.sock', 6, true],
      ['/etc', 9, false],
    ]);
  });
});
