import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/model/finding.js';
import { loadK8s } from '../../src/posture/load.js';
import { CLOUDCONFIG, findingsFor, type Loader } from './kics-score.js';

const onPort = (p: number) => (f: Finding) =>
  f.ruleId === 'posture.cloud.ingress-all-ports' ||
  (f.ruleId === 'posture.cloud.ingress-remote-admin' && f.entity.port === p);
const rule = (id: string) => (f: Finding) => f.ruleId === `posture.${id}`;

/**
 * Where we knowingly disagree with Checkov, and why. Anything else that differs fails the test.
 * - pass_self2: `self = true` ADDS the group as a source next to cidr_blocks ["0.0.0.0/0"] (AWS provider docs); the
 *   rule is still open to the internet, so we fail it.
 * - not_self / ingress_rule.fail2: a rule that states no source at all admits nobody; Checkov fails it, KICS passes
 *   the same shape (remote_desktop negative2). We side with KICS and AWS.
 */
const DEVIATIONS: Record<string, string[]> = {
  SecurityGroupUnrestrictedIngress22: [
    'aws_security_group.pass_self2',
    'aws_security_group.not_self',
    'aws_vpc_security_group_ingress_rule.fail2',
  ],
};

const TERRAFORM: [string, string, (f: Finding) => boolean][] = [
  ['SecurityGroupUnrestrictedIngress22', 'CKV_AWS_24', onPort(22)],
  ['SecurityGroupUnrestrictedIngress3389', 'CKV_AWS_25', onPort(3389)],
  ['SecurityGroupUnrestrictedIngressAny', 'CKV_AWS_277', rule('cloud.ingress-all-ports')],
  ['IMDSv1Disabled', 'CKV_AWS_79', rule('cloud.imdsv1-allowed')],
  ['LaunchTemplateMetadataHop', 'CKV_AWS_341', rule('cloud.imds-hop-limit')],
  [
    'NetworkACLUnrestrictedIngress22',
    'CKV_AWS_232',
    // An allow-all rule (public_ingress, fail4) is our nacl-allow-all; it counts for port 22 unless a lower-numbered
    // deny closes 22 first (pass3).
    (f) =>
      (rule('cloud.nacl-remote-admin')(f) && f.entity.port === 22) ||
      (rule('cloud.nacl-allow-all')(f) &&
        Array.isArray(f.evidence.adminPorts) &&
        f.evidence.adminPorts.includes(22)),
  ],
];

const report: string[] = [];

describe('Checkov Terraform fixtures: the same resources pass and fail', () => {
  for (const [name, ckv, match] of TERRAFORM) {
    it(`${ckv} ${name}`, () => {
      const dir = path.join(CLOUDCONFIG, 'checkov/terraform', `example_${name}`);
      const exp = JSON.parse(readFileSync(path.join(dir, `EXPECTED_${name}.json`), 'utf8')) as {
        passing_resources: string[];
        failing_resources: string[];
      };
      const failing = new Set(
        findingsFor('terraform', path.join(dir, 'main.tf'))
          .filter(match)
          .map((f) => f.entity.name),
      );
      const dev = new Set(DEVIATIONS[name] ?? []);
      const missed = exp.failing_resources.filter((r) => !failing.has(r));
      const extra = exp.passing_resources.filter((r) => failing.has(r));
      const tp = exp.failing_resources.length - missed.length;
      report.push(
        `${ckv.padEnd(12)} precision ${(tp / Math.max(1, tp + extra.length)).toFixed(2)} recall ${(tp / exp.failing_resources.length).toFixed(2)}` +
          `  fail ${exp.failing_resources.length} pass ${exp.passing_resources.length}` +
          (missed.length + extra.length ? `  differs: ${[...missed, ...extra].join(', ')}` : ''),
      );
      expect([...missed, ...extra].filter((r) => !dev.has(r))).toEqual([]);
      expect([...missed, ...extra].sort()).toEqual([...dev].sort());
    });
  }
});

/** Checkov's Kubernetes tests assert counts; file names say which objects pass (PASSED/pass) and fail. */
const K8S: [string, string, string, number, number][] = [
  ['example_DockerSocketVolume', 'CKV_K8S_27', 'container.runtime-socket', 4, 2],
  ['example_PrivilegedContainers', 'CKV_K8S_16', 'container.privileged', 1, 2],
  ['example_ShareHost', 'CKV_K8S_17', 'container.host-pid', 3, 3],
  ['example_ShareHost', 'CKV_K8S_18', 'container.host-ipc', 3, 3],
  ['example_ShareHost', 'CKV_K8S_19', 'container.host-network', 3, 3],
];

describe('Checkov Kubernetes fixtures: the same counts pass and fail', () => {
  for (const [dir, ckv, id, passed, failed] of K8S) {
    it(`${ckv} ${id}`, () => {
      const root = path.join(CLOUDCONFIG, 'checkov/kubernetes', dir);
      let p = 0;
      let f = 0;
      for (const file of readdirSync(root).filter((n) => n.endsWith('.yaml'))) {
        const loader: Loader = 'k8s';
        const findings = findingsFor(loader, path.join(root, file)).filter(rule(id));
        const failedHere = new Set(findings.map((x) => x.entity.name));
        const total = countWorkloads(path.join(root, file));
        f += failedHere.size;
        p += total - failedHere.size;
        // File names encode the expectation: -FAILED has a failing object, -PASSED/-pass none.
        if (/FAILED/.test(file)) expect(failedHere.size, file).toBeGreaterThan(0);
        if (/(PASSED|PASS|pass)\.yaml$/.test(file) && !/FAILED/.test(file))
          expect(failedHere.size, file).toBe(0);
      }
      report.push(`${ckv.padEnd(12)} passed ${p}/${passed} failed ${f}/${failed}`);
      expect({ passed: p, failed: f }).toEqual({ passed, failed });
    });
  }
  it('prints the score report', () => {
    process.stdout.write(
      `\nCheckov fixtures (posture vs Checkov's own expectations)\n${report.join('\n')}\n`,
    );
    expect(report.length).toBeGreaterThan(0);
  });
});

function countWorkloads(file: string): number {
  return loadK8s(file).workloads.length;
}
