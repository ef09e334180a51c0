/**
 * An RPM header as the rpm database stores it (the "header blob": no lead, no magic): a big-endian count of index
 * entries and the size of the data store, then 16-byte entries (tag, type, offset, count) pointing into the data
 * store. Only the tags an inventory needs are read. Layout per rpm's documented file format (header structure).
 */
export interface RpmHeader {
  name: string;
  epoch: number | undefined;
  version: string;
  release: string;
  arch: string | undefined;
  sourceRpm: string | undefined;
}

const TAG = { name: 1000, version: 1001, release: 1002, epoch: 1003, arch: 1022, sourceRpm: 1044 } as const;
const TYPE_INT32 = 4;
const TYPE_STRING = 6;
const TYPE_I18NSTRING = 9;
// Bounds rpm itself enforces on stored headers; a blob claiming more is damaged.
const MAX_ENTRIES = 0xffff;
const MAX_DATA = 256 * 1024 * 1024;

export class RpmHeaderError extends Error {}

export function parseRpmHeader(blob: Uint8Array): RpmHeader {
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  if (blob.byteLength < 8) throw new RpmHeaderError('header blob shorter than 8 bytes');
  const il = view.getUint32(0);
  const dl = view.getUint32(4);
  if (il === 0 || il > MAX_ENTRIES || dl > MAX_DATA)
    throw new RpmHeaderError(`implausible header (${il} entries, ${dl} bytes)`);
  const dataStart = 8 + il * 16;
  if (dataStart + dl > blob.byteLength)
    throw new RpmHeaderError(`header claims ${dataStart + dl} bytes, blob has ${blob.byteLength}`);
  const strings = new Map<number, string>();
  const ints = new Map<number, number>();
  const wanted = new Set<number>(Object.values(TAG));
  const decoder = new TextDecoder();
  for (let i = 0; i < il; i++) {
    const at = 8 + i * 16;
    const tag = view.getUint32(at);
    if (!wanted.has(tag)) continue;
    const type = view.getUint32(at + 4);
    const offset = view.getUint32(at + 8);
    if (offset >= dl) throw new RpmHeaderError(`tag ${tag} points outside the data store`);
    const p = dataStart + offset;
    if (type === TYPE_STRING || type === TYPE_I18NSTRING) {
      const end = blob.indexOf(0, p);
      if (end < 0 || end > dataStart + dl) throw new RpmHeaderError(`tag ${tag} string is not terminated`);
      strings.set(tag, decoder.decode(blob.subarray(p, end)));
    } else if (type === TYPE_INT32) {
      if (p + 4 > dataStart + dl) throw new RpmHeaderError(`tag ${tag} integer runs past the data store`);
      ints.set(tag, view.getUint32(p));
    }
  }
  const name = strings.get(TAG.name);
  const version = strings.get(TAG.version);
  const release = strings.get(TAG.release);
  if (!name || !version || release === undefined)
    throw new RpmHeaderError('header has no name, version or release');
  return {
    name,
    epoch: ints.get(TAG.epoch),
    version,
    release,
    arch: strings.get(TAG.arch),
    sourceRpm: strings.get(TAG.sourceRpm),
  };
}

/** `[epoch:]version-release`, the form RPM advisories use (no epoch when the package has none). */
export function evrOf(h: Pick<RpmHeader, 'epoch' | 'version' | 'release'>): string {
  return `${h.epoch ? `${h.epoch}:` : ''}${h.version}-${h.release}`;
}

/** Source package name from "openssl-3.0.7-18.el9_2.src.rpm": everything before version-release. */
export function sourceName(sourceRpm: string | undefined): string | undefined {
  const m = sourceRpm ? /^(.+)-[^-]+-[^-]+\.(?:no)?src\.rpm$/.exec(sourceRpm) : null;
  return m?.[1];
}
