import { z } from 'zod';
import type { HostResolver } from './hosts.js';
import { HostResolver as DefaultResolver } from './hosts.js';
import type { ByteSourceOptions } from './input.js';
import { issueText, readJsonLogFile } from './json-file.js';
import type { CloudReadStats } from './stats.js';
import { noteProblem } from './stats.js';
import type { EventSink } from './vpc-flow.js';

/** NSG flow log record (Azure "Flow logging for network security groups", log format versions 1 and 2). */
const RecordSchema = z.looseObject({
  time: z.string().optional(),
  macAddress: z.string().optional(),
  category: z.string().optional(),
  resourceId: z.string().optional(),
  properties: z.looseObject({
    Version: z.number().int(),
    flows: z.array(
      z.looseObject({
        rule: z.string().optional(),
        flows: z.array(z.looseObject({ mac: z.string().optional(), flowTuples: z.array(z.string()) })),
      }),
    ),
  }),
});

export interface AzureNsgOptions extends ByteSourceOptions {
  hosts?: HostResolver;
}

const MAX_TUPLES_PER_RECORD = 100_000;

function count(s: string | undefined): number | undefined {
  if (s === undefined || s === '') return undefined;
  return /^\d{1,15}$/.test(s) ? Number(s) : Number.NaN;
}

/**
 * Reads NSG flow logs (`{"records": [...]}` as stored in the storage account's PT1H.json blobs). Each flow tuple
 * becomes a flow event: `time,src,dst,sport,dport,T|U,I|O,A|D` and, in version 2, `,B|C|E,packets,bytes,
 * packets back,bytes back`.
 */
export function readAzureNsgFile(
  file: string,
  onEvent: EventSink,
  o: AzureNsgOptions = {},
): Promise<CloudReadStats> {
  const hosts = o.hosts ?? new DefaultResolver();
  return readJsonLogFile(
    file,
    'azure-nsg-flow',
    (value, line, stats) => {
      stats.records++;
      const version = (value as { properties?: { Version?: unknown } } | null)?.properties?.Version;
      if (version !== 1 && version !== 2) {
        stats.skipped.unknownVersion++;
        noteProblem(stats, line, `NSG flow log Version ${String(version)} is not read (1 or 2)`);
        return;
      }
      const r = RecordSchema.safeParse(value);
      if (!r.success) {
        stats.skipped.malformed++;
        noteProblem(stats, line, issueText(r.error));
        return;
      }
      const rid = r.data.resourceId ?? '';
      const subscription = /\/SUBSCRIPTIONS\/([^/]+)/i.exec(rid)?.[1]?.toLowerCase();
      let tuples = 0;
      for (const group of r.data.properties.flows)
        for (const f of group.flows)
          for (const t of f.flowTuples) {
            if (++tuples > MAX_TUPLES_PER_RECORD) return;
            const p = t.split(',');
            const v2 = version === 2;
            if (p.length !== (v2 ? 13 : 8)) {
              stats.skipped.malformed++;
              noteProblem(
                stats,
                line,
                `flow tuple has ${p.length} parts, version ${version} has ${v2 ? 13 : 8}`,
              );
              continue;
            }
            const [ts, src, dst, sport, dport, proto, dir, decision, state, pk, by, pkBack, byBack] = p;
            const time = Number(ts) * 1000;
            const packets = count(pk);
            const bytes = count(by);
            const replyPackets = count(pkBack);
            const replyBytes = count(byBack);
            if (
              !src ||
              !dst ||
              !Number.isFinite(time) ||
              (dir !== 'I' && dir !== 'O') ||
              (decision !== 'A' && decision !== 'D') ||
              [packets, bytes, replyPackets, replyBytes].some((x) => Number.isNaN(x))
            ) {
              stats.skipped.malformed++;
              noteProblem(stats, line, `flow tuple does not parse: ${t.slice(0, 120)}`);
              continue;
            }
            const mac = f.mac ?? r.data.macAddress;
            stats.events++;
            onEvent({
              kind: 'flow',
              time,
              hostId: hosts.resolve({ interfaceId: mac, ip: dir === 'I' ? dst : src, account: subscription }),
              source: 'azure-nsg-flow',
              fields: {
                'source.ip': src,
                'source.port': Number(sport),
                'destination.ip': dst,
                'destination.port': Number(dport),
                'network.transport': proto === 'T' ? 'tcp' : proto === 'U' ? 'udp' : proto,
                'flow.packets': packets,
                'flow.bytes': bytes,
                'flow.replyPackets': replyPackets,
                'flow.replyBytes': replyBytes,
                'flow.start': time,
                'flow.end': state === 'B' ? time : time + 60_000,
                'flow.action': decision === 'A' ? 'accept' : 'reject',
                'flow.direction': dir === 'I' ? 'ingress' : 'egress',
                'cloud.provider': 'azure',
                'cloud.account': subscription,
                'cloud.interfaceId': mac,
              },
            });
          }
    },
    o,
  );
}
