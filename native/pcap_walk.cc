// Native pcap/pcapng packet walk for capture files: record walk, link/IP/TCP/UDP decode and the TCP flow table,
// the per-packet work that dominates an offline analysis. It mirrors src/sources/pcap/records.ts, decode.ts and the
// counting part of src/detect/wire/analyzer.ts check for check, so skips, counts and flows are the same; JavaScript
// keeps every decision about payload. What crosses to JS is only what the JS detectors read (see below).
//
// JS API:
//   const w = new PcapWalk(fd, maxFlows, scratch, onEvent, methods, batch)
//       fd: a regular file (the caller closes it); scratch: an ArrayBuffer of at least 256 KiB + 160 bytes where each
//       event is written before onEvent() is called; onEvent(big?) returns a number (see below); methods: the known
//       JSON-RPC method names with their flags, "flags:name" per line (pcap_walk_lines.h); batch: 1 when no finding
//       is reported as it happens, so flows whose first payload is P2P or a whole ClientHello are decided here
//       (DecideHere) and never handed over.
//   w.next(budgetBytes)  // walks about this many input bytes; false once the walk ended (end, error or overflow)
//   w.result()           // counters, per-flow totals, truncation and error, see Result()
//   w.close()            // closes its copy of fd; idempotent
//
// A flow's payload goes to JS from its first payload segment until JS says it has seen enough (onEvent returns
// 2 + the client direction JS settled on, -1..1); until then every segment with payload or SYN is handed over and
// onEvent returns 0. Before and after that window this code applies the SYN rules for the client side itself, so
// the flow's client direction is the same as when JS sees every packet. onEvent returns -1 for a recognised mining
// flow whose plain lines or HTTP segments this code may count (pcap_walk_lines.h, pcap_walk_http.h; JS then writes
// how the flow stands at w30..w35 and gets the sums as event kind 5), and -2 for a flow JS probes as HTTP (segments
// that start no head or JSON message are then only counted, up to the probe limit).
//
// Unknown flows are looked at here first: while their payload shows nothing the JS sniff would recognise, the misses
// are counted here and JS never sees them. DNS questions are parsed here too; JS is asked once per distinct name
// whether it is a pool name (event kind 4, payload: the name; onEvent returns 1 for yes) and sees only the messages
// about pool names, read here as dns.ts parseDns reads them (DnsEventPayload).
//
// Event in scratch (int32 words, native byte order):
//   w0 kind (2 TCP segment, 3 DNS message, 4 DNS name, 5 counted lines' sums: w1 flow id, w2 1 at the limit)  w1 flow id (TCP) | family (DNS)  w2 direction
//   w3 TCP flags  w4 TCP seq  w5 payload length  w6 flow payload packets so far  w7 client direction (first segment)
//   w8 1 on a flow's first handed-over segment  w9 family  w10 aPort | bPort << 16  w11 misses so far (first)
//   bytes 48..55 packet time, float64 ms; 56..63 flow's first packet time
//   w16..w23 addresses (TCP: the flow's a0..a3 b0..b3; DNS: source then destination)
//   w24..w29 (TCP) marks in the payload, offsets or -1 (see PayloadMarks): first and last newline, first and last
//   `"method"` key, and the method name after the first key as jsonrpc.ts findMethod reads it on that key's line
//   (start, end; -1 when it reads none). Most stratum segments hold one line, so JS needs no search of its own.
//   w30..w35 written by JS (see kCountingState)
//   bytes 160.. the payload, or, when it does not fit, onEvent's argument is a Buffer holding it.

#include <napi.h>

#include "pcap_walk_dns.h"
#include "pcap_walk_http.h"
#include "pcap_walk_lines.h"
#include "pcap_walk_texts.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace {

constexpr uint32_t kPcapMicro = 0xa1b2c3d4;
constexpr uint32_t kPcapNano = 0xa1b23c4d;
constexpr uint32_t kShb = 0x0a0d0d0a;
constexpr uint32_t kBom = 0x1a2b3c4d;
constexpr uint32_t kIdb = 1, kPbObsolete = 2, kSpb = 3, kEpb = 6;
// Same bound as MAX_RECORD_BYTES in format.ts.
constexpr uint64_t kMaxRecord = 16 * 1024 * 1024;
// Bytes read at a time: large enough that per-read costs vanish (about 800 reads for 200 MB), small enough to stay
// in the CPU's cache between the kernel's copy and the walk, and to be few fresh pages: each first touch of a page
// is a page fault, which costs microseconds in a guest with PTI (a 4 MiB window was about 1,000 of them).
constexpr size_t kChunk = 256 * 1024;

enum Decode { kL4 = 0, kIpOnly = 1, kNotIp = 2, kShort = 3 };
enum Kind { kEvTcp = 2, kEvDns = 3, kEvName = 4, kEvCounts = 5 };
enum JsState : uint8_t { kNative = 0, kInspected = 1, kDone = 2 };
constexpr size_t kEventHeader = 160;
// Where JS writes how a flow it lets this code count stands (int32 words 30..35, see Counting).
constexpr size_t kCountingState = 120;
// MAX_MISSES and MAX_RPC_PROBE of limits.ts.
constexpr int32_t kMaxMisses = 6;
constexpr double kMaxRpcProbe = 64;
enum Format { kUnknown = 0, kPcap = 1, kPcapng = 2 };

constexpr int kEthIpv4 = 0x0800;
constexpr int kEthIpv6 = 0x86dd;
constexpr uint8_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kAck = 0x10;

bool SupportedLink(int64_t t) {
  return t == 0 || t == 1 || t == 101 || t == 12 || t == 14 || t == 108 || t == 113 || t == 228 || t == 229 ||
         t == 276;
}

inline uint32_t Be32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
}
inline uint32_t Le32(const uint8_t* p) {
  return (uint32_t(p[3]) << 24) | (uint32_t(p[2]) << 16) | (uint32_t(p[1]) << 8) | p[0];
}
inline uint16_t Be16(const uint8_t* p) { return uint16_t((p[0] << 8) | p[1]); }
inline uint16_t Le16(const uint8_t* p) { return uint16_t((p[1] << 8) | p[0]); }

struct View {
  int family = 0;
  int proto = 0;
  uint32_t s[4] = {0, 0, 0, 0};
  uint32_t d[4] = {0, 0, 0, 0};
  uint16_t sport = 0, dport = 0;
  uint8_t flags = 0;
  uint32_t seq = 0;
  int64_t payloadOff = 0, payloadLen = 0;
  bool fragment = false;
};

int DecodeL4(const uint8_t* b, int64_t q, int64_t ipEnd, View& v) {
  if (v.proto == 6) {
    if (ipEnd - q < 20) return kShort;
    v.sport = Be16(b + q);
    v.dport = Be16(b + q + 2);
    v.seq = Be32(b + q + 4);
    int64_t doff = (b[q + 12] >> 4) * 4;
    v.flags = b[q + 13];
    if (doff < 20 || ipEnd - q < doff) return kShort;
    v.payloadOff = q + doff;
    v.payloadLen = ipEnd - q - doff;
    return kL4;
  }
  if (v.proto == 17) {
    if (ipEnd - q < 8) return kShort;
    v.sport = Be16(b + q);
    v.dport = Be16(b + q + 2);
    v.flags = 0;
    v.seq = 0;
    int64_t ulen = Be16(b + q + 4);
    v.payloadOff = q + 8;
    v.payloadLen = ulen >= 8 ? std::min(ulen - 8, ipEnd - q - 8) : ipEnd - q - 8;
    return kL4;
  }
  v.sport = v.dport = 0;
  v.payloadOff = q;
  v.payloadLen = ipEnd - q;
  return kIpOnly;
}

int DecodeIpv4(const uint8_t* b, int64_t p, int64_t end, View& v) {
  if (end - p < 20) return kShort;
  int b0 = b[p];
  int64_t ihl = (b0 & 0x0f) * 4;
  int64_t total = Be16(b + p + 2);
  if ((b0 >> 4) != 4 || ihl < 20 || total < ihl || end - p < ihl) return kShort;
  v.family = 4;
  v.proto = b[p + 9];
  v.s[0] = Be32(b + p + 12);
  v.d[0] = Be32(b + p + 16);
  v.s[1] = v.s[2] = v.s[3] = v.d[1] = v.d[2] = v.d[3] = 0;
  int frag = Be16(b + p + 6);
  v.fragment = (frag & 0x3fff) != 0;
  // Ethernet pads short frames: the IP total length, not the capture, says where the datagram ends.
  int64_t ipEnd = std::min(end, p + total);
  if ((frag & 0x1fff) != 0) return kIpOnly;
  return DecodeL4(b, p + ihl, ipEnd, v);
}

int DecodeIpv6(const uint8_t* b, int64_t p, int64_t end, View& v) {
  if (end - p < 40) return kShort;
  if ((b[p] >> 4) != 6) return kShort;
  v.family = 6;
  int64_t plen = Be16(b + p + 4);
  int next = b[p + 6];
  for (int i = 0; i < 4; i++) {
    v.s[i] = Be32(b + p + 8 + 4 * i);
    v.d[i] = Be32(b + p + 24 + 4 * i);
  }
  v.fragment = false;
  int64_t ipEnd = plen == 0 ? end : std::min(end, p + 40 + plen);
  int64_t q = p + 40;
  for (int hops = 0; hops < 8; hops++) {
    if (next == 0 || next == 43 || next == 60 || next == 51) {
      if (ipEnd - q < 8) return kShort;
      int64_t hl = next == 51 ? (int64_t(b[q + 1]) + 2) * 4 : (int64_t(b[q + 1]) + 1) * 8;
      next = b[q];
      q += hl;
    } else if (next == 44) {
      if (ipEnd - q < 8) return kShort;
      v.fragment = true;
      int offset = Be16(b + q + 2) >> 3;
      next = b[q];
      q += 8;
      if (offset != 0) {
        v.proto = next;
        return kIpOnly;
      }
    } else {
      break;
    }
  }
  v.proto = next;
  if (q > ipEnd) return kShort;
  return DecodeL4(b, q, ipEnd, v);
}

bool IsVlan(int t) { return t == 0x8100 || t == 0x88a8 || t == 0x9100; }

int DecodePacket(const uint8_t* b, int64_t off, int64_t caplen, int64_t linkType, View& v) {
  int64_t end = off + caplen;
  int64_t p = off;
  int ethType = 0;
  switch (linkType) {
    case 1: {
      if (caplen < 14) return kShort;
      ethType = Be16(b + p + 12);
      p += 14;
      for (int tags = 0; IsVlan(ethType) && tags < 4; tags++) {
        if (end - p < 4) return kShort;
        ethType = Be16(b + p + 2);
        p += 4;
      }
      break;
    }
    case 113:
      if (caplen < 16) return kShort;
      ethType = Be16(b + p + 14);
      p += 16;
      break;
    case 276:
      if (caplen < 20) return kShort;
      ethType = Be16(b + p);
      p += 20;
      break;
    case 0:
    case 108: {
      if (caplen < 4) return kShort;
      // DLT_NULL is in the writer's byte order; DLT_LOOP always big-endian. Both use the BSD AF_ values.
      uint32_t af = Be32(b + p);
      if (linkType == 0 && af > 0xffff) af = Le32(b + p);
      ethType = af == 2 ? kEthIpv4 : (af == 24 || af == 28 || af == 30 || af == 10) ? kEthIpv6 : 0;
      p += 4;
      break;
    }
    case 101:
    case 12:
    case 14:
    case 228:
    case 229: {
      if (caplen < 1) return kShort;
      int ver = b[p] >> 4;
      ethType = ver == 4 ? kEthIpv4 : ver == 6 ? kEthIpv6 : 0;
      break;
    }
    default:
      return kNotIp;
  }
  if (ethType == kEthIpv4) return DecodeIpv4(b, p, end, v);
  if (ethType == kEthIpv6) return DecodeIpv6(b, p, end, v);
  return kNotIp;
}


// --- What the JS analyzer's first look at an unknown flow (sniff in analyzer.ts) would find -----------------------
// Each test mirrors one of sniff.ts / half-stream.ts / tls.ts. A segment none of them matches only counts a miss in
// JS, so this code counts it and JS never sees the segment; anything that matches goes to JS.

bool StartsWith(const uint8_t* b, int64_t len, const char* ascii) {
  int64_t n = int64_t(std::strlen(ascii));
  return len >= n && std::memcmp(b, ascii, size_t(n)) == 0;
}

bool StartsMessage(const uint8_t* b, int64_t len) {
  int64_t end = std::min<int64_t>(len, 16);
  for (int64_t i = 0; i < end; i++) {
    uint8_t c = b[i];
    if (c == 0x7b || c == 0x5b) return true;
    if (c != 0x20 && c != 0x09 && c != 0x0d && c != 0x0a) return false;
  }
  return false;
}

bool HasLineStartJson(const uint8_t* b, int64_t len) {
  if (len < 2) return false;
  return memmem(b, size_t(std::min<int64_t>(len, 4096)), "\n{", 2) != nullptr;
}

bool CryptoP2p(const uint8_t* b, int64_t len) {
  if (len >= 24) {
    uint32_t m = Be32(b);
    if ((m == 0xf9beb4d9 || m == 0x0b110907 || m == 0xfabfb5da || m == 0x0a03cf40 || m == 0x1c163f28) &&
        b[4] >= 0x61 && b[4] <= 0x7a)
      return true;
  }
  static const uint8_t kLevin[8] = {0x01, 0x21, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01};
  return len >= 33 && std::memcmp(b, kLevin, 8) == 0;
}

bool StartsHttpOrMessage(const uint8_t* b, int64_t len) {
  return StartsWith(b, len, "POST ") || StartsWith(b, len, "GET ") || StartsWith(b, len, "HTTP/1.") ||
         StartsMessage(b, len);
}

// cryptoP2p of sniff.ts: 1 Bitcoin, 2 Monero, 0 neither.
int CryptoP2pKind(const uint8_t* b, int64_t len) {
  if (len >= 24) {
    uint32_t m = Be32(b);
    if ((m == 0xf9beb4d9 || m == 0x0b110907 || m == 0xfabfb5da || m == 0x0a03cf40 || m == 0x1c163f28) &&
        b[4] >= 0x61 && b[4] <= 0x7a)
      return 1;
  }
  static const uint8_t kLevin[8] = {0x01, 0x21, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01};
  return len >= 33 && std::memcmp(b, kLevin, 8) == 0 ? 2 : 0;
}

bool LooksLikeClientHello(const uint8_t* b, int64_t len) {
  return len >= 6 && b[0] == 0x16 && b[1] == 0x03 && b[5] == 0x01;
}

// tls.ts clientHelloSni on a first segment: 1 with the name in `out` ('' when the hello has none), 0 when JS would
// wait for more bytes or finds it malformed (it then reads the flow itself).
int ClientHelloSni(const uint8_t* b, int64_t len, std::string& out) {
  out.clear();
  if (!LooksLikeClientHello(b, len) || len < 9) return 0;
  const int64_t end = len;
  const int64_t recEnd = std::min<int64_t>(end, 5 + Be16(b + 3));
  int64_t p = 9 + 2 + 32;
  if (p + 1 > recEnd) return 0;
  p += 1 + b[p];
  if (p + 2 > recEnd) return 0;
  p += 2 + Be16(b + p);
  if (p + 1 > recEnd) return 0;
  p += 1 + b[p];
  if (p + 2 > recEnd) return p == recEnd && recEnd < end ? 1 : 0;
  const int64_t extEnd = p + 2 + Be16(b + p);
  p += 2;
  while (p + 4 <= recEnd && p + 4 <= extEnd) {
    const int type = Be16(b + p);
    const int64_t elen = Be16(b + p + 2);
    p += 4;
    if (p + elen > recEnd) return 0;
    if (type == 0 && elen >= 5) {
      const int nameType = b[p + 2];
      const int64_t nlen = Be16(b + p + 3);
      if (nameType != 0 || p + 5 + nlen > p + elen) return 0;
      for (int64_t i = p + 5; i < p + 5 + nlen; i++) {
        const uint8_t c = b[i];
        if (c <= 0x20 || c >= 0x7f) return 0;
        out.push_back(char(c >= 65 && c <= 90 ? c + 32 : c));
      }
      return 1;
    }
    p += elen;
  }
  return p >= extEnd ? 1 : 0;
}

bool SniffFindsSomething(const uint8_t* b, int64_t len) {
  return StartsMessage(b, len) || HasLineStartJson(b, len) || StartsWith(b, len, "POST ") ||
         StartsWith(b, len, "GET ") || StartsWith(b, len, "HTTP/1.") ||
         (len >= 6 && b[0] == 0x16 && b[1] == 0x03 && b[5] == 0x01) || CryptoP2p(b, len);
}

// --- Marks in a TCP payload that spare JS a search (event words 24..29) ------------------------------------------
bool IsJsonSpace(uint8_t c) { return c == 0x20 || c == 0x09 || c == 0x0d || c == 0x0a; }

// out: first and last newline, first and last `"method"` key, and the start and end of the method name that
// jsonrpc.ts findMethod reads after the first key, on the line holding it (-1 for each that is not there).
void PayloadMarks(const uint8_t* b, int64_t len, int32_t* out) {
  for (int i = 0; i < 6; i++) out[i] = -1;
  if (len <= 0) return;
  const uint8_t* end = b + len;
  const auto* nl = static_cast<const uint8_t*>(std::memchr(b, '\n', size_t(len)));
  if (nl) {
    out[0] = int32_t(nl - b);
    out[1] = int32_t(static_cast<const uint8_t*>(memrchr(b, '\n', size_t(len))) - b);
  }
  static const char kKey[] = "\"method\"";
  constexpr size_t kKeyLen = sizeof kKey - 1;
  const auto* key = static_cast<const uint8_t*>(memmem(b, size_t(len), kKey, kKeyLen));
  if (!key) return;
  out[2] = int32_t(key - b);
  const uint8_t* last = key;
  for (const uint8_t* q = key + 1; q < end;) {
    const auto* next = static_cast<const uint8_t*>(memmem(q, size_t(end - q), kKey, kKeyLen));
    if (!next) break;
    last = next;
    q = next + 1;
  }
  out[3] = int32_t(last - b);
  // findMethod on a line [s, e) holding the key: e is the line's newline, where its reads stop (a read at e sees the
  // newline, which is neither ':' nor '"'). A line without a newline in this payload is not handed over from it.
  const auto* lineNl = static_cast<const uint8_t*>(std::memchr(key, '\n', size_t(end - key)));
  const uint8_t* e = lineNl ? lineNl : end;
  const uint8_t* p = key + kKeyLen;
  while (p < e && IsJsonSpace(*p)) p++;
  if (p >= e || *p != ':') return;
  p++;
  while (p < e && IsJsonSpace(*p)) p++;
  if (p >= e || *p != '"') return;
  const uint8_t* start = ++p;
  const uint8_t* stop = std::min(e, start + 64);
  while (p < stop && *p != '"') p++;
  if (p >= stop) return;
  out[4] = int32_t(start - b);
  out[5] = int32_t(p - b);
}

// --- The question name of a DNS message, as parseDns(..., false) in dns.ts reads it --------------------------------
// Returns false when dns.ts returns null (not a DNS message we read).
bool DnsQuestionName(const uint8_t* b, int64_t len, std::string& out, int64_t* afterName = nullptr) {
  if (len < 12) return false;
  uint16_t flags = Be16(b + 2);
  if (Be16(b + 4) != 1 || (flags & 0x7800) != 0) return false;
  out.clear();
  const int64_t end = len;
  int64_t p = 12;
  int64_t after = -1;
  int jumps = 0;
  for (;;) {
    if (p >= end) return false;
    int l = b[p];
    if (l == 0) {
      if (after < 0) after = p + 1;
      break;
    }
    if ((l & 0xc0) == 0xc0) {
      if (p + 1 >= end || ++jumps > 16) return false;
      int64_t target = ((l & 0x3f) << 8) | b[p + 1];
      if (target >= p) return false;
      if (after < 0) after = p + 2;
      p = target;
      continue;
    }
    if ((l & 0xc0) || p + 1 + l > end) return false;
    if (int64_t(out.size()) + l + 1 > 255) return false;
    if (!out.empty()) out.push_back('.');
    for (int64_t i = p + 1; i < p + 1 + l; i++) {
      uint8_t c = b[i];
      if (c > 0x20 && c < 0x7f && c != 0x2e && c != 0x5c) {
        out.push_back(char(c >= 65 && c <= 90 ? c + 32 : c));
      } else {
        char esc[8];
        std::snprintf(esc, sizeof esc, "\\%03u", unsigned(c));
        out.append(esc);
      }
    }
    p += 1 + l;
  }
  if (afterName) *afterName = after;
  return after + 4 <= end;
}

// Where a name at p ends, as dns.ts skipName says (-1 where it does): answer names are only stepped over. The
// length limit counts the text readName would build, escapes included.
int64_t DnsSkipName(const uint8_t* b, int64_t end, int64_t p) {
  int64_t textLen = 0;
  int64_t after = -1;
  int jumps = 0;
  for (;;) {
    if (p >= end) return -1;
    int l = b[p];
    if (l == 0) return after < 0 ? p + 1 : after;
    if ((l & 0xc0) == 0xc0) {
      if (p + 1 >= end || ++jumps > 16) return -1;
      int64_t target = ((l & 0x3f) << 8) | b[p + 1];
      if (target >= p) return -1;
      if (after < 0) after = p + 2;
      p = target;
      continue;
    }
    if ((l & 0xc0) || p + 1 + l > end) return -1;
    if (textLen + l + 1 > 255) return -1;
    int64_t labelLen = 0;
    for (int64_t i = p + 1; i < p + 1 + l; i++) {
      uint8_t c = b[i];
      labelLen += c > 0x20 && c < 0x7f && c != 0x2e && c != 0x5c ? 1 : 4;
    }
    textLen = textLen > 0 ? textLen + 1 + labelLen : labelLen;
    p += 1 + l;
  }
}

// A DNS message about a pool name as dns.ts parseDns reads it, for JS (int32 words at out): id, response (1/0),
// rcode, qtype, the name's length, the number of A and AAAA answers, then per answer its family and four address
// words (an IPv4 address in the first), then the name. `after` is where the question's name ends.
// The A and AAAA answers of a DNS message as dns.ts parseDns reads them (at most 64 records looked at). `after` is
// where the question's name ends.
void DnsAnswers(const uint8_t* b, int64_t len, int64_t after, std::vector<pcapwalk::Addr>& out) {
  out.clear();
  const int an = Be16(b + 6);
  int64_t p = after + 4;
  for (int i = 0; i < an && i < 64; i++) {
    const int64_t next = DnsSkipName(b, len, p);
    if (next < 0 || next + 10 > len) break;
    p = next;
    const int type = Be16(b + p);
    const int64_t rdlen = Be16(b + p + 8);
    p += 10;
    if (p + rdlen > len) break;
    pcapwalk::Addr a;
    if (type == 1 && rdlen == 4) {
      a.family = 4;
      a.w[0] = Be32(b + p);
    } else if (type == 28 && rdlen == 16) {
      a.family = 6;
      for (int k = 0; k < 4; k++) a.w[k] = Be32(b + p + 4 * k);
    }
    if (a.family != 0) out.push_back(a);
    p += rdlen;
  }
}

void DnsEventPayload(const uint8_t* b, int64_t after, const std::string& name,
                     const std::vector<pcapwalk::Addr>& answers, uint8_t* out) {
  const uint16_t flags = Be16(b + 2);
  int32_t head[6] = {Be16(b),          (flags & 0x8000) ? 1 : 0, flags & 0x0f, Be16(b + after), int32_t(name.size()),
                     int32_t(answers.size())};
  uint8_t* at = out + sizeof head;
  for (const auto& a : answers) {
    int32_t w[5] = {a.family, int32_t(a.w[0]), int32_t(a.w[1]), int32_t(a.w[2]), int32_t(a.w[3])};
    std::memcpy(at, w, sizeof w);
    at += sizeof w;
  }
  std::memcpy(out, head, sizeof head);
  std::memcpy(at, name.data(), name.size());
}

struct Iface {
  int64_t linkType;
  uint32_t snaplen;
  double unitsPerMs;
  bool supported;
};

struct Flow {
  int family;
  uint32_t a[4], b[4];
  uint16_t aPort, bPort;
  uint32_t hash;
  uint8_t js = kNative;
  int8_t clientDir = -1;
  // Payload segments whose first bytes showed nothing (analyzer.ts sniff), counted here until JS sees the flow.
  int32_t misses = 0;
  // Index in counting_ while this code counts the flow's lines (JS returned -1), else -1.
  int32_t counting = -1;
  // JS probes the flow as HTTP that is not mining (it returned -2): segments that start no message are skipped.
  bool httpProbe = false;
  // Decided here from its first payload, as JS would have: 1 Bitcoin or 2 Monero P2P, 3 TLS ClientHello read
  // whole (its server name, if any, at sni).
  uint8_t decided = 0;
  int32_t sni = -1;
  bool finished = false;
  double packets = 0, bytes = 0, payloadPackets = 0, firstTime = 0, lastTime = 0;
};

// Flows in fixed blocks that never move: a vector doubling as it grows copies every flow into fresh memory each
// time (about 2.5 MB touched for 12,000 flows instead of 1.2 MB), and each fresh page is a page fault.
class FlowStore {
 public:
  Flow& operator[](size_t i) { return blocks_[i >> kShift][i & kMask]; }
  const Flow& operator[](size_t i) const { return blocks_[i >> kShift][i & kMask]; }
  size_t size() const { return size_; }
  void push_back(const Flow& f) {
    if ((size_ & kMask) == 0) blocks_.emplace_back(new Flow[kBlock]);
    blocks_.back()[size_ & kMask] = f;
    size_++;
  }

 private:
  static constexpr size_t kShift = 10;
  static constexpr size_t kBlock = size_t(1) << kShift;
  static constexpr size_t kMask = kBlock - 1;
  std::vector<std::unique_ptr<Flow[]>> blocks_;
  size_t size_ = 0;
};

uint32_t Imul(uint32_t a, uint32_t b) { return a * b; }

// The same mixing as flow.ts, so a flow's hash (kept by JS) means the same on both paths.
uint32_t MixAddr(const uint32_t* w, uint32_t port) {
  uint32_t h = Imul(w[0] ^ 0x9e3779b9u, 0x85ebca6bu);
  h ^= Imul(w[1] ^ (h >> 15), 0xc2b2ae35u);
  h ^= Imul(w[2] ^ (h >> 13), 0x27d4eb2fu);
  h ^= Imul(w[3] ^ (h >> 16), 0x165667b1u);
  h ^= Imul(port ^ (h >> 15), 0x9e3779b1u);
  return h ^ (h >> 16);
}

bool SameEnds(const Flow& f, const View& v, int dir) {
  if (f.family != v.family) return false;
  if (dir == 0) return std::memcmp(f.a, v.s, 16) == 0 && std::memcmp(f.b, v.d, 16) == 0;
  return std::memcmp(f.a, v.d, 16) == 0 && std::memcmp(f.b, v.s, 16) == 0;
}

class PcapWalk : public Napi::ObjectWrap<PcapWalk> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "PcapWalk",
                       {InstanceMethod("next", &PcapWalk::Next), InstanceMethod("result", &PcapWalk::Result),
                        InstanceMethod("close", &PcapWalk::Close)});
  }

  explicit PcapWalk(const Napi::CallbackInfo& info) : Napi::ObjectWrap<PcapWalk>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 4 || !info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsArrayBuffer() ||
        !info[3].IsFunction()) {
      Napi::TypeError::New(env, "PcapWalk(fd, maxFlows, scratch, onEvent)").ThrowAsJavaScriptException();
      return;
    }
    int fd = info[0].As<Napi::Number>().Int32Value();
    maxFlows_ = info[1].As<Napi::Number>().DoubleValue();
    Napi::ArrayBuffer scratch = info[2].As<Napi::ArrayBuffer>();
    // Room for the sums of counted lines with two held lines (pcap_walk_lines.h kMaxPart) as well.
    if (scratch.ByteLength() < kEventHeader + 256 * 1024) {
      Napi::RangeError::New(env, "PcapWalk scratch is too small").ThrowAsJavaScriptException();
      return;
    }
    // Known JSON-RPC method names and their flags, "flags:name" per line (native-walk.ts nativeMethodTable).
    batch_ = info.Length() > 5 && info[5].IsNumber() && info[5].As<Napi::Number>().Int32Value() == 1;
    if (info.Length() > 4 && info[4].IsString()) {
      const std::string table = info[4].As<Napi::String>().Utf8Value();
      size_t at = 0;
      while (at < table.size()) {
        size_t nl = table.find('\n', at);
        if (nl == std::string::npos) nl = table.size();
        const size_t colon = table.find(':', at);
        if (colon != std::string::npos && colon < nl)
          known_.push_back({table.substr(colon + 1, nl - colon - 1), int32_t(std::strtol(table.c_str() + at, nullptr, 10))});
        at = nl + 1;
      }
    }
    scratchRef_ = Napi::Persistent(scratch);
    scratch_ = static_cast<uint8_t*>(scratch.Data());
    scratchBytes_ = scratch.ByteLength();
    onEvent_ = Napi::Persistent(info[3].As<Napi::Function>());
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      Napi::Error::New(env, "PcapWalk needs a regular file").ThrowAsJavaScriptException();
      return;
    }
    // Unknown until the reads reach the end: a file still being written is read as far as it goes, as the JS
    // reader does.
    size_ = UINT64_MAX / 2;
    // Reads, not a mapping: a file cut short while it is read must end the walk like a truncated file, where a
    // mapping would fault (SIGBUS) on the pages that went away.
    fd_ = dup(fd);
    if (fd_ < 0) {
      Napi::Error::New(env, std::string("dup: ") + std::strerror(errno)).ThrowAsJavaScriptException();
      return;
    }
    posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
    win_.resize(kChunk);
    slots_.assign(1024, 0);
    mask_ = 1023;
  }

  ~PcapWalk() override { CloseFile(); }

 private:
  // --- input: a window of the file, [winStart_, winEnd_) in win_ ---
  int fd_ = -1;
  std::vector<uint8_t> win_;
  uint64_t winStart_ = 0;
  uint64_t winEnd_ = 0;
  int readErrno_ = 0;
  // --- walk state (records.ts) ---
  uint64_t size_ = 0;
  uint64_t pos_ = 0;
  uint64_t needed_ = 24;
  int format_ = kUnknown;
  bool le_ = true;
  bool nano_ = false;
  int64_t linkType_ = 0;
  bool linkSupported_ = true;
  std::vector<Iface> ifaces_;
  double lastTime_ = 0;
  bool ended_ = false;
  bool failed_ = false;
  uint64_t errorOffset_ = 0;
  std::string error_;
  // Record stats.
  double packets_ = 0, malformed_ = 0, zeroLength_ = 0, otherBlocks_ = 0, bytes_ = 0;
  std::vector<std::pair<int64_t, double>> unsupported_;
  // --- analyzer counters and flow table (analyzer.ts, flow.ts) ---
  double wPackets_ = 0, notIp_ = 0, short_ = 0, fragments_ = 0, tcpPackets_ = 0, udpPackets_ = 0, dnsMessages_ = 0;
  std::string name_;
  std::unordered_map<std::string, bool> poolNames_;
  double maxFlows_ = 100000;
  bool overflow_ = false;
  FlowStore flows_;
  std::vector<int32_t> slots_;
  uint32_t mask_ = 0;
  int32_t last_ = -1;
  View v_;
  // --- hand-over to JS ---
  Napi::Reference<Napi::ArrayBuffer> scratchRef_;
  uint8_t* scratch_ = nullptr;
  size_t scratchBytes_ = 0;
  Napi::FunctionReference onEvent_;
  napi_env env_ = nullptr;
  bool jsFailed_ = false;
  // --- lines of mining flows counted here (pcap_walk_lines.h) ---
  std::vector<pcapwalk::KnownMethod> known_;
  std::vector<pcapwalk::Counting> counting_;
  pcapwalk::HttpSegment http_;
  std::vector<pcapwalk::LineCount> lines_;
  std::string joined_;
  bool countsHandedOver_ = false;
  // No finding is reported as it happens (JS said so): flows may be decided here (DecideHere).
  bool batch_ = false;
  std::vector<std::string> snis_;
  std::vector<pcapwalk::Addr> answers_;
  pcapwalk::DnsTally dns_;

  void CloseFile() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

  const uint8_t* P(uint64_t at) const { return win_.data() + (at - winStart_); }
  uint32_t U32(uint64_t at) const { return le_ ? Le32(P(at)) : Be32(P(at)); }
  uint16_t U16(uint64_t at) const { return le_ ? Le16(P(at)) : Be16(P(at)); }

  // Makes [pos_, pos_ + n) readable, n clipped to the file. A file that turns out shorter than it was (cut while
  // read) ends where the reads end; a read error ends the walk and is reported.
  void Fill(uint64_t n) {
    uint64_t want = pos_ + std::min(n, size_ - pos_);
    if (want <= winEnd_) return;
    if (want - winStart_ > win_.size()) {
      // Keep only the unread bytes, at the front; grow for a record larger than the window.
      size_t keep = size_t(winEnd_ - pos_);
      std::memmove(win_.data(), win_.data() + (pos_ - winStart_), keep);
      winStart_ = pos_;
      if (want - winStart_ > win_.size()) win_.resize(size_t(want - winStart_));
    }
    while (winEnd_ < want) {
      size_t room = win_.size() - size_t(winEnd_ - winStart_);
      ssize_t r = pread(fd_, win_.data() + (winEnd_ - winStart_), room, off_t(winEnd_));
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) {
        readErrno_ = errno;
        ended_ = true;
        size_ = winEnd_;
        return;
      }
      if (r == 0) {
        size_ = winEnd_;
        return;
      }
      winEnd_ += uint64_t(r);
    }
  }

  void Fail(uint64_t offset, std::string msg) {
    failed_ = true;
    ended_ = true;
    errorOffset_ = offset;
    error_ = std::move(msg);
  }

  void CountUnsupported(int64_t link) {
    for (auto& e : unsupported_)
      if (e.first == link) {
        e.second++;
        return;
      }
    unsupported_.emplace_back(link, 1);
  }

  // Events -------------------------------------------------------------------------------------------------------
  // Writes the event header; the payload follows at kEventHeader when it fits.
  void Header(int kind, int32_t w1, int dir, int flags, uint32_t seq, int64_t len, double payloadPackets,
              int clientDir, bool first, int family, uint32_t ports, double time, double firstTime,
              const uint32_t* a, const uint32_t* b) {
    int32_t w[12] = {kind,          w1, dir, flags, int32_t(seq), int32_t(len), int32_t(payloadPackets),
                     clientDir,     first ? 1 : 0,  family, int32_t(ports), 0};
    std::memcpy(scratch_, w, sizeof w);
    std::memcpy(scratch_ + 48, &time, 8);
    std::memcpy(scratch_ + 56, &firstTime, 8);
    std::memcpy(scratch_ + 64, a, 16);
    std::memcpy(scratch_ + 80, b, 16);
  }

  // Calls onEvent with the payload `data` of `len` bytes (null: already in the scratch); returns its number (0 when
  // JS threw: the walk ends).
  double Emit(const uint8_t* data, int64_t len) {
    Napi::Env env(env_);
    Napi::HandleScope scope(env);
    Napi::Value r;
    if (data == nullptr) {
      r = onEvent_.Call({});
    } else if (kEventHeader + uint64_t(len) <= scratchBytes_) {
      std::memcpy(scratch_ + kEventHeader, data, size_t(len));
      r = onEvent_.Call({});
    } else {
      r = onEvent_.Call({Napi::Buffer<uint8_t>::Copy(env, data, size_t(len))});
    }
    if (env.IsExceptionPending() || r.IsEmpty()) {
      jsFailed_ = true;
      ended_ = true;
      return 0;
    }
    return r.IsNumber() ? r.As<Napi::Number>().DoubleValue() : 0;
  }

  // Whether a DNS question name is on the pool lists: JS answers once per name (the lists live there).
  bool IsPoolName(const std::string& name) {
    if (name.empty()) return false;
    auto it = poolNames_.find(name);
    if (it != poolNames_.end()) return it->second;
    static const uint32_t kZero[4] = {0, 0, 0, 0};
    Header(kEvName, 0, 0, 0, 0, int64_t(name.size()), 0, -1, false, 0, 0, 0, 0, kZero, kZero);
    bool pool = Emit(reinterpret_cast<const uint8_t*>(name.data()), int64_t(name.size())) == 1;
    if (ended_) return false;
    // Bounded like the JS caches: a capture of random names must not grow memory without end.
    if (poolNames_.size() >= 65536) poolNames_.clear();
    poolNames_.emplace(name, pool);
    return pool;
  }

  // Packets -------------------------------------------------------------------------------------------------------
  void OnPacket(uint64_t off, int64_t caplen, double time, int64_t linkType) {
    wPackets_++;
    View& v = v_;
    const uint8_t* pkt = P(off);
    int r = DecodePacket(pkt, 0, caplen, linkType, v);
    if (r != kL4) {
      if (r == kNotIp)
        notIp_++;
      else if (r == kIpOnly) {
        if (v.fragment) fragments_++;
      } else
        short_++;
      return;
    }
    if (v.proto == 6) {
      tcpPackets_++;
      Tcp(pkt, time);
    } else if (v.proto == 17) {
      udpPackets_++;
      if ((v.sport == 53 || v.dport == 53) && v.payloadLen > 0 && !ended_) {
        // The JS analyzer counts every message whose question parses and reads on only for pool names.
        int64_t after = 0;
        if (!DnsQuestionName(pkt + v.payloadOff, v.payloadLen, name_, &after)) return;
        dnsMessages_++;
        if (!IsPoolName(name_) || ended_) return;
        // Read here as JS would read it; tallied here too unless JS reports findings as they happen.
        DnsAnswers(pkt + v.payloadOff, v.payloadLen, after, answers_);
        const bool response = (Be16(pkt + v.payloadOff + 2) & 0x8000) != 0;
        if (batch_) {
          pcapwalk::Addr src, dst;
          src.family = dst.family = v.family;
          std::memcpy(src.w, v.s, 16);
          std::memcpy(dst.w, v.d, 16);
          dns_.Observe(name_, response, src, dst, time, answers_);
          return;
        }
        // At most 64 answers of 20 bytes and the name: it fits.
        Header(kEvDns, v.family, 0, 0, 0, v.payloadLen, 0, -1, false, v.family, 0, time, 0, v.s, v.d);
        DnsEventPayload(pkt + v.payloadOff, after, name_, answers_, scratch_ + kEventHeader);
        Emit(nullptr, 0);
      }
    }
  }

  int32_t Find(int& dir, bool& created) {
    const View& v = v_;
    created = false;
    if (last_ >= 0) {
      const Flow& f = flows_[size_t(last_)];
      if (f.aPort == v.sport && f.bPort == v.dport && SameEnds(f, v, 0)) {
        dir = 0;
        return last_;
      }
      if (f.aPort == v.dport && f.bPort == v.sport && SameEnds(f, v, 1)) {
        dir = 1;
        return last_;
      }
    }
    uint32_t h = ((MixAddr(v.s, v.sport) + MixAddr(v.d, v.dport)) ^ uint32_t(v.family)) & 0x3fffffffu;
    uint32_t i = h & mask_;
    for (int32_t n = slots_[i]; n != 0; n = slots_[i]) {
      const Flow& f = flows_[size_t(n - 1)];
      if (f.hash == h) {
        if (f.aPort == v.sport && f.bPort == v.dport && SameEnds(f, v, 0)) {
          dir = 0;
          return last_ = n - 1;
        }
        if (f.aPort == v.dport && f.bPort == v.sport && SameEnds(f, v, 1)) {
          dir = 1;
          return last_ = n - 1;
        }
      }
      i = (i + 1) & mask_;
    }
    Flow f;
    f.family = v.family;
    std::memcpy(f.a, v.s, 16);
    std::memcpy(f.b, v.d, 16);
    f.aPort = v.sport;
    f.bPort = v.dport;
    f.hash = h;
    flows_.push_back(f);
    slots_[i] = int32_t(flows_.size());
    if (flows_.size() * 2 > mask_) Rebuild((mask_ + 1) * 2);
    dir = 0;
    created = true;
    return last_ = int32_t(flows_.size() - 1);
  }

  void Rebuild(uint32_t capacity) {
    std::vector<int32_t> slots(capacity, 0);
    uint32_t mask = capacity - 1;
    for (size_t k = 0; k < flows_.size(); k++) {
      uint32_t i = flows_[k].hash & mask;
      while (slots[i] != 0) i = (i + 1) & mask;
      slots[i] = int32_t(k + 1);
    }
    slots_.swap(slots);
    mask_ = mask;
  }

  void Tcp(const uint8_t* pkt, double time) {
    const View& v = v_;
    int dir = 0;
    bool created = false;
    int32_t id = Find(dir, created);
    if (created) {
      // JS sweeps its table past this bound, closing flows out early; that is not mirrored here, so the caller
      // runs the JS path instead.
      if (double(flows_.size()) > maxFlows_) {
        overflow_ = true;
        ended_ = true;
        return;
      }
      flows_[size_t(id)].firstTime = time;
    }
    Flow& f = flows_[size_t(id)];
    f.packets++;
    f.bytes += double(v.payloadLen);
    f.lastTime = time;
    const uint8_t flags = v.flags;
    if (flags & (kFin | kRst)) f.finished = true;
    if (v.payloadLen > 0) f.payloadPackets++;
    if (f.js == kInspected ? (v.payloadLen == 0 && !(flags & kSyn)) : (f.js == kDone || v.payloadLen == 0)) {
      // Not JS's concern: only the client side may change (the SYN rules of analyzer.ts).
      if ((flags & (kSyn | kAck)) == kSyn)
        f.clientDir = int8_t(dir);
      else if ((flags & (kSyn | kAck)) == (kSyn | kAck) && f.clientDir < 0)
        f.clientDir = int8_t(dir ^ 1);
      return;
    }
    if (ended_) return;
    if (f.counting >= 0 && CountHere(id, f, dir, pkt + v.payloadOff, v.payloadLen, flags, v.seq)) return;
    // analyzer.ts http() on a probed flow: a segment with no HTTP head and no JSON start does nothing, nor does a
    // plain response head, until the probe limit, where JS gives up on the flow.
    if (f.httpProbe && !(flags & kSyn) && f.payloadPackets <= kMaxRpcProbe &&
        (!StartsHttpOrMessage(pkt + v.payloadOff, v.payloadLen) ||
         pcapwalk::HttpResponseDoesNothing(pkt + v.payloadOff, size_t(v.payloadLen), http_)))
      return;
    if (f.counting >= 0 && counting_[size_t(f.counting)].Pending()) {
      // JS reads this segment itself: the sums of the lines before it first.
      HandOverSums(id, false);
      if (ended_ || flows_[size_t(id)].js == kDone) return;
    }
    const bool first = f.js == kNative;
    if (first && batch_ && DecideHere(f, dir, flags, pkt + v.payloadOff, v.payloadLen)) return;
    if (first && !SniffFindsSomething(pkt + v.payloadOff, v.payloadLen)) {
      // JS would only count a miss (and stop looking at the sixth): do that here.
      if ((flags & (kSyn | kAck)) == kSyn)
        f.clientDir = int8_t(dir);
      else if ((flags & (kSyn | kAck)) == (kSyn | kAck) && f.clientDir < 0)
        f.clientDir = int8_t(dir ^ 1);
      if (++f.misses >= kMaxMisses) f.js = kDone;
      return;
    }
    f.js = kInspected;
    Header(kEvTcp, id, dir, flags, v.seq, v.payloadLen, f.payloadPackets, f.clientDir, first, f.family,
           uint32_t(f.aPort) | (uint32_t(f.bPort) << 16), time, f.firstTime, f.a, f.b);
    if (first) std::memcpy(scratch_ + 44, &f.misses, 4);
    const uint8_t* payload = pkt + v.payloadOff;
    int32_t marks[6];
    PayloadMarks(payload, v.payloadLen, marks);
    std::memcpy(scratch_ + 96, marks, sizeof marks);
    TakeAnswer(id, Emit(payload, v.payloadLen));
  }

  // first-payload.ts on a flow's first payload that is P2P or a ClientHello whole in one segment: JS would read it,
  // set what it learned and look no further, so this code does that (the SYN rules first, as segment() applies
  // them). False for everything else.
  bool DecideHere(Flow& f, int dir, uint8_t flags, const uint8_t* p, int64_t len) {
    if (StartsMessage(p, len) || HasLineStartJson(p, len) || StartsWith(p, len, "POST ") ||
        StartsWith(p, len, "GET ") || StartsWith(p, len, "HTTP/1."))
      return false;
    int kind = 0;
    if (LooksLikeClientHello(p, len)) {
      if (ClientHelloSni(p, len, name_) == 0) return false;
      kind = 3;
    } else {
      kind = CryptoP2pKind(p, len);
      if (kind == 0) return false;
    }
    if ((flags & (kSyn | kAck)) == kSyn)
      f.clientDir = int8_t(dir);
    else if ((flags & (kSyn | kAck)) == (kSyn | kAck) && f.clientDir < 0)
      f.clientDir = int8_t(dir ^ 1);
    if (kind == 3) {
      if (f.clientDir < 0) f.clientDir = int8_t(dir);
      if (!name_.empty()) {
        f.sni = int32_t(snis_.size());
        snis_.push_back(name_);
      }
    }
    f.decided = uint8_t(kind);
    f.js = kDone;
    return true;
  }

  // What JS answered about a flow's segment or sums: 0 keep handing over, 2 + client direction done, -1 count its
  // lines here from now on (how its streams stand is in the scratch at kCountingState), -2 an HTTP probe.
  void TakeAnswer(int32_t id, double r) {
    Flow& g = flows_[size_t(id)];
    g.httpProbe = r == -2;
    if (r >= 1) {
      g.js = kDone;
      g.clientDir = int8_t(r - 2);
      g.counting = -1;
      return;
    }
    if (r != -1 || ended_) {
      g.counting = -1;
      return;
    }
    if (g.counting < 0) {
      g.counting = int32_t(counting_.size());
      counting_.emplace_back();
      counting_.back().flow = id;
    }
    pcapwalk::Counting& c = counting_[size_t(g.counting)];
    int32_t w[6];
    std::memcpy(w, scratch_ + kCountingState, sizeof w);
    c.messages = w[0];
    c.tell = w[1];
    for (int d = 0; d < 2; d++) {
      c.clean[d] = w[2 + 2 * d] == 1;
      c.fresh[d] = w[2 + 2 * d] == 2;
      c.next[d] = uint32_t(w[3 + 2 * d]);
    }
  }

  // Hands the sums of flow `id`'s counted lines to JS (event kind 5; w2 1 when the flow reached the inspection
  // limit with them); JS answers as for a segment.
  void HandOverSums(int32_t id, bool done) {
    pcapwalk::Counting& c = counting_[size_t(flows_[size_t(id)].counting)];
    int32_t w[12] = {kEvCounts, id, done ? 1 : 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    std::memcpy(scratch_, w, sizeof w);
    // Bounded by kMaxLinesHere lines of at most 64-byte names past fewer than kMaxInspected messages, and two held
    // lines of at most kMaxPart: it fits the 256 KiB the constructor asks for.
    pcapwalk::WriteSums(c, scratch_ + kEventHeader, scratchBytes_ - kEventHeader);
    c.Reset();
    TakeAnswer(id, Emit(nullptr, 0));
  }

  // At the end of the walk: the sums of flows still counted here.
  void HandOverAllSums() {
    for (size_t k = 0; k < counting_.size() && !jsFailed_; k++) {
      const int32_t id = counting_[k].flow;
      if (flows_[size_t(id)].counting == int32_t(k) && counting_[k].Pending()) HandOverSums(id, false);
    }
  }

  // Counts a segment of a flow JS let this code count, when it is plain: in order at a line start, whole lines, no
  // SYN, none JS must read. Returns false (nothing changed) otherwise.
  bool CountHere(int32_t id, Flow& f, int dir, const uint8_t* p, int64_t len, uint8_t flags, uint32_t seq) {
    pcapwalk::Counting& c = counting_[size_t(f.counting)];
    if ((flags & kSyn) || len <= 0) return false;
    if (c.tell & pcapwalk::kHttpFlow) {
      // analyzer.ts http(): each segment on its own (pcap_walk_http.h); the names held stay bounded.
      if (c.methods.size() >= pcapwalk::kMaxHttpNames) return false;
      if (!pcapwalk::CountHttpSegment(known_, c.tell, p, size_t(len), http_)) return false;
      pcapwalk::AddHttpSegment(c, dir, http_);
      if (c.messages + c.added >= pcapwalk::kMaxInspected) HandOverSums(id, true);
      return true;
    }
    // half-stream.ts push(): a segment wholly before what the stream expects (a retransmission) changes nothing, and
    // nothing else JS does with a mining flow's segment depends on it.
    if (!c.fresh[dir] && c.clean[dir]) {
      const int64_t diff = int32_t(seq - c.next[dir]);
      if (diff < 0 && diff + len <= 0) return true;
    }
    // half-stream.ts push(): a stream's first segment (no SYN) is read from its start when it starts a message.
    if (c.fresh[dir] ? !StartsMessage(p, len) : !c.clean[dir] || seq != c.next[dir]) return false;
    std::string& part = c.part[dir];
    // Bounded so a line is never cut (MAX_LINE_BYTES) and the sums fit the scratch.
    if (part.size() + size_t(len) > pcapwalk::kMaxPart) return false;
    lines_.clear();
    const uint8_t* end = p + len;
    const uint8_t* s = p;
    bool joinsPart = false;
    if (!part.empty()) {
      // deliver(): the line held from earlier segments ends at this segment's first newline.
      const auto* nl = static_cast<const uint8_t*>(std::memchr(p, '\n', size_t(len)));
      if (nl) {
        joined_.assign(part);
        joined_.append(reinterpret_cast<const char*>(p), size_t(nl - p));
        const auto* j = reinterpret_cast<const uint8_t*>(joined_.data());
        lines_.emplace_back();
        if (!pcapwalk::CountLine(known_, c.tell, j, j + joined_.size(), lines_.back())) return false;
        s = nl + 1;
      } else {
        s = end;
        joinsPart = true;
      }
    }
    const uint8_t* tail = end;
    while (s < end) {
      const auto* nl = static_cast<const uint8_t*>(std::memchr(s, '\n', size_t(end - s)));
      if (!nl) {
        tail = s;
        break;
      }
      if (nl > s) {
        if (lines_.size() >= pcapwalk::kMaxLinesHere) return false;
        lines_.emplace_back();
        if (!pcapwalk::CountLine(known_, c.tell, s, nl, lines_.back())) return false;
      }
      s = nl + 1;
    }
    c.next[dir] = seq + uint32_t(len);
    c.moved[dir] = true;
    c.clean[dir] = true;
    c.fresh[dir] = false;
    for (const auto& l : lines_) pcapwalk::AddLine(c, dir, l);
    // What follows the last newline waits for the next segment (all of it when there was none).
    if (joinsPart)
      part.append(reinterpret_cast<const char*>(p), size_t(len));
    else
      part.assign(reinterpret_cast<const char*>(tail), size_t(end - tail));
    // json() in analyzer.ts: a mining flow that reached the inspection limit is done after this segment.
    if (c.messages + c.added >= pcapwalk::kMaxInspected) HandOverSums(id, true);
    return true;
  }

  // Records -------------------------------------------------------------------------------------------------------
  void Detect() {
    Fill(24);
    if (size_ - pos_ < 4) {
      ended_ = true;
      return;
    }
    uint32_t be = Be32(P(pos_));
    uint32_t le = Le32(P(pos_));
    if (be == kShb) {
      format_ = kPcapng;
      needed_ = 12;
      return;
    }
    uint32_t magic = 0;
    if (le == kPcapMicro || le == kPcapNano) {
      le_ = true;
      magic = le;
    } else if (be == kPcapMicro || be == kPcapNano) {
      le_ = false;
      magic = be;
    } else {
      char hex[16];
      std::snprintf(hex, sizeof hex, "%08x", be);
      Fail(pos_, std::string("not a pcap or pcapng file (magic 0x") + hex +
                     "; expected a1b2c3d4, a1b23c4d or 0a0d0d0a)");
      return;
    }
    if (size_ - pos_ < 24) {
      needed_ = 24;
      ended_ = true;
      return;
    }
    format_ = kPcap;
    nano_ = magic == kPcapNano;
    // The upper bits of the link-type field carry FCS flags on some writers.
    linkType_ = int64_t(U32(pos_ + 20) & 0x0fffffffu);
    linkSupported_ = SupportedLink(linkType_);
    needed_ = 16;
    pos_ += 24;
  }

  // One pcap record; false when the input ends before it does.
  bool PcapRecord() {
    Fill(16);
    if (size_ - pos_ < 16) {
      needed_ = 16;
      return false;
    }
    uint64_t incl = U32(pos_ + 8);
    if (incl > kMaxRecord) {
      Fail(pos_, "packet record claims " + std::to_string(incl) + " captured bytes (limit " +
                     std::to_string(kMaxRecord) + "); the file is corrupt");
      return false;
    }
    Fill(16 + incl);
    if (size_ - pos_ < 16 + incl) {
      needed_ = 16 + incl;
      return false;
    }
    bytes_ += double(16 + incl);
    if (incl == 0)
      zeroLength_++;
    else if (!linkSupported_)
      CountUnsupported(linkType_);
    else {
      packets_++;
      double time = double(U32(pos_)) * 1000 + double(U32(pos_ + 4)) / (nano_ ? 1e6 : 1e3);
      OnPacket(pos_ + 16, int64_t(incl), time, linkType_);
    }
    pos_ += 16 + incl;
    needed_ = 16;
    return true;
  }

  bool PcapngBlock() {
    Fill(12);
    if (size_ - pos_ < 12) {
      needed_ = 12;
      return false;
    }
    uint32_t typeBE = Be32(P(pos_));
    if (typeBE == kShb) {
      // Each section states its own byte order, so read it before trusting the length.
      if (Le32(P(pos_ + 8)) == kBom)
        le_ = true;
      else if (Be32(P(pos_ + 8)) == kBom)
        le_ = false;
      else {
        Fail(pos_, "pcapng section header has no valid byte-order magic");
        return false;
      }
    }
    uint32_t type = le_ ? Le32(P(pos_)) : typeBE;
    uint64_t len = U32(pos_ + 4);
    if (len < 12 || len % 4 != 0) {
      Fail(pos_, "pcapng block length " + std::to_string(len) + " is not a multiple of 4 of at least 12");
      return false;
    }
    if (len > kMaxRecord) {
      Fail(pos_, "pcapng block length " + std::to_string(len) + " exceeds the limit of " +
                     std::to_string(kMaxRecord) + " bytes");
      return false;
    }
    Fill(len);
    if (size_ - pos_ < len) {
      needed_ = len;
      return false;
    }
    uint64_t trailer = U32(pos_ + len - 4);
    if (trailer != len) {
      Fail(pos_, "pcapng block length " + std::to_string(len) + " does not match its trailing copy " +
                     std::to_string(trailer));
      return false;
    }
    bytes_ += double(len);
    if (typeBE == kShb)
      ifaces_.clear();
    else if (type == kEpb)
      Epb(pos_, len, false);
    else if (type == kPbObsolete)
      Epb(pos_, len, true);
    else if (type == kSpb)
      Spb(pos_, len);
    else if (type == kIdb)
      Idb(pos_, len);
    else
      otherBlocks_++;
    pos_ += len;
    needed_ = 12;
    return true;
  }

  void Idb(uint64_t pos, uint64_t len) {
    if (len < 20) {
      malformed_++;
      ifaces_.push_back({-1, 0, 1000, false});
      return;
    }
    int64_t linkType = U16(pos + 8);
    uint32_t snaplen = U32(pos + 12);
    double unitsPerMs = 1000;
    // Options: code(2) length(2) value padded to 4; if_tsresol (9) changes the timestamp unit.
    uint64_t o = pos + 16;
    uint64_t optEnd = pos + len - 4;
    while (optEnd >= o && optEnd - o >= 4) {
      uint32_t code = U16(o);
      uint32_t olen = U16(o + 2);
      if (code == 0 || o + 4 + olen > optEnd) break;
      if (code == 9 && olen >= 1) {
        int r = *P(o + 4);
        int exp = r & 0x7f;
        double perSec = (r & 0x80) ? std::ldexp(1.0, exp) : std::pow(10.0, exp);
        if (std::isfinite(perSec) && perSec > 0) unitsPerMs = perSec / 1000;
      }
      o += 4 + ((uint64_t(olen) + 3) & ~uint64_t(3));
    }
    ifaces_.push_back({linkType, snaplen, unitsPerMs, SupportedLink(linkType)});
  }

  void Epb(uint64_t pos, uint64_t len, bool obsolete) {
    if (len < 32) {
      malformed_++;
      return;
    }
    uint64_t ifId = obsolete ? U16(pos + 8) : U32(pos + 8);
    uint64_t caplen = U32(pos + 20);
    if (ifId >= ifaces_.size() || caplen > len - 32) {
      malformed_++;
      return;
    }
    const Iface& iface = ifaces_[ifId];
    if (caplen == 0) {
      zeroLength_++;
      return;
    }
    if (!iface.supported) {
      CountUnsupported(iface.linkType);
      return;
    }
    double ts = double(U32(pos + 12)) * 4294967296.0 + double(U32(pos + 16));
    lastTime_ = ts / iface.unitsPerMs;
    packets_++;
    OnPacket(pos + 28, int64_t(caplen), lastTime_, iface.linkType);
  }

  void Spb(uint64_t pos, uint64_t len) {
    if (ifaces_.empty() || len < 16) {
      malformed_++;
      return;
    }
    const Iface& iface = ifaces_[0];
    uint64_t orig = U32(pos + 8);
    uint64_t caplen = std::min(orig, len - 16);
    if (iface.snaplen > 0) caplen = std::min(caplen, uint64_t(iface.snaplen));
    if (caplen == 0) {
      zeroLength_++;
      return;
    }
    if (!iface.supported) {
      CountUnsupported(iface.linkType);
      return;
    }
    packets_++;
    // A simple packet block has no timestamp: the previous packet's keeps detection on packet time, not the clock.
    OnPacket(pos + 12, int64_t(caplen), lastTime_, iface.linkType);
  }

  // JS methods ----------------------------------------------------------------------------------------------------
  Napi::Value Next(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    env_ = env;
    double budget = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : 1e18;
    if (fd_ < 0) ended_ = true;
    if (!ended_ && format_ == kUnknown) Detect();
    const uint64_t stop = pos_ + uint64_t(std::max(1.0, std::min(budget, 1e18)));
    while (!ended_ && pos_ < stop) {
      bool more = format_ == kPcap ? PcapRecord() : PcapngBlock();
      if (!more) ended_ = true;
    }
    if (ended_) {
      CloseFile();
      if (!overflow_ && !jsFailed_ && !countsHandedOver_) {
        countsHandedOver_ = true;
        HandOverAllSums();
      }
    }
    // An exception thrown by onEvent stays pending and reaches the caller of next().
    if (jsFailed_) return env.Undefined();
    return Napi::Boolean::New(env, !ended_);
  }

  Napi::Value Result(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    o.Set("format", format_ == kPcap ? (nano_ ? "pcap (ns)" : "pcap") : format_ == kPcapng ? "pcapng" : "unknown");
    o.Set("end", double(pos_));
    o.Set("size", double(size_));
    o.Set("needed", double(needed_));
    o.Set("overflow", overflow_);
    if (readErrno_ != 0) o.Set("readErrno", readErrno_);
    if (failed_) {
      o.Set("errorOffset", double(errorOffset_));
      o.Set("error", error_);
    }
    o.Set("packets", packets_);
    o.Set("malformed", malformed_);
    o.Set("zeroLength", zeroLength_);
    o.Set("otherBlocks", otherBlocks_);
    o.Set("bytes", bytes_);
    Napi::Float64Array un = Napi::Float64Array::New(env, unsupported_.size() * 2);
    for (size_t i = 0; i < unsupported_.size(); i++) {
      un[2 * i] = double(unsupported_[i].first);
      un[2 * i + 1] = unsupported_[i].second;
    }
    o.Set("unsupportedLink", un);
    o.Set("wirePackets", wPackets_);
    o.Set("notIp", notIp_);
    o.Set("short", short_);
    o.Set("fragments", fragments_);
    o.Set("tcpPackets", tcpPackets_);
    o.Set("udpPackets", udpPackets_);
    o.Set("dnsMessages", dnsMessages_);
    // The pool-name DNS tally (batch walks; see pcap_walk_dns.h): per entry 95 numbers (client family and words,
    // resolver family and words, queries, responses, first and last time, number of addresses, then 16 addresses
    // of 5 numbers: family and words), names joined by newlines; per resolved address its family, words and entry.
    const auto& entries = dns_.entries();
    Napi::Float64Array dq = Napi::Float64Array::New(env, entries.size() * 95);
    std::string dnsNames;
    double* d = dq.Data();
    for (const auto& e : entries) {
      double* x = d;
      *x++ = e.client.family;
      for (uint32_t w : e.client.w) *x++ = w;
      *x++ = e.server.family;
      for (uint32_t w : e.server.w) *x++ = w;
      *x++ = e.queries;
      *x++ = e.responses;
      *x++ = e.firstTime;
      *x++ = e.lastTime;
      *x++ = double(e.addresses.size());
      for (const auto& a : e.addresses) {
        *x++ = a.family;
        for (uint32_t w : a.w) *x++ = w;
      }
      d += 95;
      dnsNames += e.name;
      dnsNames.push_back('\n');
    }
    o.Set("dnsQueries", dq);
    o.Set("dnsNames", dnsNames);
    const auto& resolved = dns_.resolved();
    Napi::Float64Array dr = Napi::Float64Array::New(env, resolved.size() * 6);
    double* r = dr.Data();
    for (const auto& [a, entry] : resolved) {
      *r++ = a.family;
      for (uint32_t w : a.w) *r++ = w;
      *r++ = double(entry);
    }
    o.Set("dnsResolved", dr);
    o.Set("dnsDropped", dns_.dropped());
    // Per flow (9 numbers): packets, payload bytes, payload packets, first and last time, finished, client
    // direction (meaningful unless JS still inspects the flow: 2 when it does), misses counted here (-1 when JS saw
    // the flow's payload and counts its own), what DecideHere decided (0 nothing, 1 Bitcoin, 2 Monero, 3 TLS) plus
    // 4 * (1 + the index of its server name in serverNames) when it read one.
    Napi::Float64Array fl = Napi::Float64Array::New(env, flows_.size() * 9);
    // Per flow (10 words): family, a0..a3, b0..b3, aPort | bPort << 16.
    Napi::Int32Array ends = Napi::Int32Array::New(env, flows_.size() * 10);
    double* p = fl.Data();
    int32_t* q = ends.Data();
    for (size_t k = 0; k < flows_.size(); k++) {
      const Flow& f = flows_[k];
      *p++ = f.packets;
      *p++ = f.bytes;
      *p++ = f.payloadPackets;
      *p++ = f.firstTime;
      *p++ = f.lastTime;
      *p++ = f.finished ? 1 : 0;
      *p++ = f.js == kInspected ? 2 : f.clientDir;
      *p++ = f.js == kNative || f.misses >= kMaxMisses || f.decided ? f.misses : -1;
      *p++ = f.decided + (f.sni >= 0 ? 4 * (f.sni + 1) : 0);
      *q++ = f.family;
      std::memcpy(q, f.a, 16);
      std::memcpy(q + 4, f.b, 16);
      q += 8;
      *q++ = int32_t(uint32_t(f.aPort) | (uint32_t(f.bPort) << 16));
    }
    o.Set("flowEnds", ends);
    // Server names of the TLS flows decided here, by index (flows' ninth number / 4 - 1).
    std::string names;
    for (const auto& n : snis_) {
      names += n;
      names.push_back('\n');
    }
    o.Set("serverNames", names);
    o.Set("flows", fl);
    return o;
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    CloseFile();
    ended_ = true;
    return info.Env().Undefined();
  }
};

Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  exports.Set("PcapWalk", PcapWalk::Init(env));
  exports.Set("isoTimes", Napi::Function::New(env, pcapwalk::IsoTimes, "isoTimes"));
  exports.Set("findingIds", Napi::Function::New(env, pcapwalk::FindingIds, "findingIds"));
  exports.Set("abiVersion", Napi::Number::New(env, 6));
  return exports;
}

}  // namespace

NODE_API_MODULE(pcap_walk, InitModule)
