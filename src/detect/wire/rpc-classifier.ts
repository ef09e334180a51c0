import { type Flow, type RpcState, STATE_MINING } from './flow.js';
import type { LineHandler, SegmentHint } from './half-stream.js';
import {
  CLIENT_METHODS,
  findMethod,
  IDENTITY_METHODS,
  identityOf,
  methodName,
  protocolOfMethod,
  responseKind,
  SERVER_METHODS,
} from './jsonrpc.js';

/** Distinct method names counted per flow; the rest are summed under one key so a hostile peer cannot grow it. */
const MAX_METHOD_NAMES = 32;

/** tellMask bits: a handshake message is parsed while the agent, or the login, is unknown. */
export const TELL_AGENT = 1;
export const TELL_LOGIN = 2;

/** What a handshake message of `method` can name (a reconnect repeats the handshake). */
export function tellMask(method: string): number {
  if (method === 'mining.subscribe') return TELL_AGENT;
  if (method === 'login') return TELL_AGENT | TELL_LOGIN;
  return TELL_LOGIN;
}

/** Whether a handshake message of `method` can name something still unknown. */
function canTell(method: string, rpc: RpcState): boolean {
  const m = tellMask(method);
  return (
    ((m & TELL_AGENT) !== 0 && rpc.agent === undefined) || ((m & TELL_LOGIN) !== 0 && rpc.login === undefined)
  );
}

/**
 * Adds `n` messages of `method` to the flow's counts. Counting a run of the same name at once gives what counting
 * them one by one does, as long as runs are added in the order their names first came.
 */
export function countMethod(rpc: RpcState, method: string, n: number): void {
  const m = rpc.methods;
  const had = m.get(method);
  if (had !== undefined) m.set(method, had + n);
  else if (m.size < MAX_METHOD_NAMES) m.set(method, n);
  else m.set('(other)', (m.get('(other)') ?? 0) + n);
}

/** Handshake messages parsed in full per flow (reconnects repeat them; the first few name the miner). */
export const MAX_IDENTITY_PARSES = 8;

/**
 * Classifies JSON-RPC messages of the flow set by `begin`. One instance serves all flows: the line callback is
 * created once, and the current flow, direction and packet time are fields, not closures per packet.
 */
export class RpcClassifier {
  private flow: Flow | null = null;
  private dir: 0 | 1 = 0;
  private time = 0;

  /**
   * `onRecognised` hears of every mining message of a flow not yet reported, so it can wait for the login. `hint`,
   * when given, says where the method of lines read straight from the current segment is.
   */
  constructor(
    private readonly onRecognised: (flow: Flow) => void,
    private readonly hint: SegmentHint | null = null,
  ) {}

  begin(flow: Flow, dir: number, time: number): void {
    this.flow = flow;
    this.dir = dir === 0 ? 0 : 1;
    this.time = time;
  }

  /** A JSON line (ended by a newline, or cut at the line limit). */
  readonly onLine: LineHandler = (buf, s, e, cut) => {
    this.classify(buf, s, e, cut, this.lineMethod(buf, s, e));
  };

  /** A whole message that is not a line of its own (an HTTP body). */
  onMessage(buf: Buffer, s: number, e: number): void {
    this.classify(buf, s, e, false, findMethod(buf, s, e));
  }

  /**
   * findMethod of a line. A line read straight from the segment the hint is about ends at a newline of it, so the
   * hint answers: the first key of the segment is on this line when the line starts at or before it and goes past
   * it, and no key is on it when it starts after the segment's last key.
   */
  private lineMethod(buf: Buffer, s: number, e: number): string | null {
    const h = this.hint;
    if (h !== null && h.buf === buf) {
      if (s <= h.methodKey)
        return h.methodKey < e && h.methodStart >= 0 ? methodName(buf, h.methodStart, h.methodEnd) : null;
      if (s > h.lastMethodKey) return null;
    }
    return findMethod(buf, s, e);
  }

  private classify(buf: Buffer, s: number, e: number, cut: boolean, method: string | null): void {
    const flow = this.flow;
    const rpc = flow?.rpc;
    if (!flow || !rpc) return;
    rpc.messages++;
    if (method === null) {
      // Replies only matter until the flow is known: a Monero login reply carrying the first job.
      if (rpc.protocol === null && responseKind(buf, s, e) === 'monero-job') {
        rpc.moneroReply = true;
        if (this.dir === 0) rpc.serverVotesA++;
        else rpc.serverVotesB++;
        this.mark(flow, rpc, 'monero-stratum');
      }
      return;
    }
    countMethod(rpc, method, 1);
    const proto = protocolOfMethod(method, buf, s, e, rpc.protocol === 'monero-stratum');
    if (!proto) return;
    if (CLIENT_METHODS.has(method)) {
      if (this.dir === 0) rpc.clientVotesA++;
      else rpc.clientVotesB++;
    } else if (SERVER_METHODS.has(method)) {
      if (this.dir === 0) rpc.serverVotesA++;
      else rpc.serverVotesB++;
    }
    if (IDENTITY_METHODS.has(method)) {
      rpc.handshake = true;
      if (!cut && canTell(method, rpc) && rpc.identityParses++ < MAX_IDENTITY_PARSES) {
        const id = identityOf(method, buf.toString('utf8', s, e));
        rpc.agent ??= id.agent;
        rpc.login ??= id.login;
      }
    }
    this.mark(flow, rpc, proto);
  }

  private mark(flow: Flow, rpc: RpcState, proto: NonNullable<RpcState['protocol']>): void {
    if (!rpc.protocol) {
      rpc.protocol = proto;
      rpc.detectedAt = this.time;
      flow.state = STATE_MINING;
    }
    if (!flow.reported) this.onRecognised(flow);
  }
}
