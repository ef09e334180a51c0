// Counting the JSON-RPC lines of a recognised mining flow in native code (included by pcap_walk.cc only).
//
// Once JavaScript has recognised a flow as mining and read its handshake, the rest of the lines it reads (up to its
// inspection limit of 16 messages) only add to counters: messages, method counts, client and server votes, the
// handshake flag. Those lines are counted here and the sums handed over in one event, instead of one JS call per
// segment. This mirrors rpc-classifier.ts classify() for a flow whose protocol is already known, and half-stream.ts
// deliver() for a segment that arrives in order, at a line start, and ends with a newline. Anything else (a SYN, a
// gap, a partial line, a handshake message JS would still parse for the miner's identity) goes to JS as before,
// after the sums so far, so JS sees every count in the order the lines came.

#ifndef MINEWARDEN_PCAP_WALK_LINES_H_
#define MINEWARDEN_PCAP_WALK_LINES_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace pcapwalk {

// Method flags as JS builds them from jsonrpc.ts' sets (nativeMethodTable in native-counts.ts).
constexpr int32_t kMethodProtocol = 1;  // names a mining protocol by itself
constexpr int32_t kMethodMonero = 2;    // a Monero-style word, mining only with the protocol's keys
constexpr int32_t kMethodClient = 4;
constexpr int32_t kMethodServer = 8;
constexpr int32_t kMethodIdentity = 16;
constexpr int32_t kMethodLogin = 32;       // 'login': Monero with a "login" or "agent" key
constexpr int32_t kMethodKeepalive = 64;   // 'keepalived': Monero only once the flow is
constexpr int32_t kTellAgent = 128;        // parsed while the agent is unknown
constexpr int32_t kTellLogin = 256;        // parsed while the login is unknown

// What JS says about a flow it lets this code count (descriptor flags).
constexpr int32_t kAgentUnknown = 1;
constexpr int32_t kLoginUnknown = 2;
constexpr int32_t kParsesLeft = 4;
constexpr int32_t kMoneroSeen = 8;

// MAX_INSPECTED_MESSAGES of limits.ts.
constexpr int32_t kMaxInspected = 16;
// More lines than this in one segment go to JS (keeps a flush's size bounded).
constexpr size_t kMaxLinesHere = 64;
// A line held across segments here stays under this (with the segment that would grow it): far below
// MAX_LINE_BYTES, so no line is ever cut here, and two of them fit the scratch with the sums.
constexpr size_t kMaxPart = 64 * 1024;

struct KnownMethod {
  std::string name;
  int32_t flags;
};

// One flow counted here: where each direction's stream stands (as HalfStream would), what JS said, and the sums
// not yet handed over.
struct Counting {
  int32_t flow = -1;
  // Per direction: JS's stream stands at a line start expecting next[dir]; or (fresh) JS has no stream yet, so
  // a first segment that starts a message begins one at its own sequence number.
  bool clean[2] = {false, false};
  bool fresh[2] = {false, false};
  uint32_t next[2] = {0, 0};
  int32_t messages = 0;  // JS's count when it last said
  int32_t tell = 0;      // descriptor flags
  // Sums since the last hand-over.
  int32_t added = 0;
  bool handshake = false;
  int32_t clientVotes[2] = {0, 0};
  int32_t serverVotes[2] = {0, 0};
  // Method names in the order first counted, with their counts and their index in the known names (-1: none).
  struct Method {
    std::string name;
    int32_t count;
    int32_t known;
  };
  std::vector<Method> methods;
  // Whether a direction's stream moved on (JS's stream then resumes at next[dir], holding part[dir]: the bytes
  // after its last newline, a line not finished yet).
  bool moved[2] = {false, false};
  std::string part[2];

  // An HTTP segment was counted (it may add votes or a header name but no message).
  bool touched = false;

  bool Pending() const { return added > 0 || moved[0] || moved[1] || touched; }
  void Reset() {
    added = 0;
    touched = false;
    moved[0] = moved[1] = false;
    part[0].clear();
    part[1].clear();
    handshake = false;
    clientVotes[0] = clientVotes[1] = serverVotes[0] = serverVotes[1] = 0;
    methods.clear();
  }
};

// One line's result of the dry pass.
struct LineCount {
  const uint8_t* name;  // nullptr: no method
  int32_t nameLen;
  int32_t flags;  // of a known method, else 0
  int32_t known;  // index of a known method, else -1
  bool mining;    // protocolOfMethod gave a protocol
};

inline bool IsSpace(uint8_t c) { return c == 0x20 || c == 0x09 || c == 0x0d || c == 0x0a; }

inline bool Has(const uint8_t* s, const uint8_t* e, const char* key, size_t n) {
  return size_t(e - s) >= n && memmem(s, size_t(e - s), key, n) != nullptr;
}

// jsonrpc.ts findMethod on the line [s, e), whose byte at e is its newline: the name's bounds, or false.
inline bool FindMethod(const uint8_t* s, const uint8_t* e, const uint8_t*& name, int32_t& len) {
  static const char kKey[] = "\"method\"";
  constexpr size_t kKeyLen = sizeof kKey - 1;
  if (size_t(e - s) < kKeyLen) return false;
  const auto* k = static_cast<const uint8_t*>(memmem(s, size_t(e - s), kKey, kKeyLen));
  if (!k) return false;
  const uint8_t* p = k + kKeyLen;
  while (p < e && IsSpace(*p)) p++;
  if (p >= e || *p != ':') return false;
  p++;
  while (p < e && IsSpace(*p)) p++;
  if (p >= e || *p != '"') return false;
  const uint8_t* start = ++p;
  const uint8_t* stop = e - start > 64 ? start + 64 : e;
  while (p < stop && *p != '"') p++;
  if (p >= stop) return false;
  name = start;
  len = int32_t(p - start);
  return true;
}

inline int32_t MethodIndex(const std::vector<KnownMethod>& known, const uint8_t* name, int32_t len) {
  for (size_t i = 0; i < known.size(); i++)
    if (int32_t(known[i].name.size()) == len && std::memcmp(known[i].name.data(), name, size_t(len)) == 0)
      return int32_t(i);
  return -1;
}

// classify() for one line of a flow whose protocol is known; false when JS must read it (a handshake message it
// would parse for the miner's identity).
inline bool CountLine(const std::vector<KnownMethod>& known, int32_t tell, const uint8_t* s, const uint8_t* e,
                      LineCount& out) {
  out = {nullptr, 0, 0, -1, false};
  if (!FindMethod(s, e, out.name, out.nameLen)) {
    out.name = nullptr;
    return true;
  }
  out.known = MethodIndex(known, out.name, out.nameLen);
  const int32_t f = out.known >= 0 ? known[size_t(out.known)].flags : 0;
  out.flags = f;
  bool mining = false;
  if (f & kMethodProtocol)
    mining = true;
  else if (f & kMethodMonero) {
    if (f & kMethodLogin)
      mining = Has(s, e, "\"login\"", 7) || Has(s, e, "\"agent\"", 7);
    else if (tell & kMoneroSeen)
      mining = true;
    else if (f & kMethodKeepalive)
      mining = false;
    else
      mining = Has(s, e, "\"job_id\"", 8) || Has(s, e, "\"blob\"", 6);
  }
  out.mining = mining;
  if (mining && (f & kMethodIdentity) && (tell & kParsesLeft)) {
    const bool canTell = ((f & kTellAgent) && (tell & kAgentUnknown)) || ((f & kTellLogin) && (tell & kLoginUnknown));
    if (canTell) return false;
  }
  return true;
}

// Adds a counted line to the sums (rpc-classifier.ts classify() and count(), for a known protocol).
inline void AddLine(Counting& c, int dir, const LineCount& l) {
  c.added++;
  if (!l.name) return;
  bool found = false;
  for (auto& m : c.methods)
    if (int32_t(m.name.size()) == l.nameLen && std::memcmp(m.name.data(), l.name, size_t(l.nameLen)) == 0) {
      m.count++;
      found = true;
      break;
    }
  if (!found)
    c.methods.push_back({std::string(reinterpret_cast<const char*>(l.name), size_t(l.nameLen)), 1, l.known});
  if (!l.mining) return;
  if (l.flags & kMethodClient)
    c.clientVotes[dir]++;
  else if (l.flags & kMethodServer)
    c.serverVotes[dir]++;
  if (l.flags & kMethodIdentity) c.handshake = true;
}

// Writes the sums at `out` (int32 words): added messages, handshake, client votes 0 and 1, server votes 0 and 1,
// per direction whether its stream moved on and the sequence number it expects next, the number of methods, the
// lengths of the two directions' held bytes; then per method its count, its index among the known names (-1:
// none), the length of its name and the name (only when not known), and then each direction's held bytes, each
// padded to 4 bytes. Returns the bytes written, or 0 when they would not fit in `room`.
inline size_t Pad4(size_t n) { return (n + 3) & ~size_t(3); }

inline size_t WriteSums(const Counting& c, uint8_t* out, size_t room) {
  size_t need = 13 * 4 + Pad4(c.part[0].size()) + Pad4(c.part[1].size());
  for (const auto& m : c.methods) need += 12 + (m.known >= 0 ? 0 : Pad4(m.name.size()));
  if (need > room) return 0;
  int32_t head[13] = {c.added,
                      c.handshake ? 1 : 0,
                      c.clientVotes[0],
                      c.clientVotes[1],
                      c.serverVotes[0],
                      c.serverVotes[1],
                      c.moved[0] ? 1 : 0,
                      int32_t(c.next[0]),
                      c.moved[1] ? 1 : 0,
                      int32_t(c.next[1]),
                      int32_t(c.methods.size()),
                      int32_t(c.part[0].size()),
                      int32_t(c.part[1].size())};
  std::memcpy(out, head, sizeof head);
  size_t at = sizeof head;
  for (const auto& m : c.methods) {
    // A known name goes as its index, others as their bytes.
    const size_t len = m.known >= 0 ? 0 : m.name.size();
    int32_t w[3] = {m.count, m.known, int32_t(len)};
    std::memcpy(out + at, w, 12);
    std::memcpy(out + at + 12, m.name.data(), len);
    at += 12 + Pad4(len);
  }
  for (const auto& held : c.part) {
    std::memcpy(out + at, held.data(), held.size());
    at += Pad4(held.size());
  }
  return at;
}

}  // namespace pcapwalk

#endif  // MINEWARDEN_PCAP_WALK_LINES_H_
