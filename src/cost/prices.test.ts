import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MinewardenError } from '../model/errors.js';
import { loadCostConfig } from './price-config.js';
import { findPrice, loadPriceTable } from './prices.js';
import { resolvePrice } from './resolve-price.js';

const dir = mkdtempSync(join(tmpdir(), 'mw-cost-cfg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}
function errorOf(fn: () => unknown): MinewardenError {
  try {
    fn();
  } catch (e) {
    if (e instanceof MinewardenError) return e;
    throw e;
  }
  throw new Error('no error thrown');
}

describe('price list', () => {
  it('covers AWS, GCP and Azure, one region each, every entry with a date and an official source page', () => {
    const t = loadPriceTable();
    const regions = new Map<string, Set<string>>();
    for (const e of t.entries) {
      regions.set(e.provider, (regions.get(e.provider) ?? new Set()).add(e.region));
      expect(e.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(e.source).toMatch(/^https:\/\/(aws\.amazon\.com|cloud\.google\.com|azure\.microsoft\.com)\//);
    }
    expect([...regions.keys()].sort()).toEqual(['aws', 'azure', 'gcp']);
    for (const r of regions.values()) expect(r.size).toBe(1);
    expect(findPrice(t, 'M5.LARGE')?.perInstanceHour).toBe('0.096');
    expect(findPrice(t, 'Standard_D2s_v5', 'azure')?.vcpus).toBe(2);
  });

  it('refuses a broken list with the field at fault', () => {
    const bad = {
      version: 1,
      currency: 'USD',
      entries: [
        {
          provider: 'aws',
          region: 'x',
          type: 'a',
          vcpus: 0,
          perInstanceHour: '1',
          date: '2026-01-01',
          source: 's',
        },
      ],
    };
    const e = errorOf(() => loadPriceTable(bad, 'prices.json'));
    expect(e.code).toBe('MW_INPUT_SCHEMA');
    expect(e.message).toContain('prices.json, field entries.0.vcpus');
    expect(
      errorOf(() =>
        loadPriceTable({ ...bad, entries: [{ ...bad.entries[0], vcpus: 2, perInstanceHour: '-1' }] }),
      ).message,
    ).toContain('entries.0.perInstanceHour');
  });
});

describe('price resolution', () => {
  it('prefers a custom flat price, then the configured instance type, then metadata, then the reference', () => {
    expect(resolvePrice({ config: { perVcpuHour: '0.05', currency: 'EUR' } })).toMatchObject({
      kind: 'custom',
      currency: 'EUR',
      perVcpuHour: 0.05,
    });
    const gcp = {
      provider: 'gcp' as const,
      instanceType: 'e2-standard-2',
      region: 'us-central1',
      via: 'gce-metadata' as const,
    };
    const byConfig = resolvePrice({ config: { instanceType: 'c5.large' }, instance: gcp });
    expect(byConfig).toMatchObject({ kind: 'instance-type', instanceType: 'c5.large', perVcpuHour: 0.0425 });
    expect(byConfig.basis).toContain('instance type set in config');
    const byMeta = resolvePrice({ instance: gcp });
    expect(byMeta).toMatchObject({
      instanceType: 'e2-standard-2',
      amount: '0.067006',
      vcpus: 2,
      perVcpuHour: 0.033503,
    });
    expect(byMeta.basis).toContain('from gce-metadata');
    const unknown = resolvePrice({ instance: { ...gcp, instanceType: 'zz-unknown-9' } });
    expect(unknown.kind).toBe('reference');
    expect(unknown.basis).toContain('zz-unknown-9');
    expect(resolvePrice().basis).toContain('cloud metadata not asked');
    expect(resolvePrice({ instance: null }).basis).toContain('no cloud metadata answered');
  });

  it('says when the host runs in another region than the listed price', () => {
    const p = resolvePrice({
      instance: { provider: 'aws', instanceType: 'm5.large', region: 'eu-west-1', via: 'aws-imdsv2' },
    });
    expect(p.basis).toContain('this host is in eu-west-1');
  });

  it('lets config entries override the built-in ones', () => {
    const p = resolvePrice({
      config: {
        instanceType: 'm5.large',
        currency: 'EUR',
        prices: [
          {
            provider: 'custom',
            region: 'own-dc',
            type: 'm5.large',
            vcpus: 4,
            perInstanceHour: '0.2',
            date: '2026-11-01',
            source: 'contract 42',
          },
        ],
      },
    });
    expect(p).toMatchObject({
      currency: 'EUR',
      amount: '0.2',
      vcpus: 4,
      perVcpuHour: 0.05,
      source: 'contract 42',
    });
  });
});

describe('cost config file', () => {
  it('reads YAML and JSON', () => {
    expect(loadCostConfig(file('a.yaml', 'perVcpuHour: 0.04\ncurrency: EUR\n'))).toEqual({
      perVcpuHour: '0.04',
      currency: 'EUR',
    });
    expect(loadCostConfig(file('b.json', '{"instanceType": "t3.medium", "provider": "aws"}'))).toEqual({
      instanceType: 't3.medium',
      provider: 'aws',
    });
    expect(loadCostConfig(file('empty.yaml', ''))).toEqual({});
  });

  it('names the file and line or field of a bad config', () => {
    const parse = errorOf(() => loadCostConfig(file('c.yaml', 'currency: EUR\nperVcpuHour: [1,\n')));
    expect(parse.code).toBe('MW_INPUT_PARSE');
    expect(parse.message).toMatch(/c\.yaml:\d+/);
    const unknown = errorOf(() => loadCostConfig(file('d.yaml', 'perVcpuHuor: 1\n')));
    expect(unknown.code).toBe('MW_CONFIG_INVALID');
    expect(unknown.message).toContain('d.yaml');
    const neg = errorOf(() => loadCostConfig(file('e.yaml', 'perVcpuHour: -3\n')));
    expect(neg.message).toContain('field perVcpuHour');
    const hostileType = errorOf(() => loadCostConfig(file('f.yaml', 'instanceType: "../../etc/passwd"\n')));
    expect(hostileType.message).toContain('field instanceType');
    expect(errorOf(() => loadCostConfig(join(dir, 'missing.yaml'))).code).toBe('MW_INPUT_NOT_FOUND');
    const bomb = errorOf(() =>
      loadCostConfig(
        file(
          'g.yaml',
          `a: &a [x, x, x, x, x, x, x, x, x]\n${Array.from({ length: 60 }, (_, i) => `k${i}: [*a, *a]`).join('\n')}\n`,
        ),
      ),
    );
    expect(['MW_INPUT_PARSE', 'MW_CONFIG_INVALID']).toContain(bomb.code);
  });
});
