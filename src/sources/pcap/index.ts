export { addrText, decodePacket, PacketView } from './decode.js';
export { type DnsMessage, parseDns } from './dns.js';
export { LiveCapture, type LiveCaptureEnd, type LiveCaptureOptions, startLiveCapture } from './live.js';
export { CaptureStream, type CaptureSummary, readCaptureFile } from './reader.js';
export { type PacketHandler, RecordParser, type RecordStats } from './records.js';
export { clientHelloSni } from './tls.js';
