// Counting the segments of a recognised HTTP mining flow (getwork, getblocktemplate) in native code (included by
// pcap_walk.cc only, after pcap_walk_lines.h).
//
// JS reads an HTTP mining flow one segment at a time with no state of its own (http-rpc.ts readHttpSegment): a
// segment that starts a request or response head adds a client vote (requests) and counts the head's last mining
// header as a method; a body that starts a JSON message (after the head, or the whole segment) is classified as one
// message. Once the flow's agent and login are known (or its heads name neither), later segments only add to
// counters, so they are counted here and the sums handed over as for JSON lines. A segment whose head would name
// the agent or login, whose body is a handshake JS would still parse, or whose method JS would read past the
// segment's end to find goes to JS as before, after the sums so far.

#ifndef MINEWARDEN_PCAP_WALK_HTTP_H_
#define MINEWARDEN_PCAP_WALK_HTTP_H_

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "pcap_walk_lines.h"

namespace pcapwalk {

// More descriptor flags (writeCountingState in native-counts.ts): the flow is read as HTTP, and its HTTP user agent
// is still unknown.
constexpr int32_t kHttpFlow = 16;
constexpr int32_t kHttpAgentUnknown = 32;
// A method entry's `known` for a mining header: JS counts it with no bound on distinct names (Map#set).
constexpr int32_t kUncappedName = -2;
// Distinct names held before the segment goes to JS instead (keeps a flush's size bounded).
constexpr size_t kMaxHttpNames = 32;
// A mining header name longer than this goes to JS (same reason).
constexpr size_t kMaxHeaderName = 256;
// readHttpHead reads at most this much of a segment, and at most this many lines after the first.
constexpr size_t kHeadBytes = 8192;
constexpr int kHeadLines = 64;

// One segment's result.
struct HttpSegment {
  bool request = false;
  bool header = false;  // the head's last mining header is in headerName
  std::string headerName;
  bool body = false;  // a JSON message: line holds its count
  LineCount line{};
};

// half-stream.ts startsMessage.
inline bool StartsJson(const uint8_t* b, size_t len) {
  const size_t end = std::min<size_t>(len, 16);
  for (size_t i = 0; i < end; i++) {
    const uint8_t c = b[i];
    if (c == 0x7b || c == 0x5b) return true;
    if (c != 0x20 && c != 0x09 && c != 0x0d && c != 0x0a) return false;
  }
  return false;
}

inline bool HttpTrimmed(uint8_t c) { return c == 0x20 || (c >= 0x09 && c <= 0x0d) || c == 0xa0; }

inline bool StartsAscii(const uint8_t* p, size_t len, const char* s) {
  const size_t n = std::strlen(s);
  return len >= n && std::memcmp(p, s, n) == 0;
}

// Whether [s, e) trimmed as String#trim does on latin1 text is `lower` (ASCII, lower case) ignoring ASCII case.
inline bool TrimmedNameIs(const uint8_t* s, const uint8_t* e, const char* lower) {
  while (s < e && HttpTrimmed(*s)) s++;
  while (e > s && HttpTrimmed(e[-1])) e--;
  const size_t n = std::strlen(lower);
  if (size_t(e - s) != n) return false;
  for (size_t i = 0; i < n; i++) {
    uint8_t c = s[i];
    if (c >= 'A' && c <= 'Z') c = uint8_t(c | 0x20);
    if (c != uint8_t(lower[i])) return false;
  }
  return true;
}

inline const uint8_t* FindCrlf(const uint8_t* s, const uint8_t* e) {
  while (s + 1 < e) {
    const auto* r = static_cast<const uint8_t*>(std::memchr(s, '\r', size_t(e - s - 1)));
    if (!r) return nullptr;
    if (r[1] == '\n') return r;
    s = r + 1;
  }
  return nullptr;
}

// sniff.ts readHttpHead on p[0, len): where the body starts (-1 when the head does not end here) and the last
// mining header. False when the head names what the flow still lacks (a request's user agent while the agent is
// unknown, an Authorization header while the login is), or holds a header this code will not hand over.
inline bool ReadHead(const uint8_t* p, size_t len, bool request, int32_t tell, int64_t& bodyStart,
                     HttpSegment& out) {
  const bool wantAgent = request && (tell & kHttpAgentUnknown);
  const bool wantUser = (tell & kLoginUnknown) != 0;
  const uint8_t* text = p;
  const uint8_t* end = p + std::min(len, kHeadBytes);
  const auto* stop = static_cast<const uint8_t*>(memmem(text, size_t(end - text), "\r\n\r\n", 4));
  bodyStart = stop ? int64_t(stop - text) + 4 : -1;
  const uint8_t* headEnd = stop ? stop : end;
  const uint8_t* next = FindCrlf(text, end);
  if (next && next >= headEnd) next = nullptr;
  for (int i = 1; next && i < kHeadLines; i++) {
    const uint8_t* ls = next + 2;
    next = FindCrlf(ls, end);
    if (next && next >= headEnd) next = nullptr;
    const uint8_t* le = next ? next : headEnd;
    if (le <= ls) continue;
    const uint8_t c0 = *ls;
    const uint8_t c = uint8_t(c0 | 0x20);
    if (c == 0x61 ? !wantUser : c == 0x75 ? !wantAgent : c != 0x78 && !HttpTrimmed(c0)) continue;
    const auto* colon = static_cast<const uint8_t*>(std::memchr(ls, ':', size_t(le - ls)));
    if (!colon || colon == ls) continue;
    if (TrimmedNameIs(ls, colon, "user-agent")) {
      if (wantAgent) return false;
    } else if (TrimmedNameIs(ls, colon, "authorization")) {
      if (wantUser) return false;
    } else if (TrimmedNameIs(ls, colon, "x-mining-extensions") || TrimmedNameIs(ls, colon, "x-stratum") ||
               TrimmedNameIs(ls, colon, "x-long-polling") || TrimmedNameIs(ls, colon, "x-mining-hashrate")) {
      if (size_t(colon - ls) > kMaxHeaderName) return false;
      const uint8_t* vs = colon + 1;
      const uint8_t* ve = le;
      while (vs < ve && HttpTrimmed(*vs)) vs++;
      while (ve > vs && HttpTrimmed(ve[-1])) ve--;
      if (ve - vs > 128) ve = vs + 128;
      out.header = true;
      out.headerName.assign(reinterpret_cast<const char*>(ls), size_t(colon - ls));
      out.headerName.append(": ");
      out.headerName.append(reinterpret_cast<const char*>(vs), size_t(ve - vs));
    }
  }
  return true;
}

// Whether jsonrpc.ts findMethod on [s, e) reads only bytes before e: it looks one byte past the spaces after the
// first `"method"` key, and past the colon's, without checking the end (which is not a newline here).
inline bool MethodReadInside(const uint8_t* s, const uint8_t* e) {
  static const char kKey[] = "\"method\"";
  constexpr size_t kKeyLen = sizeof kKey - 1;
  if (size_t(e - s) < kKeyLen) return true;
  const auto* k = static_cast<const uint8_t*>(memmem(s, size_t(e - s), kKey, kKeyLen));
  if (!k) return true;
  const uint8_t* p = k + kKeyLen;
  while (p < e && IsSpace(*p)) p++;
  if (p >= e) return false;
  if (*p != ':') return true;
  p++;
  while (p < e && IsSpace(*p)) p++;
  return p < e;
}

// readHttpSegment for one segment of a flow whose protocol is known; false (out unspecified) when JS must read it.
inline bool CountHttpSegment(const std::vector<KnownMethod>& known, int32_t tell, const uint8_t* p, size_t len,
                             HttpSegment& out) {
  out.request = StartsAscii(p, len, "POST ") || StartsAscii(p, len, "GET ");
  out.header = false;
  out.body = false;
  int64_t body = -1;
  if (out.request || StartsAscii(p, len, "HTTP/1.")) {
    if (!ReadHead(p, len, out.request, tell, body, out)) return false;
  } else if (StartsJson(p, len)) {
    body = 0;
  }
  if (body < 0 || body >= int64_t(len) || !StartsJson(p + body, size_t(int64_t(len) - body))) return true;
  const uint8_t* s = p + body;
  const uint8_t* e = p + len;
  if (!MethodReadInside(s, e)) return false;
  if (!CountLine(known, tell, s, e, out.line)) return false;
  out.body = true;
  return true;
}

// Whether readHttpSegment does nothing with a segment of a flow JS still probes as HTTP: a response head (no vote)
// with no mining header, no Authorization header (the login may be unknown) and no JSON message after it. Such a
// segment need not go to JS while the probe goes on.
inline bool HttpResponseDoesNothing(const uint8_t* p, size_t len, HttpSegment& scratch) {
  if (!StartsAscii(p, len, "HTTP/1.")) return false;
  int64_t body = -1;
  scratch.header = false;
  if (!ReadHead(p, len, false, kLoginUnknown, body, scratch) || scratch.header) return false;
  return body < 0 || body >= int64_t(len) || !StartsJson(p + body, size_t(int64_t(len) - body));
}

// Adds a counted segment to the sums: the client vote, the mining header (as readHttpSegment counts it) and the
// body's message (as classify() does).
inline void AddHttpSegment(Counting& c, int dir, const HttpSegment& h) {
  // A segment that adds nothing (a response head with no mining header or message) needs no hand-over.
  if (h.request || h.header || h.body) c.touched = true;
  if (h.request) c.clientVotes[dir]++;
  if (h.header) {
    bool found = false;
    for (auto& m : c.methods)
      if (m.known == kUncappedName && m.name == h.headerName) {
        m.count++;
        found = true;
        break;
      }
    if (!found) c.methods.push_back({h.headerName, 1, kUncappedName});
  }
  if (h.body) AddLine(c, dir, h.line);
}

}  // namespace pcapwalk

#endif  // MINEWARDEN_PCAP_WALK_HTTP_H_
