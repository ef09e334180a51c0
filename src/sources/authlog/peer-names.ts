import { latin1 } from './latin1.js';
import { MAX_WALK_IDS } from './native-walk.js';
import { normalizePeer } from './peer.js';

export interface PeerEntry {
  raw: string;
  ip: string | undefined;
  domain: string | undefined;
}

const SLOTS = 1024;

/** A slot for a short string: its length and a few characters (NaN past the start xors as 0), cheap and spread enough. */
function slotOf(s: string): number {
  const n = s.length;
  if (n === 0) return 0;
  let h = n;
  h = Math.imul(h ^ s.charCodeAt(n - 1), 0x01000193);
  h = Math.imul(h ^ s.charCodeAt(n - 2), 0x01000193);
  h = Math.imul(h ^ s.charCodeAt(n - 3), 0x01000193);
  h = Math.imul(h ^ s.charCodeAt(n >> 1), 0x01000193);
  h = Math.imul(h ^ s.charCodeAt(0), 0x01000193);
  return (h ^ (h >>> 15)) & (SLOTS - 1);
}

const BYTE_SLOTS = 4096;

/** A slot of the byte-keyed caches for an `fnv` hash. */
function byteSlot(h: number): number {
  return (h ^ (h >>> 15)) & (BYTE_SLOTS - 1);
}

export function sameAscii(buf: Uint8Array, start: number, end: number, s: string): boolean {
  const n = s.length;
  if (n !== end - start) return false;
  for (let k = 0; k < n; k++) if (buf[start + k] !== s.charCodeAt(k)) return false;
  return true;
}

/**
 * Peers, account and host names as the parser hands them to detectors: each distinct spelling normalized once and held as
 * its own string, looked up by string or straight from a line's bytes through small direct-mapped tables.
 */
export class PeerNames {
  /** Each distinct spelling of a peer, normalized once and held as its own string (see `peerOf`). */
  private readonly peerCache = new Map<string, PeerEntry | null>();
  /** Account names as one string each: detectors key sets and maps by them, and equal strings compare fastest. */
  private readonly userCache = new Map<string, string>();
  private readonly peerKeys: (string | undefined)[] = new Array(SLOTS).fill(undefined);
  private readonly peerSlots: (PeerEntry | null)[] = new Array(SLOTS).fill(null);
  private readonly userKeys: (string | undefined)[] = new Array(SLOTS).fill(undefined);
  private readonly bytePeerKeys: (string | undefined)[] = new Array(BYTE_SLOTS).fill(undefined);
  private readonly bytePeers: (PeerEntry | null)[] = new Array(BYTE_SLOTS).fill(null);
  private readonly byteUsers: (string | undefined)[] = new Array(BYTE_SLOTS).fill(undefined);

  /**
   * A peer as logged, normalized (address or host name) once per distinct spelling. The strings kept are copies:
   * a string cut out of a line keeps the whole line alive, and connection and detector state outlive lines by far.
   */
  peerOf(raw: string): PeerEntry | null {
    // A direct-mapped cache in front of the map: a hash of a few characters and one string compare instead of a
    // map lookup keyed by a freshly cut string, for nearly every event.
    const slot = slotOf(raw);
    if (this.peerKeys[slot] === raw) return this.peerSlots[slot] as PeerEntry | null;
    let entry = this.peerCache.get(raw);
    if (entry === undefined) {
      if (this.peerCache.size >= 4096) this.peerCache.clear();
      const own = Buffer.from(raw, 'utf8').toString('utf8');
      const peer = normalizePeer(own);
      entry =
        peer === null
          ? null
          : 'ip' in peer
            ? { raw: own, ip: peer.ip, domain: undefined }
            : { raw: own, ip: undefined, domain: peer.domain };
      this.peerCache.set(own, entry);
    }
    this.peerKeys[slot] = entry === null ? raw : entry.raw;
    this.peerSlots[slot] = entry;
    return entry;
  }

  /**
   * `peerOf` of the ASCII bytes `buf[start, end)`, decoding them only on a miss. A table of its own, hashed on every
   * byte: `slotOf` reads five characters, and addresses differ in the middle as often as at the ends.
   */
  peerOfBytes(buf: Buffer, start: number, end: number, hash: number): PeerEntry | null {
    const slot = byteSlot(hash);
    const key = this.bytePeerKeys[slot];
    if (key !== undefined && sameAscii(buf, start, end, key)) return this.bytePeers[slot] as PeerEntry | null;
    const raw = latin1(buf, start, end);
    const entry = this.peerOf(raw);
    this.bytePeerKeys[slot] = entry === null ? raw : entry.raw;
    this.bytePeers[slot] = entry;
    return entry;
  }

  /** `userOf` of the ASCII bytes `buf[start, end)`, decoding them only on a miss. */
  userOfBytes(buf: Buffer, start: number, end: number, hash: number): string {
    const slot = byteSlot(hash);
    const key = this.byteUsers[slot];
    if (key !== undefined && sameAscii(buf, start, end, key)) return key;
    const user = this.userOf(latin1(buf, start, end));
    this.byteUsers[slot] = user;
    return user;
  }

  /** Entries by the native walk's peer id (native-walk.ts W_PEER_ID); undefined until first met. */
  private readonly peersById: (PeerEntry | null | undefined)[] = new Array(MAX_WALK_IDS).fill(undefined);
  private readonly usersById: (string | undefined)[] = new Array(MAX_WALK_IDS).fill(undefined);

  /**
   * `peerOfBytes`, for a peer the native walk numbered `id` (-1: not numbered): the walk has compared the bytes
   * with every spelling it numbered, so a known id needs no compare here.
   */
  peerOfWalked(buf: Buffer, start: number, end: number, hash: number, id: number): PeerEntry | null {
    if (id < 0) return this.peerOfBytes(buf, start, end, hash);
    let entry = this.peersById[id];
    if (entry === undefined) {
      entry = this.peerOfBytes(buf, start, end, hash);
      this.peersById[id] = entry;
    }
    return entry;
  }

  /** `userOfBytes` for an account name the native walk numbered `id` (-1: not numbered); none when start < 0. */
  userOfWalked(buf: Buffer, start: number, end: number, hash: number, id: number): string | undefined {
    if (start < 0) return undefined;
    if (id < 0) return this.userOfBytes(buf, start, end, hash);
    let user = this.usersById[id];
    if (user === undefined) {
      user = this.userOfBytes(buf, start, end, hash);
      this.usersById[id] = user;
    }
    return user;
  }

  /** A host name token of a line as a string, decoded only when it is not the last one's (logs rarely mix hosts). */
  hostnameOfBytes(buf: Buffer, start: number, end: number): string {
    const last = this.lastHostname;
    if (sameAscii(buf, start, end, last)) return last;
    const name = latin1(buf, start, end);
    this.lastHostname = name;
    return name;
  }

  private lastHostname = '';

  userOf(raw: string): string {
    const slot = slotOf(raw);
    const cached = this.userKeys[slot];
    if (cached === raw) return cached;
    let user = this.userCache.get(raw);
    if (user === undefined) {
      if (this.userCache.size >= 4096) this.userCache.clear();
      user = raw.length < 13 ? raw : Buffer.from(raw, 'utf8').toString('utf8');
      this.userCache.set(user, user);
    }
    this.userKeys[slot] = user;
    return user;
  }
}
