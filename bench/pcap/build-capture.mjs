// Builds the benchmark capture: the real mining and benign captures from ../shared/data/pcaps replayed over and
// over, each replay with shifted addresses (new flows) and shifted time, written as one Ethernet pcap.
import { closeSync, openSync, readdirSync, statSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readCaptureFile } from '../../dist/sources/pcap/index.js';

function listCaptures(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...listCaptures(p));
    else if (/\.pcap(ng)?$/.test(e.name)) out.push(p);
  }
  return out.sort();
}

async function loadPackets(files) {
  const packets = [];
  for (const file of files) {
    let t0 = null;
    await readCaptureFile(file, (buf, off, caplen, orig, time, link) => {
      t0 ??= time;
      let frame;
      if (link === 1) frame = Buffer.from(buf.subarray(off, off + caplen));
      else if (link === 101 || link === 228 || link === 229) {
        // Raw IP: give it an Ethernet header so the whole bench file has one link type.
        frame = Buffer.alloc(14 + caplen);
        frame.writeUInt16BE(buf[off] >> 4 === 6 ? 0x86dd : 0x0800, 12);
        buf.copy(frame, 14, off, off + caplen);
      } else return;
      packets.push({ frame, orig: orig + (frame.length - caplen), rel: time - t0 });
    });
  }
  return packets;
}

function ipOffset(frame) {
  let p = 14;
  let type = frame.readUInt16BE(12);
  while ((type === 0x8100 || type === 0x88a8) && p + 4 <= frame.length) {
    type = frame.readUInt16BE(p + 2);
    p += 4;
  }
  return [type, p];
}

/** Shifts both addresses by `n` in their second and third octets (IPv4) or a middle word (IPv6); fixes the IPv4 header checksum. */
function shift(frame, n) {
  const [type, p] = ipOffset(frame);
  if (type === 0x0800 && p + 20 <= frame.length) {
    for (const a of [p + 12, p + 16]) {
      frame[a + 1] = (frame[a + 1] + (n >> 8)) & 255;
      frame[a + 2] = (frame[a + 2] + n) & 255;
    }
    const ihl = (frame[p] & 15) * 4;
    frame.writeUInt16BE(0, p + 10);
    let sum = 0;
    for (let i = 0; i < ihl && p + i + 1 < frame.length; i += 2) sum += frame.readUInt16BE(p + i);
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    frame.writeUInt16BE(~sum & 0xffff, p + 10);
  } else if (type === 0x86dd && p + 40 <= frame.length) {
    for (const a of [p + 8, p + 24]) frame.writeUInt16BE((frame.readUInt16BE(a + 4) + n) & 0xffff, a + 4);
  }
}

export async function buildBenchCapture(out, sharedPcaps, minBytes) {
  try {
    if (statSync(out).size >= minBytes) return out;
  } catch {}
  const packets = await loadPackets(
    listCaptures(resolve(sharedPcaps, 'mining')).concat(listCaptures(resolve(sharedPcaps, 'benign'))),
  );
  const fd = openSync(out, 'w');
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(262144, 16);
  header.writeUInt32LE(1, 20);
  writeSync(fd, header);
  let written = 24;
  const base = 1_700_000_000_000;
  const rec = Buffer.alloc(16);
  for (let round = 0; written < minBytes; round++) {
    const batch = [];
    for (const pk of packets) {
      const frame = Buffer.from(pk.frame);
      shift(frame, round + 1);
      const t = base + round * 3_600_000 + pk.rel;
      rec.writeUInt32LE(Math.floor(t / 1000), 0);
      rec.writeUInt32LE(Math.round((t % 1000) * 1000), 4);
      rec.writeUInt32LE(frame.length, 8);
      rec.writeUInt32LE(pk.orig, 12);
      batch.push(Buffer.from(rec), frame);
      written += 16 + frame.length;
    }
    writeSync(fd, Buffer.concat(batch));
  }
  closeSync(fd);
  return out;
}
