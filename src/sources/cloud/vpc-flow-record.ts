import type { TelemetryEvent } from '../../model/event.js';
import { ACTION_NONE, DIRECTION_NONE, type FlowRecord } from './flow-record.js';

/** The line a record reads its text and event from (the parser holding it). */
export interface HeldLine {
  /** Value indexes of the addresses the current record uses. */
  readonly srcAt: number;
  readonly dstAt: number;
  text(i: number): string;
  currentEvent(r: FlowRecord): TelemetryEvent;
}

/** The record of the line the parser holds; its text and event are read from that line's bytes. */
export class VpcFlowRecord implements FlowRecord {
  seq = 0;
  readonly source = 'aws-vpc-flow';
  hostId = '';
  time = 0;
  end = 0;
  src = 0;
  dst = 0;
  srcPublic = false;
  dstPublic = false;
  sport = -1;
  dport = -1;
  tcp = false;
  packets = 0;
  bytes = 0;
  replyPackets = 0;
  replyBytes = 0;
  action = ACTION_NONE;
  direction = DIRECTION_NONE;
  remoteService = false;
  local = 0;
  remote = 0;
  localPort = -1;
  remotePort = -1;
  remotePublic = false;
  fromLocal = true;
  localInitiated = true;

  constructor(private readonly p: HeldLine) {}

  srcText(): string {
    return this.p.text(this.p.srcAt);
  }

  dstText(): string {
    return this.p.text(this.p.dstAt);
  }

  event(): TelemetryEvent {
    return this.p.currentEvent(this);
  }
}
