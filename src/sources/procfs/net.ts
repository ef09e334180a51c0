import { endianness } from 'node:os';
import type { SocketInfo, Transport } from '../../model/inventory.js';
import { formatIpv6 } from '../../util/ip.js';

/** A socket table line; owners and namespace are added when sockets are mapped to processes. */
export type NetEntry = Omit<SocketInfo, 'pids' | 'netns'>;

/** include/net/tcp_states.h; UDP reuses the numbers (07 = unconnected). */
const TCP_STATES: Readonly<Record<string, string>> = {
  '01': 'ESTABLISHED',
  '02': 'SYN_SENT',
  '03': 'SYN_RECV',
  '04': 'FIN_WAIT1',
  '05': 'FIN_WAIT2',
  '06': 'TIME_WAIT',
  '07': 'CLOSE',
  '08': 'CLOSE_WAIT',
  '09': 'LAST_ACK',
  '0A': 'LISTEN',
  '0B': 'CLOSING',
  '0C': 'NEW_SYN_RECV',
};

// The kernel prints each 32-bit word of the address in host byte order.
const LITTLE = endianness() === 'LE';

function wordBytes(hex: string, out: Uint8Array, at: number): boolean {
  const v = Number.parseInt(hex, 16);
  if (!/^[0-9A-Fa-f]{8}$/.test(hex)) return false;
  const b = [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
  if (LITTLE) b.reverse();
  out.set(b, at);
  return true;
}

function parseAddr(text: string, family: 4 | 6): { ip: string; port: number } | null {
  const colon = text.indexOf(':');
  if (colon < 0) return null;
  const hex = text.slice(0, colon);
  const portHex = text.slice(colon + 1);
  if (!/^[0-9A-Fa-f]{4}$/.test(portHex)) return null;
  const port = Number.parseInt(portHex, 16);
  if (family === 4) {
    const b = new Uint8Array(4);
    if (hex.length !== 8 || !wordBytes(hex, b, 0)) return null;
    return { ip: `${b[0]}.${b[1]}.${b[2]}.${b[3]}`, port };
  }
  if (hex.length !== 32) return null;
  const b = new Uint8Array(16);
  for (let i = 0; i < 4; i++) if (!wordBytes(hex.slice(i * 8, i * 8 + 8), b, i * 4)) return null;
  return { ip: formatIpv6(b), port };
}

/**
 * Parses /proc/net/{tcp,udp}[6]. Returns the good entries and how many lines were malformed, so a caller can warn
 * once per table rather than once per line.
 */
export function parseNetTable(
  text: string,
  transport: Transport,
  family: 4 | 6,
): { entries: NetEntry[]; malformed: number } {
  const entries: NetEntry[] = [];
  let malformed = 0;
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]?.trim();
    if (!line) continue;
    const cols = line.split(/\s+/);
    const local = parseAddr(cols[1] ?? '', family);
    const remote = parseAddr(cols[2] ?? '', family);
    const uid = Number(cols[7]);
    const inode = Number(cols[9]);
    const stateHex = (cols[3] ?? '').toUpperCase();
    if (
      !local ||
      !remote ||
      !Number.isInteger(uid) ||
      !Number.isInteger(inode) ||
      !/^[0-9A-F]{2}$/.test(stateHex)
    ) {
      malformed++;
      continue;
    }
    let state = TCP_STATES[stateHex] ?? `0x${stateHex}`;
    if (transport === 'udp') state = stateHex === '01' ? 'ESTABLISHED' : stateHex === '07' ? 'UNCONN' : state;
    entries.push({
      transport,
      family,
      localIp: local.ip,
      localPort: local.port,
      remoteIp: remote.ip,
      remotePort: remote.port,
      state,
      uid,
      inode,
    });
  }
  return { entries, malformed };
}
