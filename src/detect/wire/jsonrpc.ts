/**
 * Byte-level look at one JSON-RPC message: its method name and a few marker keys, found without JSON.parse so the
 * hot path allocates only the method string. Full parsing is kept for the handful of messages that name the miner.
 */

export type MiningProtocol = 'stratum-v1' | 'monero-stratum' | 'eth-proxy' | 'getwork' | 'getblocktemplate';

const Q = 0x22; // "
const METHOD_KEY = Buffer.from('"method"');

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
}

/** Bytes searched by a plain loop before handing the rest of the range to the native search. */
const LOOP_BYTES = 96;

/**
 * Position of `needle` in buf[s, e), or -1. Keys are usually near the start of a message, where a plain loop finds
 * them before a native call would have started; past that, a view bounded at `e` (Buffer#indexOf cannot stop at an
 * end) lets the native search cover long messages at memory speed.
 */
export function findBytes(buf: Buffer, s: number, e: number, needle: Buffer): number {
  const n = needle.length;
  const first = needle[0] ?? 0;
  const loopEnd = Math.min(e - n, s + LOOP_BYTES);
  outer: for (let i = s; i <= loopEnd; i++) {
    if (buf[i] !== first) continue;
    for (let j = 1; j < n; j++) if (buf[i + j] !== needle[j]) continue outer;
    return i;
  }
  const from = loopEnd + 1;
  if (e - from < n) return -1;
  const at = buf.subarray(from, e).indexOf(needle);
  return at < 0 ? -1 : from + at;
}

/** The value of the first `"method": "..."` in buf[s, e), or null. Names over 64 bytes are not methods we know. */
export function findMethod(buf: Buffer, s: number, e: number): string | null {
  const k = findBytes(buf, s, e, METHOD_KEY);
  if (k < 0) return null;
  let p = k + METHOD_KEY.length;
  while (p < e && isSpace(buf[p] ?? 0)) p++;
  if (buf[p] !== 0x3a) return null;
  p++;
  while (p < e && isSpace(buf[p] ?? 0)) p++;
  if (buf[p] !== Q) return null;
  const start = ++p;
  const stop = Math.min(e, start + 64);
  while (p < stop && buf[p] !== Q) p++;
  if (p >= stop) return null;
  return methodName(buf, start, p);
}

/** The method name buf[s, e) as findMethod hands it out. */
export function methodName(buf: Buffer, s: number, e: number): string {
  return knownMethod(buf, s, e) ?? buf.toString('latin1', s, e);
}

/** Method names the classifier looks up, by length; filled once the sets below exist. */
const KNOWN_BY_LENGTH = new Map<number, Array<{ bytes: Buffer; name: string }>>();

/**
 * The known method name buf[s, e) spells, or null. Nearly every message of a mining flow names one of a dozen
 * methods: handing out the one string for it saves building a new string per message and hashing it in each lookup.
 */
function knownMethod(buf: Buffer, s: number, e: number): string | null {
  const candidates = KNOWN_BY_LENGTH.get(e - s);
  if (candidates === undefined) return null;
  outer: for (let k = 0; k < candidates.length; k++) {
    const c = candidates[k] as { bytes: Buffer; name: string };
    const b = c.bytes;
    for (let i = 0; i < b.length; i++) if (buf[s + i] !== b[i]) continue outer;
    return c.name;
  }
  return null;
}

/** Methods that name a mining protocol by themselves. */
export const METHOD_PROTOCOL: ReadonlyMap<string, MiningProtocol> = new Map([
  ['mining.subscribe', 'stratum-v1'],
  ['mining.authorize', 'stratum-v1'],
  ['mining.notify', 'stratum-v1'],
  ['mining.submit', 'stratum-v1'],
  ['mining.set_difficulty', 'stratum-v1'],
  ['mining.set_target', 'stratum-v1'],
  ['mining.set_extranonce', 'stratum-v1'],
  ['mining.extranonce.subscribe', 'stratum-v1'],
  ['mining.get_transactions', 'stratum-v1'],
  ['mining.configure', 'stratum-v1'],
  ['mining.suggest_difficulty', 'stratum-v1'],
  ['mining.suggest_target', 'stratum-v1'],
  ['mining.multi_version', 'stratum-v1'],
  ['mining.ping', 'stratum-v1'],
  ['eth_submitLogin', 'eth-proxy'],
  ['eth_getWork', 'eth-proxy'],
  ['eth_submitWork', 'eth-proxy'],
  ['eth_submitHashrate', 'eth-proxy'],
  ['getwork', 'getwork'],
  ['getblocktemplate', 'getblocktemplate'],
  ['submitblock', 'getblocktemplate'],
]);

/**
 * Monero-style method names are ordinary words (`login`, `job`, `submit`), so they count only with the keys the
 * protocol carries: a login with a `login` parameter, jobs and submits with `job_id` or `blob`.
 */
export const MONERO_METHODS: ReadonlySet<string> = new Set([
  'login',
  'getjob',
  'job',
  'submit',
  'keepalived',
]);
const KEY_LOGIN = Buffer.from('"login"');
const KEY_AGENT = Buffer.from('"agent"');
const KEY_JOB_ID = Buffer.from('"job_id"');
const KEY_BLOB = Buffer.from('"blob"');
const KEY_RESULT = Buffer.from('"result"');
const KEY_ERROR = Buffer.from('"error"');

/** The mining protocol a request or notification belongs to, or null. */
export function protocolOfMethod(
  method: string,
  buf: Buffer,
  s: number,
  e: number,
  moneroSeen: boolean,
): MiningProtocol | null {
  const p = METHOD_PROTOCOL.get(method);
  if (p) return p;
  if (!MONERO_METHODS.has(method)) return null;
  if (method === 'login')
    return findBytes(buf, s, e, KEY_LOGIN) >= 0 || findBytes(buf, s, e, KEY_AGENT) >= 0
      ? 'monero-stratum'
      : null;
  if (moneroSeen) return 'monero-stratum';
  if (method === 'keepalived') return null;
  return findBytes(buf, s, e, KEY_JOB_ID) >= 0 || findBytes(buf, s, e, KEY_BLOB) >= 0
    ? 'monero-stratum'
    : null;
}

/** A JSON-RPC response (`result` or `error`); a Monero login reply carrying a job counts as Monero evidence. */
export function responseKind(buf: Buffer, s: number, e: number): 'monero-job' | 'response' | null {
  if (findBytes(buf, s, e, KEY_RESULT) < 0 && findBytes(buf, s, e, KEY_ERROR) < 0) return null;
  return findBytes(buf, s, e, KEY_JOB_ID) >= 0 && findBytes(buf, s, e, KEY_BLOB) >= 0
    ? 'monero-job'
    : 'response';
}

/** Methods only a miner sends (the other side is the pool). */
export const CLIENT_METHODS: ReadonlySet<string> = new Set([
  'mining.subscribe',
  'mining.authorize',
  'mining.submit',
  'mining.extranonce.subscribe',
  'mining.configure',
  'mining.suggest_difficulty',
  'mining.get_transactions',
  'login',
  'getjob',
  'submit',
  'keepalived',
  'eth_submitLogin',
  'eth_getWork',
  'eth_submitWork',
  'eth_submitHashrate',
  'getwork',
  'getblocktemplate',
  'submitblock',
]);

/** Methods only a pool sends. */
export const SERVER_METHODS: ReadonlySet<string> = new Set([
  'mining.notify',
  'mining.set_difficulty',
  'mining.set_target',
  'mining.set_extranonce',
  'job',
]);

/** Methods whose parameters name the miner or the account; parsed in full once per flow. */
export const IDENTITY_METHODS: ReadonlySet<string> = new Set([
  'mining.subscribe',
  'mining.authorize',
  'login',
  'eth_submitLogin',
]);

export interface Identity {
  agent?: string;
  login?: string;
}

function text(v: unknown, max = 256): string | undefined {
  return typeof v === 'string' && v !== '' ? v.slice(0, max) : undefined;
}

/**
 * The miner agent and login/wallet a handshake message names. Passwords are left out on purpose: they are
 * credentials, and reports travel further than the capture.
 */
export function identityOf(method: string, json: string): Identity {
  let msg: unknown;
  try {
    msg = JSON.parse(json);
  } catch {
    return {};
  }
  if (typeof msg !== 'object' || msg === null) return {};
  const params = (msg as { params?: unknown }).params;
  const out: Identity = {};
  if (method === 'mining.subscribe' && Array.isArray(params)) {
    const agent = text(params[0]);
    if (agent) out.agent = agent;
  } else if (method === 'mining.authorize' && Array.isArray(params)) {
    const login = text(params[0]);
    if (login) out.login = login;
  } else if (method === 'login' && typeof params === 'object' && params !== null) {
    const p = params as Record<string, unknown>;
    const login = text(p['login']);
    const agent = text(p['agent']);
    if (login) out.login = login;
    if (agent) out.agent = agent;
  } else if (method === 'eth_submitLogin') {
    const login = Array.isArray(params) ? text(params[0]) : undefined;
    const worker = text((msg as { worker?: unknown }).worker);
    if (login) out.login = worker ? `${login}.${worker}` : login;
  }
  return out;
}

for (const name of new Set([
  ...METHOD_PROTOCOL.keys(),
  ...MONERO_METHODS,
  ...CLIENT_METHODS,
  ...SERVER_METHODS,
  ...IDENTITY_METHODS,
])) {
  const list = KNOWN_BY_LENGTH.get(name.length) ?? [];
  list.push({ bytes: Buffer.from(name, 'latin1'), name });
  KNOWN_BY_LENGTH.set(name.length, list);
}
