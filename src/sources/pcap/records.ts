import { MinewardenError } from '../../model/errors.js';
import {
  BLOCK_EPB,
  BLOCK_IDB,
  BLOCK_PB_OBSOLETE,
  BLOCK_SPB,
  MAX_RECORD_BYTES,
  PCAP_MAGIC_MICRO,
  PCAP_MAGIC_NANO,
  PCAPNG_BYTE_ORDER_MAGIC,
  PCAPNG_SHB,
  SUPPORTED_LINK_TYPES,
} from './format.js';

/**
 * Receives each captured packet as a view into the reader's buffer, valid only during the call: callers that keep
 * bytes must copy them. Plain arguments instead of a packet object keep the hot path free of allocation.
 */
export type PacketHandler = (
  buf: Buffer,
  off: number,
  caplen: number,
  origLen: number,
  timeMs: number,
  linkType: number,
) => void;

export interface RecordStats {
  /** Packet records delivered to the handler. */
  packets: number;
  /** Records skipped as malformed (captured length beyond the block, unknown interface). */
  malformed: number;
  /** Packet records with no captured bytes. */
  zeroLength: number;
  /** Packets on interfaces whose link type we do not decode, by link type. */
  unsupportedLink: Map<number, number>;
  /** pcapng blocks we do not need (statistics, name resolution, custom). */
  otherBlocks: number;
  /** Bytes of complete records consumed. */
  bytes: number;
}

interface Iface {
  linkType: number;
  snaplen: number;
  /** Timestamp units per millisecond. */
  unitsPerMs: number;
  supported: boolean;
}

function u32le(b: Buffer, p: number): number {
  return (
    ((b[p] as number) | ((b[p + 1] as number) << 8) | ((b[p + 2] as number) << 16)) +
    (b[p + 3] as number) * 0x1000000
  );
}

function u32be(b: Buffer, p: number): number {
  return (
    (b[p] as number) * 0x1000000 +
    (((b[p + 1] as number) << 16) | ((b[p + 2] as number) << 8) | (b[p + 3] as number))
  );
}

const FORMAT_UNKNOWN = 0;
const FORMAT_PCAP = 1;
const FORMAT_PCAPNG = 2;

/**
 * Incremental parser for pcap (both byte orders, micro- and nanosecond) and pcapng (SHB, IDB, EPB, SPB and the
 * obsolete PB, any number of interfaces and sections). Feed it bytes as they arrive; it consumes whole records and
 * tells how many bytes it needs next, so file and pipe readers share it and memory stays bounded by one record.
 */
export class RecordParser {
  readonly stats: RecordStats = {
    packets: 0,
    malformed: 0,
    zeroLength: 0,
    unsupportedLink: new Map(),
    otherBlocks: 0,
    bytes: 0,
  };
  /** Bytes the next record needs in full (header included); the reader grows its buffer to fit. */
  needed = 24;
  private format = FORMAT_UNKNOWN;
  private le = true;
  private nano = false;
  private linkType = 0;
  private linkSupported = true;
  private ifaces: Iface[] = [];
  private lastTime = 0;

  constructor(
    private readonly source: string,
    private readonly onPacket: PacketHandler,
  ) {}

  /** A short name of the format, once known. */
  get formatName(): string {
    if (this.format === FORMAT_PCAP) return this.nano ? 'pcap (ns)' : 'pcap';
    if (this.format === FORMAT_PCAPNG) return 'pcapng';
    return 'unknown';
  }

  /**
   * Parses whole records in buf[start, end); `fileOffset` is the stream offset of buf[start] (for messages).
   * Returns the position after the last whole record.
   */
  parse(buf: Buffer, start: number, end: number, fileOffset: number): number {
    let pos = start;
    if (this.format === FORMAT_UNKNOWN) {
      if (end - pos < 4) return pos;
      pos = this.detect(buf, pos, end, fileOffset);
      if (this.format === FORMAT_UNKNOWN) return pos;
    }
    if (this.format === FORMAT_PCAP) return this.parsePcap(buf, pos, end, fileOffset + (pos - start));
    return this.parsePcapng(buf, pos, end, fileOffset + (pos - start));
  }

  private fail(offset: number, message: string): never {
    throw new MinewardenError('MW_INPUT_PARSE', `byte offset ${offset}: ${message}`, { file: this.source });
  }

  private detect(buf: Buffer, pos: number, end: number, offset: number): number {
    const be = buf.readUInt32BE(pos);
    const le = buf.readUInt32LE(pos);
    if (be === PCAPNG_SHB) {
      this.format = FORMAT_PCAPNG;
      this.needed = 12;
      return pos;
    }
    let magic = 0;
    if (le === PCAP_MAGIC_MICRO || le === PCAP_MAGIC_NANO) {
      this.le = true;
      magic = le;
    } else if (be === PCAP_MAGIC_MICRO || be === PCAP_MAGIC_NANO) {
      this.le = false;
      magic = be;
    } else {
      this.fail(
        offset,
        `not a pcap or pcapng file (magic 0x${be.toString(16).padStart(8, '0')}; expected a1b2c3d4, a1b23c4d or 0a0d0d0a)`,
      );
    }
    if (end - pos < 24) {
      this.needed = 24;
      return pos;
    }
    this.format = FORMAT_PCAP;
    this.nano = magic === PCAP_MAGIC_NANO;
    // The upper bits of the link-type field carry FCS flags on some writers.
    this.linkType = (this.le ? buf.readUInt32LE(pos + 20) : buf.readUInt32BE(pos + 20)) & 0x0fffffff;
    this.linkSupported = SUPPORTED_LINK_TYPES.has(this.linkType);
    this.needed = 16;
    return pos + 24;
  }

  private parsePcap(buf: Buffer, pos: number, end: number, offset: number): number {
    const divisor = this.nano ? 1e6 : 1e3;
    const stats = this.stats;
    const base = offset - pos;
    // Plain byte arithmetic: the record loop runs once per packet and Buffer#readUInt32* is not always inlined.
    const r32 = this.le ? u32le : u32be;
    while (end - pos >= 16) {
      const incl = r32(buf, pos + 8);
      if (incl > MAX_RECORD_BYTES)
        this.fail(
          base + pos,
          `packet record claims ${incl} captured bytes (limit ${MAX_RECORD_BYTES}); the file is corrupt`,
        );
      if (end - pos < 16 + incl) {
        this.needed = 16 + incl;
        return pos;
      }
      stats.bytes += 16 + incl;
      if (incl === 0) stats.zeroLength++;
      else if (!this.linkSupported) this.countUnsupported(this.linkType);
      else {
        stats.packets++;
        const time = r32(buf, pos) * 1000 + r32(buf, pos + 4) / divisor;
        this.onPacket(buf, pos + 16, incl, r32(buf, pos + 12), time, this.linkType);
      }
      pos += 16 + incl;
    }
    this.needed = 16;
    return pos;
  }

  private countUnsupported(linkType: number): void {
    const m = this.stats.unsupportedLink;
    m.set(linkType, (m.get(linkType) ?? 0) + 1);
  }

  private parsePcapng(buf: Buffer, pos: number, end: number, offset: number): number {
    const base = offset - pos;
    while (end - pos >= 12) {
      const typeBE = buf.readUInt32BE(pos);
      if (typeBE === PCAPNG_SHB) {
        // Each section states its own byte order, so read it before trusting the length.
        const bom = buf.readUInt32LE(pos + 8);
        if (bom === PCAPNG_BYTE_ORDER_MAGIC) this.le = true;
        else if (buf.readUInt32BE(pos + 8) === PCAPNG_BYTE_ORDER_MAGIC) this.le = false;
        else this.fail(base + pos, 'pcapng section header has no valid byte-order magic');
      }
      const le = this.le;
      const type = le ? buf.readUInt32LE(pos) : typeBE;
      const len = le ? buf.readUInt32LE(pos + 4) : buf.readUInt32BE(pos + 4);
      if (len < 12 || len % 4 !== 0)
        this.fail(base + pos, `pcapng block length ${len} is not a multiple of 4 of at least 12`);
      if (len > MAX_RECORD_BYTES)
        this.fail(base + pos, `pcapng block length ${len} exceeds the limit of ${MAX_RECORD_BYTES} bytes`);
      if (end - pos < len) {
        this.needed = len;
        return pos;
      }
      const trailer = le ? buf.readUInt32LE(pos + len - 4) : buf.readUInt32BE(pos + len - 4);
      if (trailer !== len)
        this.fail(base + pos, `pcapng block length ${len} does not match its trailing copy ${trailer}`);
      this.stats.bytes += len;
      if (typeBE === PCAPNG_SHB) this.ifaces = [];
      else if (type === BLOCK_EPB) this.epb(buf, pos, len, false);
      else if (type === BLOCK_PB_OBSOLETE) this.epb(buf, pos, len, true);
      else if (type === BLOCK_SPB) this.spb(buf, pos, len);
      else if (type === BLOCK_IDB) this.idb(buf, pos, len);
      else this.stats.otherBlocks++;
      pos += len;
    }
    this.needed = 12;
    return pos;
  }

  private u32(buf: Buffer, at: number): number {
    return this.le ? buf.readUInt32LE(at) : buf.readUInt32BE(at);
  }

  private idb(buf: Buffer, pos: number, len: number): void {
    if (len < 20) {
      this.stats.malformed++;
      this.ifaces.push({ linkType: -1, snaplen: 0, unitsPerMs: 1000, supported: false });
      return;
    }
    const linkType = this.le ? buf.readUInt16LE(pos + 8) : buf.readUInt16BE(pos + 8);
    const snaplen = this.u32(buf, pos + 12);
    let unitsPerMs = 1000;
    // Options: code(2) length(2) value padded to 4; if_tsresol (9) changes the timestamp unit.
    let o = pos + 16;
    const optEnd = pos + len - 4;
    while (optEnd - o >= 4) {
      const code = this.le ? buf.readUInt16LE(o) : buf.readUInt16BE(o);
      const olen = this.le ? buf.readUInt16LE(o + 2) : buf.readUInt16BE(o + 2);
      if (code === 0 || o + 4 + olen > optEnd) break;
      if (code === 9 && olen >= 1) {
        const r = buf[o + 4] ?? 6;
        const exp = r & 0x7f;
        const perSec = r & 0x80 ? 2 ** exp : 10 ** exp;
        if (Number.isFinite(perSec) && perSec > 0) unitsPerMs = perSec / 1000;
      }
      o += 4 + ((olen + 3) & ~3);
    }
    this.ifaces.push({ linkType, snaplen, unitsPerMs, supported: SUPPORTED_LINK_TYPES.has(linkType) });
  }

  private epb(buf: Buffer, pos: number, len: number, obsolete: boolean): void {
    const stats = this.stats;
    if (len < 32) {
      stats.malformed++;
      return;
    }
    const ifId = obsolete
      ? this.le
        ? buf.readUInt16LE(pos + 8)
        : buf.readUInt16BE(pos + 8)
      : this.u32(buf, pos + 8);
    const iface = this.ifaces[ifId];
    const caplen = this.u32(buf, pos + 20);
    if (!iface || caplen > len - 32) {
      stats.malformed++;
      return;
    }
    if (caplen === 0) {
      stats.zeroLength++;
      return;
    }
    if (!iface.supported) {
      this.countUnsupported(iface.linkType);
      return;
    }
    const ts = this.u32(buf, pos + 12) * 4294967296 + this.u32(buf, pos + 16);
    this.lastTime = ts / iface.unitsPerMs;
    stats.packets++;
    this.onPacket(buf, pos + 28, caplen, this.u32(buf, pos + 24), this.lastTime, iface.linkType);
  }

  private spb(buf: Buffer, pos: number, len: number): void {
    const stats = this.stats;
    const iface = this.ifaces[0];
    if (!iface || len < 16) {
      stats.malformed++;
      return;
    }
    const orig = this.u32(buf, pos + 8);
    let caplen = Math.min(orig, len - 16);
    if (iface.snaplen > 0) caplen = Math.min(caplen, iface.snaplen);
    if (caplen === 0) {
      stats.zeroLength++;
      return;
    }
    if (!iface.supported) {
      this.countUnsupported(iface.linkType);
      return;
    }
    stats.packets++;
    // A simple packet block has no timestamp: the previous packet's keeps detection on packet time, not the clock.
    this.onPacket(buf, pos + 12, caplen, orig, this.lastTime, iface.linkType);
  }
}
