import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import AjvDraft04 from 'ajv-draft-04';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../helpers/cli.js';
import { FakeRoot, tcp4Line } from '../helpers/fake-proc.js';

const CC = '../shared/data/cloudconfig';
const KICS = `${CC}/kics/assets/queries`;
const INPUTS = [
  '--terraform',
  `${CC}/checkov/terraform/example_SecurityGroupUnrestrictedIngress22/main.tf`,
  '--terraform',
  `${KICS}/terraform/aws/sensitive_port_is_exposed_to_entire_network/test/positive.json`,
  '--k8s',
  `${CC}/checkov/kubernetes/example_ShareHost`,
  '--compose',
  `${KICS}/dockerCompose/docker_socket_mounted_in_container/test/positive1.yaml`,
  '--dockerfile',
  `${KICS}/dockerfile/exposing_port_22/test/positive.dockerfile`,
  '--aws',
  `${CC}/aws_api_fixtures/cloud-custodian/placebo/test_ec2_set_md_access`,
];

const tmp = mkdtempSync(path.join(tmpdir(), 'mw-posture-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('posture command line', () => {
  it('writes SARIF 2.1.0 that validates against the schema, with file and line for every result', async () => {
    const r = await runCli(['posture', ...INPUTS, '--format', 'sarif']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const log = JSON.parse(r.stdout) as {
      runs: {
        results: {
          locations?: {
            physicalLocation: { artifactLocation: { uri: string }; region?: { startLine: number } };
          }[];
        }[];
      }[];
    };
    const schema = JSON.parse(
      readFileSync(
        path.join(REPO_ROOT, 'node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'),
        'utf8',
      ),
    ) as object;
    // The published schema has a language-tag pattern that is invalid as a unicode regexp; ajv compiles it without /u.
    const Ajv = AjvDraft04.default;
    const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
    const validate = ajv.compile(schema);
    const ok = validate(log);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    const results = log.runs[0]!.results;
    expect(results.length).toBeGreaterThan(20);
    for (const res of results) {
      const loc = res.locations?.[0]?.physicalLocation;
      expect(loc?.artifactLocation.uri).toBeTruthy();
      expect(loc?.region?.startLine).toBeGreaterThan(0);
    }
    // A broken log must fail the same validator (the test can fail).
    expect(validate({ version: '2.1.0', runs: [{ tool: {} }] })).toBe(false);
  });

  it('honours suppressions until they expire, and reports the expired ones', async () => {
    const file = path.join(tmp, 'suppressions.yaml');
    writeFileSync(
      file,
      [
        'suppressions:',
        '  - rule: posture.cloud.ingress-remote-admin',
        '    resource: aws_security_group_rule.fail',
        '    reason: bastion rule, reviewed by the network team',
        '    expires: 2999-12-31',
        '  - rule: posture.cloud.ingress-all-ports',
        '    resource: "aws_security_group.fail*"',
        '    reason: accepted during the migration',
        '    expires: 2020-01-31',
        '',
      ].join('\n'),
    );
    const tf = `${CC}/checkov/terraform/example_SecurityGroupUnrestrictedIngress22/main.tf`;
    const base = JSON.parse((await runCli(['posture', '--terraform', tf, '--format', 'json'])).stdout) as {
      findings: { ruleId: string; entity: { name: string } }[];
    };
    const r = await runCli(['posture', '--terraform', tf, '--format', 'json', '--suppressions', file]);
    const out = JSON.parse(r.stdout) as {
      findings: { ruleId: string; entity: { name: string } }[];
      summary: { suppressed: number; expiredSuppressions: number };
      warnings: { code: string; message: string }[];
      suppressed: { ruleId: string; reason: string }[];
    };
    expect(out.summary.suppressed).toBe(1);
    expect(out.findings).toHaveLength(base.findings.length - 1);
    expect(out.suppressed[0]).toMatchObject({ ruleId: 'posture.cloud.ingress-remote-admin' });
    expect(out.summary.expiredSuppressions).toBe(1);
    expect(out.warnings.map((w) => w.code)).toContain('MW_W_SUPPRESSION_EXPIRED');
    // The expired one no longer hides anything.
    expect(out.findings.some((f) => f.ruleId === 'posture.cloud.ingress-all-ports')).toBe(true);
  });

  it('rejects a suppression without a reason, naming the field', async () => {
    const file = path.join(tmp, 'bad.yaml');
    writeFileSync(file, 'suppressions:\n  - rule: x\n    resource: y\n    expires: 2999-01-01\n');
    const r = await runCli([
      'posture',
      '--dockerfile',
      `${KICS}/dockerfile/exposing_port_22/test/positive.dockerfile`,
      '--suppressions',
      file,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/MW_CONFIG_INVALID: .*bad\.yaml, field suppressions\.0\.reason/);
  });

  it('exits 2 with file and line for a broken Terraform file, and for no input', async () => {
    const tf = path.join(tmp, 'broken.tf');
    writeFileSync(tf, 'resource "aws_security_group" "x" {\n  ingress {\n    from_port = = 22\n  }\n}\n');
    const r = await runCli(['posture', '--terraform', tf]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/MW_INPUT_PARSE: .*broken\.tf:3: /);
    expect((await runCli(['posture'])).code).toBe(2);
  });
});

// The file and the store keep the same state; the store keeps it per host and across restarts of whatever runs it.
describe.each([
  ['--state', path.join(tmp, 'ports.json')],
  ['--db', `sqlite:${path.join(tmp, 'store', 'mw.db')}`],
])('open-port monitoring (%s) on a host root', (flag, where) => {
  const fake = new FakeRoot()
    .add({ pid: 1, comm: 'systemd', argv: ['/sbin/init'], exe: '/sbin/init' })
    .add({ pid: 300, comm: 'sshd', argv: ['/usr/sbin/sshd', '-D'], exe: '/usr/sbin/sshd', sockets: [100] })
    .add({
      pid: 400,
      comm: 'redis-server',
      argv: ['redis-server 127.0.0.1:6379'],
      exe: '/usr/bin/redis-server',
      uid: 33,
      sockets: [200],
    })
    .add({
      pid: 500,
      comm: 'nc',
      argv: ['nc', '-lkp', '4444'],
      exe: '/usr/bin/nc.openbsd',
      uid: 33,
      sockets: [300],
    });
  const sshd = tcp4Line(0, '0.0.0.0', 22, '0.0.0.0', 0, '0A', 100);
  const redisLo = tcp4Line(1, '127.0.0.1', 6379, '0.0.0.0', 0, '0A', 200, 33);
  const run = async () => {
    const r = await runCli(['posture', '--root', fake.root, flag, where, '--format', 'json']);
    expect(r.stderr).toBe('');
    return (
      JSON.parse(r.stdout) as {
        findings: { ruleId: string; entity: { port?: number }; evidence: Record<string, unknown> }[];
      }
    ).findings.filter((f) => f.ruleId === 'posture.host.port-changed');
  };
  afterAll(() => fake.cleanup());

  it('a first run is a baseline, an unchanged host gets no change finding', async () => {
    fake.netTable('tcp', [sshd, redisLo]);
    expect(await run()).toEqual([]);
    expect(await run()).toEqual([]);
  });

  it('a new listener on 0.0.0.0 gives exactly one change finding, naming port, process, user and time', async () => {
    fake.netTable('tcp', [sshd, redisLo, tcp4Line(2, '0.0.0.0', 4444, '0.0.0.0', 0, '0A', 300, 33)]);
    const changes = await run();
    expect(changes).toHaveLength(1);
    expect(changes[0]!.entity.port).toBe(4444);
    expect(changes[0]!.evidence).toMatchObject({
      change: 'opened',
      scope: 'any',
      pid: 500,
      exe: '/usr/bin/nc.openbsd',
      user: 'www-data',
    });
    expect(Date.parse(String(changes[0]!.evidence.observedAt))).toBeGreaterThan(0);
    expect(await run()).toEqual([]);
  });

  it('a listener that widens from loopback to any is reported', async () => {
    fake.netTable('tcp', [
      sshd,
      tcp4Line(1, '0.0.0.0', 6379, '0.0.0.0', 0, '0A', 200, 33),
      tcp4Line(2, '0.0.0.0', 4444, '0.0.0.0', 0, '0A', 300, 33),
    ]);
    const changes = await run();
    expect(changes.map((c) => [c.entity.port, c.evidence.change, c.evidence.previousScope])).toEqual([
      [6379, 'widened', 'loopback'],
    ]);
  });
});

describe('rpm and apk hosts: inventory under --root matched against imported OSV advisories', () => {
  const osv = path.join(tmp, 'osv-distros');
  const db = path.join(tmp, 'vulndb-distros');
  const record = (id: string, ecosystem: string, name: string, fixed: string) => ({
    id,
    modified: '2024-01-01T00:00:00Z',
    aliases: [`CVE-2099-${id.replace(/\D/g, '').padStart(4, '0')}`],
    summary: `${name} flaw`,
    affected: [
      {
        package: { ecosystem, name },
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }],
      },
    ],
  });

  it('reports the affected rpm and apk packages of the right release only', async () => {
    mkdirSync(osv, { recursive: true });
    const records = [
      record('ALSA-1', 'Alpine:v3.18', 'openssl', '3.1.2-r1'),
      record('ALSA-2', 'Alpine:v3.17', 'redis', '7.0.15-r0'),
      record('RLSA-3', 'Rocky Linux:9', 'openssl-libs', '1:3.0.7-20.el9_2'),
      record('RLSA-4', 'Rocky Linux:8', 'sudo', '1.9.5p2-10.el8'),
    ];
    for (const r of records) writeFileSync(path.join(osv, `${r.id}.json`), JSON.stringify(r));
    expect((await runCli(['vulndb', 'import', osv, '--db', db])).code).toBe(0);
    const vulns = async (root: string) => {
      const r = await runCli(['posture', '--root', root, '--vulndb', db, '--format', 'json']);
      expect(r.stderr).toBe('');
      const out = JSON.parse(r.stdout) as { findings: { ruleId: string; entity: { name?: string } }[] };
      return out.findings.filter((f) => f.ruleId === 'posture.vuln.package').map((f) => f.entity.name);
    };
    expect(await vulns('test/fixtures/posture/apk-root')).toEqual(['openssl 3.1.2-r0']);
    expect(await vulns('test/fixtures/posture/rpm-root')).toEqual(['openssl-libs 1:3.0.7-18.el9_2']);
  });
});
