/** First-bytes tests that tell what a TCP payload is, without copying it. */

function startsWith(buf: Buffer, off: number, len: number, ascii: string): boolean {
  if (len < ascii.length) return false;
  for (let i = 0; i < ascii.length; i++) if (buf[off + i] !== ascii.charCodeAt(i)) return false;
  return true;
}

export function isHttpRequest(buf: Buffer, off: number, len: number): boolean {
  return startsWith(buf, off, len, 'POST ') || startsWith(buf, off, len, 'GET ');
}

export function isHttpResponse(buf: Buffer, off: number, len: number): boolean {
  return startsWith(buf, off, len, 'HTTP/1.');
}

/** Bitcoin-family network magics (main, testnet3, regtest, signet), then a 12-byte ASCII command. */
const BTC_MAGICS: ReadonlySet<number> = new Set([0xf9beb4d9, 0x0b110907, 0xfabfb5da, 0x0a03cf40, 0x1c163f28]);
/** Monero's levin protocol signature 0x0101010101012101, little-endian on the wire. */
const LEVIN = [0x01, 0x21, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01];

export function cryptoP2p(buf: Buffer, off: number, len: number): 'bitcoin' | 'monero' | undefined {
  if (len >= 24 && BTC_MAGICS.has(buf.readUInt32BE(off))) {
    const c = buf[off + 4] ?? 0;
    if (c >= 0x61 && c <= 0x7a) return 'bitcoin';
  }
  if (len >= 33) {
    let ok = true;
    for (let i = 0; i < 8 && ok; i++) ok = buf[off + i] === LEVIN[i];
    if (ok) return 'monero';
  }
  return undefined;
}

const LINE_START_JSON = Buffer.from('\n{');

/**
 * `\n{` within the first bytes: a JSON-lines stream we joined in the middle of a message. Every unknown flow's first
 * packets are searched, so the native search does it, on a view that ends where the search must.
 */
export function hasLineStartJson(buf: Buffer, off: number, len: number): boolean {
  if (len < 2) return false;
  return buf.subarray(off, off + Math.min(len, 4096)).indexOf(LINE_START_JSON) >= 0;
}

export interface HttpHead {
  /** Where the body starts, or -1 when the headers do not end in these bytes. */
  bodyStart: number;
  userAgent?: string;
  /** The user of HTTP Basic authorization (the password is left out). */
  user?: string;
  /** A header only mining software sends (X-Mining-Extensions, X-Stratum, X-Long-Polling). */
  miningHeader?: string;
}

const MINING_HEADERS = new Set(['x-mining-extensions', 'x-stratum', 'x-long-polling', 'x-mining-hashrate']);

/** Characters String#trim removes that can appear in latin1 text. */
function isTrimmedAway(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0xa0;
}

/**
 * A copy of `s` that does not point into the text it was cut from: a flow keeps its agent and mining headers (as
 * method names) to the end of a report, and a slice would keep the whole segment's text alive with it.
 */
function own(s: string): string {
  return ` ${s}`.slice(1);
}

/** What readHttpHead is asked for besides the body's start and mining headers (which it always reads). */
export const HEAD_AGENT = 1;
export const HEAD_USER = 2;

/**
 * Reads the header block of an HTTP message in buf[off, off + len), at most 8 KiB of it. `want` says whether the
 * user agent (HEAD_AGENT) and Basic user (HEAD_USER) are needed: a flow keeps the first of each, so its later
 * messages pass those headers over unread (the result may then lack them).
 */
export function readHttpHead(buf: Buffer, off: number, len: number, want = HEAD_AGENT | HEAD_USER): HttpHead {
  const end = off + Math.min(len, 8192);
  // The segment's first 8 KiB as text once (segments are rarely longer than 1.5 KB): searching the text for the
  // head's end costs less than a Buffer view for the search and a second conversion, and the lines are read only up
  // to that end, so the body is never looked at.
  const text = buf.toString('latin1', off, end);
  const stop = text.indexOf('\r\n\r\n');
  const head: HttpHead = { bodyStart: stop < 0 ? -1 : off + stop + 4 };
  const headEnd = stop < 0 ? text.length : stop;
  // The lines split('\r\n') would give after the first, found one by one so only the few we read become strings.
  let next = text.indexOf('\r\n');
  if (next >= headEnd) next = -1;
  for (let i = 1; next >= 0 && i < 64; i++) {
    const ls = next + 2;
    next = text.indexOf('\r\n', ls);
    if (next >= headEnd) next = -1;
    const le = next < 0 ? headEnd : next;
    // Every header we read starts with a, u or x (in either case); leading space is trimmed below, so it stays.
    const c0 = le > ls ? text.charCodeAt(ls) : Number.NaN;
    const c = c0 | 0x20;
    if (
      c === 0x61
        ? (want & HEAD_USER) === 0
        : c === 0x75
          ? (want & HEAD_AGENT) === 0
          : c !== 0x78 && !isTrimmedAway(c0)
    )
      continue;
    const colon = text.indexOf(':', ls);
    if (colon <= ls || colon >= le) continue;
    const name = text.slice(ls, colon).trim().toLowerCase();
    const value = text.slice(colon + 1, le).trim();
    if (name === 'user-agent') head.userAgent = own(value.slice(0, 256));
    else if (name === 'authorization' && /^basic\s+/i.test(value)) {
      const decoded = Buffer.from(value.replace(/^basic\s+/i, ''), 'base64').toString('utf8');
      const user = decoded.split(':')[0];
      if (user) head.user = user.slice(0, 256);
    } else if (MINING_HEADERS.has(name))
      head.miningHeader = [text.slice(ls, colon), ': ', value.slice(0, 128)].join('');
  }
  return head;
}
