import { z } from 'zod';
import type { HostResolver } from './hosts.js';
import { HostResolver as DefaultResolver } from './hosts.js';
import type { ByteSourceOptions } from './input.js';
import { issueText, readJsonLogFile } from './json-file.js';
import type { CloudReadStats } from './stats.js';
import { noteProblem } from './stats.js';
import type { EventSink } from './vpc-flow.js';

const Int64 = z.union([z.string().regex(/^\d{1,18}$/), z.number().int().nonnegative()]).transform(Number);
const Instance = z.looseObject({
  vm_name: z.string().optional(),
  project_id: z.string().optional(),
  region: z.string().optional(),
  zone: z.string().optional(),
});
const Vpc = z.looseObject({ vpc_name: z.string().optional(), subnetwork_name: z.string().optional() });

/** VPC Flow Logs record (GCP "VPC Flow Logs record format"). */
const FlowSchema = z.looseObject({
  connection: z.looseObject({
    src_ip: z.string(),
    dest_ip: z.string(),
    src_port: z.number().int().optional(),
    dest_port: z.number().int().optional(),
    protocol: z.number().int().optional(),
  }),
  bytes_sent: Int64.optional(),
  packets_sent: Int64.optional(),
  start_time: z.iso.datetime({ offset: true }).optional(),
  end_time: z.iso.datetime({ offset: true }).optional(),
  reporter: z.enum(['SRC', 'DEST']).optional(),
  src_instance: Instance.optional(),
  dest_instance: Instance.optional(),
  src_vpc: Vpc.optional(),
  dest_vpc: Vpc.optional(),
});

/** Cloud DNS query log payload (GCP "Cloud DNS logging" record fields). */
const DnsSchema = z.looseObject({
  queryName: z.string().min(1).max(1025),
  queryType: z.string().optional(),
  responseCode: z.string().optional(),
  sourceIP: z.string().optional(),
  rdata: z.string().optional(),
  vmInstanceIdString: z.string().optional(),
  vmInstanceId: z.union([z.string(), z.number()]).optional(),
  vmInstanceName: z.string().optional(),
  vmProjectId: z.string().optional(),
  vmZoneName: z.string().optional(),
});

const EntrySchema = z.looseObject({
  logName: z.string().optional(),
  timestamp: z.iso.datetime({ offset: true }).optional(),
  jsonPayload: z.record(z.string(), z.unknown()).optional(),
  resource: z.looseObject({ labels: z.record(z.string(), z.string()).optional() }).optional(),
});

const TRANSPORT: Readonly<Record<number, string>> = { 6: 'tcp', 17: 'udp', 1: 'icmp', 58: 'icmpv6' };

export interface GcpOptions extends ByteSourceOptions {
  hosts?: HostResolver;
}

/** Rdata lines of Cloud DNS ("name. 300 IN A 1.2.3.4") -> the data parts. */
function rdataAnswers(rdata: string | undefined): string[] {
  if (!rdata) return [];
  return rdata
    .split('\n')
    .map((l) => l.trim().split(/\s+/).at(-1) ?? '')
    .filter((x) => x !== '')
    .slice(0, 64);
}

/**
 * Reads a Cloud Logging JSON export (one array from `gcloud logging read --format=json`, or JSON lines from a sink)
 * and takes the VPC Flow Logs (`.../logs/compute.googleapis.com%2Fvpc_flows`) and Cloud DNS query logs
 * (`.../logs/dns.googleapis.com%2Fdns_queries`) entries; other entries are counted as other.
 */
export function readGcpLoggingFile(
  file: string,
  onEvent: EventSink,
  o: GcpOptions = {},
): Promise<CloudReadStats> {
  const hosts = o.hosts ?? new DefaultResolver();
  return readJsonLogFile(
    file,
    'gcp-logging',
    (value, line, stats) => {
      stats.records++;
      const e = EntrySchema.safeParse(value);
      if (!e.success) {
        stats.skipped.malformed++;
        noteProblem(stats, line, issueText(e.error));
        return;
      }
      const payload = e.data.jsonPayload;
      if (!payload) {
        stats.skipped.other++;
        return;
      }
      const logName = decodeURIComponent(e.data.logName ?? '');
      const project = e.data.resource?.labels?.['project_id'];
      if (logName.endsWith('/vpc_flows') || 'connection' in payload) {
        const f = FlowSchema.safeParse(payload);
        if (!f.success) {
          stats.skipped.malformed++;
          noteProblem(stats, line, `jsonPayload.${issueText(f.error)}`);
          return;
        }
        const p = f.data;
        const egress = p.reporter !== 'DEST';
        const vm = egress ? p.src_instance : p.dest_instance;
        const c = p.connection;
        const start = Date.parse(p.start_time ?? e.data.timestamp ?? '') || 0;
        stats.events++;
        onEvent({
          kind: 'flow',
          time: start,
          hostId: hosts.resolve({
            instanceName: vm?.vm_name,
            ip: egress ? c.src_ip : c.dest_ip,
            account: vm?.project_id ?? project,
          }),
          source: 'gcp-vpc-flow',
          fields: {
            'source.ip': c.src_ip,
            'source.port': c.src_port,
            'destination.ip': c.dest_ip,
            'destination.port': c.dest_port,
            'network.transport':
              c.protocol === undefined ? undefined : (TRANSPORT[c.protocol] ?? String(c.protocol)),
            'flow.packets': p.packets_sent,
            'flow.bytes': p.bytes_sent,
            'flow.start': start,
            'flow.end': Date.parse(p.end_time ?? '') || start,
            // VPC Flow Logs sample connections the firewall let through; denials are in firewall rules logging.
            'flow.action': 'accept',
            'flow.direction': p.reporter ? (egress ? 'egress' : 'ingress') : undefined,
            'cloud.provider': 'gcp',
            'cloud.account': vm?.project_id ?? project,
            'cloud.region': vm?.zone ?? vm?.region,
            'cloud.instanceName': vm?.vm_name,
            'cloud.vpcId': (egress ? p.src_vpc : p.dest_vpc)?.vpc_name,
            'cloud.subnetId': (egress ? p.src_vpc : p.dest_vpc)?.subnetwork_name,
          },
        });
        return;
      }
      if (logName.endsWith('/dns_queries') || 'queryName' in payload) {
        const d = DnsSchema.safeParse(payload);
        if (!d.success) {
          stats.skipped.malformed++;
          noteProblem(stats, line, `jsonPayload.${issueText(d.error)}`);
          return;
        }
        const q = d.data;
        const instanceId =
          q.vmInstanceIdString ?? (q.vmInstanceId === undefined ? undefined : String(q.vmInstanceId));
        const name = q.queryName.endsWith('.') ? q.queryName.slice(0, -1) : q.queryName;
        // vmInstanceName is "PROJECT.VM_NAME".
        const vmName = q.vmInstanceName?.split('.').at(-1);
        stats.events++;
        onEvent({
          kind: 'dns',
          time: Date.parse(e.data.timestamp ?? '') || 0,
          // Hosts are named by VM name, the one handle flow logs carry too, so both land on the same host.
          hostId: hosts.resolve({ instanceName: vmName, ip: q.sourceIP, account: q.vmProjectId }),
          source: 'gcp-cloud-dns',
          fields: {
            'dns.query': name.toLowerCase(),
            'dns.type': q.queryType,
            'dns.answers': rdataAnswers(q.rdata),
            'source.ip': q.sourceIP,
            'cloud.provider': 'gcp',
            'cloud.account': q.vmProjectId ?? project,
            'cloud.region': q.vmZoneName,
            'cloud.instanceId': instanceId,
            'cloud.instanceName': vmName,
          },
        });
        return;
      }
      stats.skipped.other++;
    },
    o,
  );
}
