// The findings of flows and pool-name lookups: evidence, titles and ids as a wire report shows them.
import { type Finding, findingId } from '../../model/finding.js';
import { severityRank } from '../../model/severity.js';
import { addrText } from '../../sources/pcap/decode.js';
import type { Hit, RuleMeta } from '../detector.js';
import type { PoolQuery } from './dns-watch.js';
import type { Flow } from './flow.js';
import {
  clientSide,
  endpoint,
  matchEvidence,
  mayReport,
  methodCounts,
  poolByDomain,
  poolByIp,
  type ReportContext,
} from './flow-report.js';
import { LateTexts } from './late-texts.js';
import { isoTime } from './report-text.js';
import { WIRE_RULES } from './rules.js';

/** Fields in draftOf's order, then id, host and time: one literal instead of a draft copied by spread. */
function finding(
  ctx: ReportContext,
  meta: RuleMeta,
  hit: Hit,
  time: number,
  late?: LateTexts,
  firstTime = 0,
  lastTime = 0,
): Finding {
  if (late) {
    const f: Finding = {
      ruleId: meta.id,
      title: hit.title ?? meta.title,
      severity: hit.severity ?? meta.severity,
      confidence: hit.confidence ?? meta.confidence,
      category: meta.category,
      techniques: meta.techniques.slice(),
      entity: hit.entity,
      evidence: hit.evidence,
      recommendation: meta.recommendation,
      id: '',
      host: ctx.host,
      time: '',
    };
    late.add(f, firstTime, lastTime, time);
    return f;
  }
  return {
    ruleId: meta.id,
    title: hit.title ?? meta.title,
    severity: hit.severity ?? meta.severity,
    confidence: hit.confidence ?? meta.confidence,
    category: meta.category,
    techniques: meta.techniques.slice(),
    entity: hit.entity,
    evidence: hit.evidence,
    recommendation: meta.recommendation,
    id: findingId(ctx.host.id, meta.id, hit.entity),
    host: ctx.host,
    time: isoTime(time),
  };
}

function poolOf(
  ctx: ReportContext,
  flow: Flow,
  server: string,
  aIsClient: boolean,
  sni: string | undefined,
): Record<string, unknown> | null {
  const bySni = sni ? poolByDomain(ctx, sni) : null;
  if (bySni) return { via: 'sni', name: sni, ...matchEvidence(bySni) };
  // An IPv4 server the word cache knows is not on the lists needs no lookup by its text (most reported flows).
  const v4NotPool =
    flow.family === 4 &&
    ctx.intel !== null &&
    ctx.poolV4 !== undefined &&
    !ctx.poolV4.isPool(ctx.intel, aIsClient ? flow.b0 : flow.a0);
  const byIp = v4NotPool ? null : poolByIp(ctx, server);
  if (byIp) return { via: 'address', ...matchEvidence(byIp) };
  const byDns = ctx.dns.resolved.get(server);
  if (byDns) return { via: 'dns', name: byDns.name, ...matchEvidence(byDns.match) };
  return null;
}

/** The finding a flow deserves, if any: mining protocol, else TLS to a pool, else a pool address, else P2P info. */
export function flowFinding(flow: Flow, ctx: ReportContext, late?: LateTexts): Finding | null {
  if (!mayReport(flow, ctx)) return null;
  const rpc = flow.rpc;
  const protocol = rpc?.protocol ?? null;
  const aIsClient = clientSide(flow, ctx.minerPorts) === 0;
  const a = addrText(flow.family, flow.a0, flow.a1, flow.a2, flow.a3);
  const b = addrText(flow.family, flow.b0, flow.b1, flow.b2, flow.b3);
  const client = aIsClient ? a : b;
  const server = aIsClient ? b : a;
  const sni = flow.sni;
  const pool = poolOf(ctx, flow, server, aIsClient, sni);
  if (!protocol && !flow.p2p && !pool) return null;
  const clientPort = aIsClient ? flow.aPort : flow.bPort;
  const serverPort = aIsClient ? flow.bPort : flow.aPort;
  const v6 = flow.family === 6;
  // One flat string each (see endpoint).
  const tuple = v6
    ? ['tcp [', client, ']:', clientPort, ' -> [', server, ']:', serverPort].join('')
    : ['tcp ', client, ':', clientPort, ' -> ', server, ':', serverPort].join('');
  const entity = { kind: 'connection' as const, ip: server, port: serverPort, name: tuple };
  // With `late`, LateTexts fills these in for the whole report at once.
  const firstSeen = late ? '' : isoTime(flow.firstTime);
  const lastSeen = late ? '' : isoTime(flow.lastTime);
  if (rpc && protocol) {
    const agent = rpc.agent ?? rpc.httpAgent;
    const login = rpc.login ?? null;
    const methods = methodCounts(rpc.methods);
    // The evidence of nearly every mining flow (no SNI, no pool listed) as one literal: keys added one by one
    // would move the object's properties to a new, larger store several times.
    const evidence: Record<string, unknown> =
      sni || pool
        ? withPool(
            baseEvidence(tuple, client, clientPort, server, serverPort, flow, firstSeen, lastSeen),
            sni,
            pool,
          )
        : {
            fiveTuple: tuple,
            transport: 'tcp',
            client,
            clientPort,
            server,
            serverPort,
            packets: flow.packets,
            payloadPackets: flow.payloadPackets,
            payloadBytes: flow.bytes,
            firstSeen,
            lastSeen,
            protocol,
            agent: agent ?? null,
            login,
            handshakeSeen: rpc.handshake,
            messagesInspected: rpc.messages,
            methods,
          };
    if (sni || pool) {
      evidence['protocol'] = protocol;
      evidence['agent'] = agent ?? null;
      evidence['login'] = login;
      evidence['handshakeSeen'] = rpc.handshake;
      evidence['messagesInspected'] = rpc.messages;
      evidence['methods'] = methods;
    }
    const strong = rpc.handshake || rpc.login !== undefined;
    const confidence = Math.min(
      0.99,
      (strong ? 0.9 : 0.8) + (rpc.messages >= 10 ? 0.05 : 0) + (pool ? 0.04 : 0),
    );
    const to = endpoint(flow.family, server, serverPort);
    const title = agent
      ? ['Pool mining (', protocol, ') from ', client, ' to ', to, ' by ', agent].join('')
      : ['Pool mining (', protocol, ') from ', client, ' to ', to].join('');
    const hit = { entity, evidence, title, confidence };
    return finding(
      ctx,
      WIRE_RULES.stratum,
      hit,
      rpc.detectedAt || flow.firstTime,
      late,
      flow.firstTime,
      flow.lastTime,
    );
  }
  if (!pool && !sni) {
    // Peer-to-peer flows, most of the rest: one literal too.
    const evidence = {
      fiveTuple: tuple,
      transport: 'tcp',
      client,
      clientPort,
      server,
      serverPort,
      packets: flow.packets,
      payloadPackets: flow.payloadPackets,
      payloadBytes: flow.bytes,
      firstSeen,
      lastSeen,
      network: flow.p2p,
    };
    return p2pFinding(ctx, flow, client, server, entity, evidence, late);
  }
  const evidence = withPool(
    baseEvidence(tuple, client, clientPort, server, serverPort, flow, firstSeen, lastSeen),
    sni,
    pool,
  );
  if (pool && pool['via'] === 'sni') {
    const title = ['TLS to mining pool ', sni, ' from ', client].join('');
    return finding(
      ctx,
      WIRE_RULES.sni,
      { entity, evidence, title },
      flow.firstTime,
      late,
      flow.firstTime,
      flow.lastTime,
    );
  }
  if (pool) {
    const title = [
      'Connection from ',
      client,
      ' to pool address ',
      endpoint(flow.family, server, serverPort),
    ].join('');
    return finding(
      ctx,
      WIRE_RULES.poolAddress,
      { entity, evidence, title },
      flow.firstTime,
      late,
      flow.firstTime,
      flow.lastTime,
    );
  }
  evidence['network'] = flow.p2p;
  return p2pFinding(ctx, flow, client, server, entity, evidence, late);
}

function p2pFinding(
  ctx: ReportContext,
  flow: Flow,
  client: string,
  server: string,
  entity: Hit['entity'],
  evidence: Record<string, unknown>,
  late: LateTexts | undefined,
): Finding {
  const network = flow.p2p === 'bitcoin' ? 'Bitcoin' : 'Monero';
  const title = [network, ' peer-to-peer traffic between ', client, ' and ', server].join('');
  return finding(
    ctx,
    WIRE_RULES.p2p,
    { entity, evidence, title },
    flow.firstTime,
    late,
    flow.firstTime,
    flow.lastTime,
  );
}

/** The evidence every flow finding starts with. */
function baseEvidence(
  tuple: string,
  client: string,
  clientPort: number,
  server: string,
  serverPort: number,
  flow: Flow,
  firstSeen: string,
  lastSeen: string,
): Record<string, unknown> {
  return {
    fiveTuple: tuple,
    transport: 'tcp',
    client,
    clientPort,
    server,
    serverPort,
    packets: flow.packets,
    payloadPackets: flow.payloadPackets,
    payloadBytes: flow.bytes,
    firstSeen,
    lastSeen,
  };
}

function withPool(
  evidence: Record<string, unknown>,
  sni: string | undefined,
  pool: Record<string, unknown> | null,
): Record<string, unknown> {
  if (sni) evidence['sni'] = sni;
  if (pool) evidence['pool'] = pool;
  return evidence;
}

export function dnsFinding(q: PoolQuery, ctx: ReportContext, late?: LateTexts): Finding {
  const entity = { kind: 'source-ip' as const, ip: q.client, name: q.name };
  const evidence = {
    client: q.client,
    resolver: q.server,
    query: q.name,
    queries: q.queries,
    responses: q.responses,
    resolvedAddresses: q.addresses,
    pool: matchEvidence(q.match),
    firstSeen: late ? '' : isoTime(q.firstTime),
    lastSeen: late ? '' : isoTime(q.lastTime),
  };
  return finding(
    ctx,
    WIRE_RULES.dns,
    { entity, evidence, title: [q.client, ' looked up pool name ', q.name].join('') },
    q.firstTime,
    late,
    q.firstTime,
    q.lastTime,
  );
}

/**
 * The findings of a report, most severe first, then oldest: those of flows closed out earlier (`closed`, by id), then
 * of the flows `eachFlow` shows, in that order (each is read during the call only), then of pool-name lookups; a
 * later one with the same id replaces an earlier one in its place. Ids and times are filled in for all of them at
 * once (LateTexts).
 */
export function reportFindings(
  closed: ReadonlyMap<string, Finding>,
  eachFlow: (visit: (flow: Flow) => void) => void,
  queries: Iterable<PoolQuery>,
  ctx: ReportContext,
): Finding[] {
  const late = new LateTexts();
  const made: Finding[] = [];
  eachFlow((flow) => {
    const f = flowFinding(flow, ctx, late);
    if (f) made.push(f);
  });
  for (const q of queries) made.push(dnsFinding(q, ctx, late));
  late.fill();
  const out = new Map(closed);
  for (const f of made) out.set(f.id, f);
  // The rank is looked up once per finding rather than once per comparison.
  const keyed = [...out.values()].map((f) => ({ f, rank: severityRank(f.severity), time: f.time }));
  keyed.sort((a, b) => b.rank - a.rank || (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
  return keyed.map((k) => k.f);
}
