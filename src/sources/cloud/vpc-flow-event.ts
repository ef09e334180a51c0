import type { TelemetryEvent } from '../../model/event.js';
import { ACTION_ACCEPT, ACTION_REJECT, type FlowRecord } from './flow-record.js';
import type { ColumnMap } from './vpc-flow-fields.js';
import type { LineValues } from './vpc-flow-values.js';

const TRANSPORT: Readonly<Record<number, string>> = { 6: 'tcp', 17: 'udp', 1: 'icmp', 58: 'icmpv6' };

/** The held line as the model's flow event, exactly as the log gave it. */
export function vpcFlowEvent(
  line: LineValues,
  c: ColumnMap,
  srcAt: number,
  dstAt: number,
  r: FlowRecord,
): TelemetryEvent {
  const src = line.text(srcAt);
  const dst = line.text(dstAt);
  const endS = c.end >= 0 ? line.int(c.end) : line.int(c.start);
  const packets = line.int(c.packets);
  const bytes = line.int(c.bytes);
  const flags = line.int(c.flags);
  const proto = line.int(c.proto);
  const direction = line.str(c.direction);
  const t = r.time;
  return {
    kind: 'flow',
    time: t,
    hostId: r.hostId,
    source: 'aws-vpc-flow',
    fields: {
      'source.ip': src,
      'source.port': r.sport < 0 ? undefined : r.sport,
      'destination.ip': dst,
      'destination.port': r.dport < 0 ? undefined : r.dport,
      'network.transport': Number.isNaN(proto) ? line.str(c.proto) : (TRANSPORT[proto] ?? String(proto)),
      'flow.packets': Number.isNaN(packets) ? undefined : packets,
      'flow.bytes': Number.isNaN(bytes) ? undefined : bytes,
      'flow.start': t,
      'flow.end': Number.isNaN(endS) ? t : endS * 1000,
      'flow.action':
        r.action === ACTION_ACCEPT ? 'accept' : r.action === ACTION_REJECT ? 'reject' : undefined,
      'flow.direction': direction,
      'flow.tcpFlags': Number.isNaN(flags) ? undefined : flags,
      'flow.remoteService': direction === 'ingress' ? line.str(c.srcService) : line.str(c.dstService),
      'cloud.provider': 'aws',
      'cloud.account': line.str(c.account),
      'cloud.region': line.str(c.region),
      'cloud.instanceId': line.str(c.instance),
      'cloud.interfaceId': line.str(c.iface),
      'cloud.vpcId': line.str(c.vpc),
      'cloud.subnetId': line.str(c.subnet),
    },
  };
}
