// Native byte walk of syslog auth-log text for `minewarden logs FILE`: splits a chunk into lines and, for each,
// reads the classic syslog envelope and the plain sshd message forms exactly as src/sources/authlog/byte-prefix.ts
// (BytePrefixReader.read), sshd-bytes.ts (classifySshdBytes), parser.ts (mayBeAuth) and byte-scan.ts (scanBytes)
// do, check for check. The only state it keeps between lines is a table of the peer and account spellings it has
// met, so that each gets a small number (an id) JavaScript can index its own tables by instead of comparing bytes;
// JavaScript keeps every other table (connections, year inference) and reads only the fields written here. Whatever these functions would hand to the string path
// comes out as status 0, and JavaScript then runs its own byte path on that line, so the JS code stays the one
// definition of the formats. src/sources/authlog/sshd-bytes.test.ts holds both walks equal over every real log.
//
// JS API:
//   walk(buf, from, to, maxLine, out[, markers]) -> number of lines written
//       buf: a Uint8Array; lines are the newline-terminated ones in buf[from, to) (a last line without a newline is
//       not taken); out: an Int32Array of a multiple of RECORD words, one record per line (see below), filled until
//       full or the lines run out. markers: a Uint8Array of marker records (anchor index, length, bytes), as
//       MarkerScan.spec() in markers.ts makes them; with it, w21 says whether the line holds one of them.
//   abiVersion
//
// Record (int32 words): w0 line start, w1 line end (newline excluded, a CR kept), w2 status (0 JS byte path,
//   1 a line whose time is all it yields, 2 binary garbage, 3 an attempt, 4 a line naming its connection's peer),
//   w3 stamp month << 22 | day << 17 | hour << 12 | minute << 6 | second, w4 pid (-1 none), w5 program (1 sshd,
//   2 sshd-session, 3 sshd-auth), w6 w7 host name token, w8 reason (see kReasons in native-walk.ts), w9 method,
//   w10 invalid user (0 no, 1 yes, 2 not said), w11 w12 user (-1 none), w13 user FNV-1a, w14 w15 peer, w16 peer
//   FNV-1a, w17 repeat count (0 none), w18 failure (1) or success (0), w19 peer id, w20 user id (-1: none, or the
//   table is full). Ids are per process (one table per Node environment, never emptied), so the same spelling
//   always has the same id: 0 to kMaxIds - 1 (MAX_WALK_IDS in native-walk.ts), one numbering for peers and one for
//   accounts. w21: 1 when the line (newline excluded, a CR kept) holds one of the markers, else 0.

#include <napi.h>

#include <cstdint>
#include <cstring>

namespace {

// Small helpers of the per-byte loops, inlined whatever the optimizer's size heuristics say (-O2: Two and HostToken
// were calls of their own).
#define WALK_INLINE inline __attribute__((always_inline))

constexpr int kRecord = 22;
constexpr int kAttempt = 1, kPeer = 2, kNothing = 3;

struct Facts {
  int kind = 0;
  int failure = 1;
  int reason = 0;
  int method = 0;
  int invalid = 2;
  int us = -1, ue = -1;
  uint32_t uh = 0;
  int hs = -1, he = -1;
  uint32_t hh = 0;
  int64_t num = 0;
  int count = 0;
};

// Reason codes, in the order of REASONS in src/sources/authlog/native-walk.ts.
enum { kFailed = 1, kInvalidUser, kPamFailure, kPreauthClose, kPreauthCloseUser, kNegotiationFailed, kAccepted };

struct Lit {
  const uint8_t* p;
  int n;
};
#define LIT(s) Lit{reinterpret_cast<const uint8_t*>(s), int(sizeof(s) - 1)}

const Lit FAILED = LIT("Failed ");
const Lit FOR = LIT(" for ");
const Lit INVALID_USER = LIT("invalid user ");
const Lit FROM = LIT(" from ");
const Lit PORT = LIT(" port ");
const Lit SSH = LIT(" ssh");
const Lit INVALID = LIT("Invalid user ");
const Lit PREAUTH = LIT(" [preauth]");
const Lit PAM_AUTH = LIT("pam_unix(sshd:auth): authentication failure;");
const Lit PAM_SESSION = LIT("pam_unix(sshd:session): session ");
const Lit RHOST = LIT(" rhost=");
const Lit PAM_FIELDS = LIT(" logname= uid=0 euid=0 tty=ssh ruser= rhost=");
const Lit USER_EQ = LIT("user=");
const Lit CLOSED_BY = LIT("Connection closed by ");
const Lit DISCONNECTED_FROM = LIT("Disconnected from ");
const Lit AUTHENTICATING_USER = LIT("authenticating user ");
const Lit RECEIVED = LIT("Received disconnect from ");
const Lit NEGOTIATE = LIT("Unable to negotiate with ");
const Lit NO_MATCHING = LIT(": no matching");
const Lit ACCEPTED = LIT("Accepted ");
const Lit REPEATED = LIT("message repeated ");
const Lit TIMES = LIT(" times: [");
const Lit PAM_FAILURE = LIT("authentication failure;");
// Method codes 1.., in the order of METHODS in sshd-bytes.ts.
const Lit METHODS[] = {LIT("password"), LIT("publickey"), LIT("none"), LIT("keyboard-interactive/pam"),
                       LIT("hostbased"), LIT("gssapi-with-mic")};

constexpr uint32_t kFnvBasis = 0x811c9dc5u;
constexpr uint32_t kFnvPrime = 0x01000193u;

// Byte classes, one table lookup per byte where the JS code makes two to six comparisons (the loops below are most
// of the walk's instructions): token bytes 33-126, host-name bytes (see HostToken), printable 32-126.
constexpr uint8_t kTok = 1, kHostByte = 2, kPrint = 4;
struct Classes {
  uint8_t c[256];
  constexpr Classes() : c() {
    for (int i = 0; i < 256; i++) {
      uint8_t v = 0;
      if (i >= 33 && i <= 126) v |= kTok;
      if ((i >= 46 && i <= 57 && i != 47) || (i >= 97 && i <= 122) || (i >= 65 && i <= 90) || i == 45 || i == 95)
        v |= kHostByte;
      if (i >= 32 && i <= 126) v |= kPrint;
      c[i] = v;
    }
  }
};
constexpr Classes kClasses;
WALK_INLINE bool Is(int c, uint8_t cls) { return (kClasses.c[c] & cls) != 0; }

// Eight bytes at a time: whether any is below 0x20, or above 0x7e (the classic "has less"/"has more" word tests,
// exact as yes/no answers).
constexpr uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
WALK_INLINE uint64_t Word(const uint8_t* p) {
  uint64_t x;
  std::memcpy(&x, p, 8);
  return x;
}
WALK_INLINE bool HasBelow32(uint64_t x) { return ((x - kOnes * 0x20) & ~x & kHigh) != 0; }
WALK_INLINE bool HasAbove126(uint64_t x) { return ((x + kOnes) | x) & kHigh; }

// The walk reads only inside [line start, end): a byte past the end reads as -1, which no test below accepts,
// as the JS code's reads of the newline (or of undefined) accept nothing either.
struct Line {
  const uint8_t* b;
  int end;
  int at(int i) const { return i >= 0 && i < end ? b[i] : -1; }
};

WALK_INLINE bool At(const Line& l, int i, int end, const Lit& lit) {
  if (i + lit.n > end) return false;
  return std::memcmp(l.b + i, lit.p, size_t(lit.n)) == 0;
}

WALK_INLINE int Token(const Line& l, int i, int end) {
  while (i < end && Is(l.b[i], kTok)) i++;
  return i;
}

WALK_INLINE int UserToken(const Line& l, int i, int end, Facts& f) {
  uint32_t h = kFnvBasis;
  while (i < end) {
    int c = l.b[i];
    if (!Is(c, kTok)) break;
    h = (h ^ uint32_t(c)) * kFnvPrime;
    i++;
  }
  f.uh = h;
  return i;
}

// Host names and addresses: . 0-9 a-z A-Z - _ (no colon: IPv6 is left to JS).
WALK_INLINE int HostToken(const Line& l, int i, int end, Facts& f) {
  uint32_t h = kFnvBasis;
  while (i < end) {
    int c = l.b[i];
    if (!Is(c, kHostByte)) break;
    h = (h ^ uint32_t(c)) * kFnvPrime;
    i++;
  }
  f.hh = h;
  return i;
}

bool Printable(const Line& l, int i, int end) {
  for (; i + 8 <= end; i += 8) {
    uint64_t x = Word(l.b + i);
    if (HasBelow32(x) || HasAbove126(x)) return false;
  }
  for (; i < end; i++)
    if (!Is(l.b[i], kPrint)) return false;
  return true;
}

WALK_INLINE int Digits(const Line& l, int i, int end, Facts& f) {
  int from = i;
  int64_t v = 0;
  while (i < end) {
    unsigned d = unsigned(l.b[i]) - 48u;
    if (d > 9) break;
    if (i - from == 9) return -1;  // ten digits or more
    v = v * 10 + int(d);
    i++;
  }
  if (i == from) return -1;
  f.num = v;
  return i;
}

int MethodOf(const Line& l, int start, int end) {
  for (int k = 0; k < int(sizeof(METHODS) / sizeof(METHODS[0])); k++)
    if (METHODS[k].n == end - start && At(l, start, end, METHODS[k])) return k + 1;
  return 0;
}

WALK_INLINE int HostPort(const Line& l, int i, int end, Facts& f) {
  int h = HostToken(l, i, end, f);
  if (h == i) return -1;
  f.hs = i;
  f.he = h;
  if (!At(l, h, end, PORT)) return -1;
  return Digits(l, h + PORT.n, end, f);
}

void Reset(Facts& f) {
  f.failure = 1;
  f.method = 0;
  f.invalid = 2;
  f.us = f.ue = -1;
  f.hs = f.he = -1;
  f.count = 0;
}

bool Classify(const Line& l, int ms, int end, Facts& f);

bool Failed(const Line& l, int ms, int end, Facts& f) {
  if (!At(l, ms, end, FAILED)) return false;
  int mStart = ms + FAILED.n;
  int mEnd = Token(l, mStart, end);
  if (mEnd == mStart || !At(l, mEnd, end, FOR)) return false;
  int method = MethodOf(l, mStart, mEnd);
  if (method == 0) return false;
  int us = mEnd + FOR.n;
  bool invalid = At(l, us, end, INVALID_USER);
  if (invalid) us += INVALID_USER.n;
  int ue = UserToken(l, us, end, f);
  if (ue == us || !At(l, ue, end, FROM)) return false;
  int i = HostPort(l, ue + FROM.n, end, f);
  if (i < 0 || !At(l, i, end, SSH)) return false;
  i += SSH.n;
  while (i < end && l.b[i] >= 48 && l.b[i] <= 57) i++;
  if (i != end) return false;
  f.kind = kAttempt;
  f.reason = kFailed;
  f.method = method;
  f.invalid = invalid ? 1 : 0;
  f.us = us;
  f.ue = ue;
  return true;
}

bool Closed(const Line& l, int from, int end, Facts& f) {
  int i = from;
  int us = -1, ue = -1;
  if (At(l, i, end, AUTHENTICATING_USER) || At(l, i, end, INVALID_USER)) {
    us = i + (l.b[i] == 97 ? AUTHENTICATING_USER.n : INVALID_USER.n);
    ue = UserToken(l, us, end, f);
    if (ue == us || l.at(ue) != 32) return false;
    i = ue + 1;
  }
  i = HostPort(l, i, end, f);
  if (i < 0) return false;
  if (i == end) {
    f.kind = kPeer;
    return true;
  }
  if (i + PREAUTH.n != end || !At(l, i, end, PREAUTH)) return false;
  f.kind = kAttempt;
  f.reason = us < 0 ? kPreauthClose : kPreauthCloseUser;
  f.us = us;
  f.ue = ue;
  return true;
}

bool Pam(const Line& l, int ms, int end, Facts& f) {
  if (At(l, ms, end, PAM_SESSION)) {
    if (!Printable(l, ms + PAM_SESSION.n, end)) return false;
    f.kind = kNothing;
    return true;
  }
  if (!At(l, ms, end, PAM_AUTH)) return false;
  int i = ms + PAM_AUTH.n;
  if (At(l, i, end, PAM_FIELDS)) i += PAM_FIELDS.n - RHOST.n;
  int last = end - RHOST.n;
  for (;;) {
    if (i > last) return false;
    int c = l.b[i];
    if (c < 32 || c > 126) return false;
    if (c == 32 && At(l, i, end, RHOST)) break;
    i++;
  }
  int hs = i + RHOST.n;
  int he = HostToken(l, hs, end, f);
  if (he == hs) return false;
  f.hs = hs;
  f.he = he;
  if (he < end) {
    if (l.b[he] != 32) return false;
    i = he;
    while (i < end && l.b[i] == 32) i++;
    if (!At(l, i, end, USER_EQ)) return false;
    int us = i + USER_EQ.n;
    int ue = UserToken(l, us, end, f);
    if (ue == us || ue != end) return false;
    f.us = us;
    f.ue = ue;
  }
  f.kind = kAttempt;
  f.reason = kPamFailure;
  return true;
}

bool Repeated(const Line& l, int ms, int end, Facts& f) {
  if (!At(l, ms, end, REPEATED)) return false;
  int i = Digits(l, ms + REPEATED.n, end, f);
  if (i < 0 || !At(l, i, end, TIMES) || l.at(end - 1) != 93) return false;
  int n = int(f.num);
  int inner = i + TIMES.n;
  if (l.at(inner) == 32) inner++;
  int c = l.at(inner);
  if (c == 112 || c == 109) return false;
  // The inner message ends before the closing bracket: reads past it see -1, as the JS reads of `]` accept nothing.
  Line in{l.b, end - 1};
  if (!Classify(in, inner, end - 1, f)) return false;
  if (f.kind == kAttempt) f.count = n;
  return true;
}

bool Classify(const Line& l, int ms, int end, Facts& f) {
  Reset(f);
  switch (l.at(ms)) {
    case 70:
      return Failed(l, ms, end, f);
    case 73: {
      if (!At(l, ms, end, INVALID)) return false;
      int us = ms + INVALID.n;
      int ue = UserToken(l, us, end, f);
      if (ue == us || !At(l, ue, end, FROM)) return false;
      int i = HostPort(l, ue + FROM.n, end, f);
      if (i < 0 || !(i == end || (i + PREAUTH.n == end && At(l, i, end, PREAUTH)))) return false;
      f.kind = kAttempt;
      f.reason = kInvalidUser;
      f.invalid = 1;
      f.us = us;
      f.ue = ue;
      return true;
    }
    case 112:
      return Pam(l, ms, end, f);
    case 67:
      return At(l, ms, end, CLOSED_BY) && Closed(l, ms + CLOSED_BY.n, end, f);
    case 68:
      return At(l, ms, end, DISCONNECTED_FROM) && Closed(l, ms + DISCONNECTED_FROM.n, end, f);
    case 82: {
      if (!At(l, ms, end, RECEIVED)) return false;
      int i = HostPort(l, ms + RECEIVED.n, end, f);
      if (i < 0 || l.at(i) != 58) return false;
      int codeStart = i + 1;
      i = Digits(l, codeStart, end, f);
      if (i < 0 || l.at(i) != 58 || l.at(i + 1) != 32) return false;
      int c0 = l.at(codeStart);
      if ((i - codeStart == 1 && c0 == 51) || (i - codeStart == 2 && c0 == 49 && l.at(codeStart + 1) == 52))
        return false;
      if (!Printable(l, i + 2, end)) return false;
      f.kind = kPeer;
      return true;
    }
    case 85: {
      if (!At(l, ms, end, NEGOTIATE)) return false;
      int i = HostPort(l, ms + NEGOTIATE.n, end, f);
      if (i < 0 || !At(l, i, end, NO_MATCHING) || !Printable(l, i + NO_MATCHING.n, end)) return false;
      f.kind = kAttempt;
      f.reason = kNegotiationFailed;
      return true;
    }
    case 65: {
      if (!At(l, ms, end, ACCEPTED)) return false;
      int mStart = ms + ACCEPTED.n;
      int mEnd = Token(l, mStart, end);
      if (mEnd == mStart || !At(l, mEnd, end, FOR)) return false;
      int method = MethodOf(l, mStart, mEnd);
      if (method == 0) return false;
      int us = mEnd + FOR.n;
      int ue = UserToken(l, us, end, f);
      if (ue == us || !At(l, ue, end, FROM)) return false;
      int i = HostPort(l, ue + FROM.n, end, f);
      if (i < 0 || !(i == end || (l.at(i) == 32 && Printable(l, i, end)))) return false;
      f.kind = kAttempt;
      f.failure = 0;
      f.reason = kAccepted;
      f.method = method;
      f.us = us;
      f.ue = ue;
      return true;
    }
    case 109:
      return Repeated(l, ms, end, f);
    default:
      return false;
  }
}

// parser.ts containsBytes.
bool Contains(const Line& l, int from, int to, const Lit& pat) {
  int last = to - pat.n;
  for (int i = from; i <= last; i++) {
    const void* hit = std::memchr(l.b + i, pat.p[0], size_t(last - i + 1));
    if (hit == nullptr) return false;
    i = int(static_cast<const uint8_t*>(hit) - l.b);
    if (std::memcmp(l.b + i, pat.p, size_t(pat.n)) == 0) return true;
  }
  return false;
}

// parser.ts mayBeAuth.
bool MayBeAuth(const Line& l, int ms, int end, int programKind) {
  int c0 = l.at(ms);
  if (c0 == 116 && l.at(ms + 1) == 121 && l.at(ms + 2) == 112 && l.at(ms + 3) == 101 && l.at(ms + 4) == 61)
    return true;
  if (programKind == 2) return true;
  if (c0 == 112 || c0 == 40) return Contains(l, ms, end, PAM_FAILURE);
  return programKind == 1;
}

// byte-scan.ts scanBytes < 0: a control byte BINARY_RE finds (C0 other than tab, line ends and 0x1d). Words with no
// byte below 0x20 are passed with one test.
WALK_INLINE bool Control(int c) { return c < 32 && (c <= 8 || (c >= 14 && c != 29)); }

bool HasControl(const Line& l, int from, int to) {
  int i = from;
  for (; i + 8 <= to; i += 8) {
    if (!HasBelow32(Word(l.b + i))) continue;
    for (int k = 0; k < 8; k++)
      if (Control(l.b[i + k])) return true;
  }
  for (; i < to; i++)
    if (Control(l.b[i])) return true;
  return false;
}

WALK_INLINE int Digit(int c) { return c >= 48 && c <= 57 ? c - 48 : -1; }

// Callers have checked that i and i + 1 are in the line.
WALK_INLINE int Two(const Line& l, int i) {
  int a = Digit(l.b[i]);
  int b = Digit(l.b[i + 1]);
  return a < 0 || b < 0 ? -1 : a * 10 + b;
}

int MonthOf(int a, int b, int c) {
  switch ((a << 16) | (b << 8) | c) {
    case 0x4a616e: return 0;
    case 0x466562: return 1;
    case 0x4d6172: return 2;
    case 0x417072: return 3;
    case 0x4d6179: return 4;
    case 0x4a756e: return 5;
    case 0x4a756c: return 6;
    case 0x417567: return 7;
    case 0x536570: return 8;
    case 0x4f6374: return 9;
    case 0x4e6f76: return 10;
    case 0x446563: return 11;
    default: return -1;
  }
}

struct Envelope {
  int stamp = 0;
  int hostStart = 0, hostEnd = 0;
  int program = 0;  // 1 sshd, 2 sshd-session, 3 sshd-auth, 4 dropbear, 0 other
  int pid = -1;
  int messageStart = 0;
};

// byte-prefix.ts read(): the plain classic envelope, or false.
bool ReadEnvelope(const Line& l, int start, int end, Envelope& env) {
  // Bytes start..start + 15 are in the line, and every read up to the time's is below start + 16 or checked
  // against end first: read directly, without at()'s bounds test.
  if (start + 16 > end) return false;
  const uint8_t* b = l.b;
  int month = MonthOf(b[start], b[start + 1], b[start + 2]);
  if (month < 0 || b[start + 3] != 32) return false;
  int i = start + 4;
  if (b[i] == 32) i++;
  int day = Digit(b[i]);
  if (day < 0) return false;
  i++;
  int d2 = Digit(b[i]);
  if (d2 >= 0) {
    day = day * 10 + d2;
    i++;
  }
  if (b[i] != 32 || i + 9 > end) return false;
  int h = Two(l, i + 1), m = Two(l, i + 4), s = Two(l, i + 7);
  if (h < 0 || m < 0 || s < 0 || b[i + 3] != 58 || b[i + 6] != 58) return false;
  if (day == 0 || day > 31 || h > 23 || m > 59 || s > 60) return false;
  i += 9;
  if (i - start > 16) return false;
  env.stamp = (month << 22) | (day << 17) | (h << 12) | (m << 6) | s;
  // afterStamp
  if (l.at(i) != 32) return false;
  while (i < end && l.b[i] == 32) i++;
  if (i >= end) return false;
  if (l.b[i] >= 48 && l.b[i] <= 57) return false;
  // Host token.
  int hostStart = i;
  while (i < end) {
    int c = l.b[i];
    if (c == 32) break;
    if (!Is(c, kTok)) return false;
    i++;
  }
  if (i >= end || i == hostStart) return false;
  if (l.b[hostStart] == 91 || l.b[i - 1] == 58) return false;
  env.hostStart = hostStart;
  env.hostEnd = i;
  i++;
  int progStart = i;
  while (i < end) {
    int c = l.b[i];
    if (c == 91 || c == 58) break;
    if (!Is(c, kTok) || c == 93) return false;
    i++;
  }
  if (i >= end || i == progStart) return false;
  int progEnd = i;
  int pid = -1;
  if (l.b[i] == 91) {
    i++;
    int digitsStart = i;
    int v = 0;
    while (i < end) {
      unsigned d = unsigned(l.b[i]) - 48u;
      if (d > 9) break;
      // Ten digits or more: no pid (the check below would refuse them too).
      if (i - digitsStart == 9) return false;
      v = v * 10 + int(d);
      i++;
    }
    if (i == digitsStart || l.at(i) != 93) return false;
    pid = v;
    i++;
  }
  if (i + 1 >= end || l.b[i] != 58 || l.b[i + 1] != 32) return false;
  i += 2;
  while (i < end && l.b[i] == 32) i++;
  if (i >= end) return false;
  env.pid = pid;
  const uint8_t* p = l.b + progStart;
  int n = progEnd - progStart;
  env.program = n == 4 && std::memcmp(p, "sshd", 4) == 0            ? 1
                : n == 12 && std::memcmp(p, "sshd-session", 12) == 0 ? 2
                : n == 9 && std::memcmp(p, "sshd-auth", 9) == 0      ? 3
                : n == 8 && std::memcmp(p, "dropbear", 8) == 0       ? 4
                                                                     : 0;
  env.messageStart = i;
  return true;
}

// Spellings met so far, each with an id in order of first sight: open addressing on the FNV-1a hash the walk worked
// out anyway, bytes kept in one arena. Bounded: once kMaxIds spellings (or the arena) are taken, new ones get -1
// and JavaScript looks them up by their bytes as it would without ids.
constexpr int kMaxIds = 16384;
constexpr int kSlots = kMaxIds * 2;
constexpr int kMaxSpelling = 255;
constexpr int kArena = kMaxIds * 64;

struct Interned {
  int32_t slotId[kSlots];
  uint32_t slotHash[kSlots];
  uint32_t offset[kMaxIds];
  uint8_t length[kMaxIds];
  uint8_t arena[kArena];
  int count = 0;
  int used = 0;

  Interned() { std::memset(slotId, 0xff, sizeof(slotId)); }

  int Id(const uint8_t* p, int n, uint32_t h) {
    if (n > kMaxSpelling) return -1;
    int slot = int(h & (kSlots - 1));
    for (;;) {
      int id = slotId[slot];
      if (id < 0) break;
      if (slotHash[slot] == h && length[id] == n && std::memcmp(arena + offset[id], p, size_t(n)) == 0) return id;
      slot = (slot + 1) & (kSlots - 1);
    }
    if (count == kMaxIds || used + n > kArena) return -1;
    int id = count++;
    offset[id] = uint32_t(used);
    length[id] = uint8_t(n);
    std::memcpy(arena + used, p, size_t(n));
    used += n;
    slotId[slot] = id;
    slotHash[slot] = h;
    return id;
  }
};

struct Tables {
  Interned peers;
  Interned users;
};

// markers.ts MarkerScan.has: whether buf[start, end) holds one of the markers. Each marker is looked for by its
// anchor byte (the one the JS picked as rarest), one memchr per distinct anchor over the line.
struct Marker {
  const uint8_t* p;
  int n;
  int anchor;
};
constexpr int kMaxMarkers = 16;

struct Markers {
  Marker m[kMaxMarkers];
  int count = 0;
  uint8_t anchors[kMaxMarkers];  // distinct anchor bytes
  int anchorCount = 0;
};

bool ParseMarkers(const uint8_t* p, size_t n, Markers& out) {
  size_t i = 0;
  while (i < n) {
    if (i + 2 > n || out.count == kMaxMarkers) return false;
    int anchor = p[i], len = p[i + 1];
    if (len == 0 || anchor >= len || i + 2 + size_t(len) > n) return false;
    Marker& m = out.m[out.count++];
    m.p = p + i + 2;
    m.n = len;
    m.anchor = anchor;
    uint8_t b = m.p[anchor];
    bool seen = false;
    for (int k = 0; k < out.anchorCount; k++) seen = seen || out.anchors[k] == b;
    if (!seen) out.anchors[out.anchorCount++] = b;
    i += 2 + size_t(len);
  }
  return true;
}

int HasMarker(const uint8_t* buf, int start, int end, const Markers& ms) {
  for (int a = 0; a < ms.anchorCount; a++) {
    uint8_t b = ms.anchors[a];
    int i = start;
    while (i < end) {
      const void* hit = std::memchr(buf + i, b, size_t(end - i));
      if (hit == nullptr) break;
      int h = int(static_cast<const uint8_t*>(hit) - buf);
      for (int k = 0; k < ms.count; k++) {
        const Marker& m = ms.m[k];
        if (m.p[m.anchor] != b) continue;
        int s = h - m.anchor;
        if (s >= start && s + m.n <= end && std::memcmp(buf + s, m.p, size_t(m.n)) == 0) return 1;
      }
      i = h + 1;
    }
  }
  return 0;
}

// parser.ts parseBytes, as far as it goes without state: what the line is, and its fields.
void WalkLine(const uint8_t* buf, int start, int end, int maxLine, int32_t* r, Tables& t) {
  int e = end;
  if (e > start && buf[e - 1] == 13) e--;
  r[0] = start;
  r[1] = end;
  r[2] = 0;
  r[21] = 0;
  if (start < e && buf[start] == 123) return;  // journal JSON, in auto mode
  if (e - start > maxLine) return;
  Line l{buf, e};
  Envelope env;
  if (!ReadEnvelope(l, start, e, env)) return;
  r[3] = env.stamp;
  r[4] = env.pid;
  r[5] = env.program;
  r[6] = env.hostStart;
  r[7] = env.hostEnd;
  int ms = env.messageStart;
  int kind = env.program >= 1 && env.program <= 3 ? 1 : env.program == 4 ? 2 : 0;
  Facts f;
  if (kind == 1 && Classify(l, ms, e, f)) {
    if (f.kind == kNothing) {
      r[2] = 1;
      return;
    }
    r[2] = f.kind == kAttempt ? 3 : 4;
    r[8] = f.reason;
    r[9] = f.method;
    r[10] = f.invalid;
    r[11] = f.us;
    r[12] = f.ue;
    r[13] = int32_t(f.uh);
    r[14] = f.hs;
    r[15] = f.he;
    r[16] = int32_t(f.hh);
    r[17] = f.count;
    r[18] = f.failure;
    r[19] = t.peers.Id(buf + f.hs, f.he - f.hs, f.hh);
    r[20] = f.us < 0 ? -1 : t.users.Id(buf + f.us, f.ue - f.us, f.uh);
    return;
  }
  if (MayBeAuth(l, ms, e, kind)) return;
  r[2] = HasControl(l, ms, e) ? 2 : 1;
}

Napi::Value Walk(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 5 || !info[0].IsTypedArray() || !info[1].IsNumber() || !info[2].IsNumber() ||
      !info[3].IsNumber() || !info[4].IsTypedArray()) {
    Napi::TypeError::New(env, "walk(buf, from, to, maxLine, out)").ThrowAsJavaScriptException();
    return env.Null();
  }
  auto in = info[0].As<Napi::Uint8Array>();
  auto out = info[4].As<Napi::Int32Array>();
  if (in.TypedArrayType() != napi_uint8_array || out.TypedArrayType() != napi_int32_array) {
    Napi::TypeError::New(env, "walk: a Uint8Array and an Int32Array").ThrowAsJavaScriptException();
    return env.Null();
  }
  int64_t len = int64_t(in.ElementLength());
  int64_t from = info[1].As<Napi::Number>().Int64Value();
  int64_t to = info[2].As<Napi::Number>().Int64Value();
  int64_t maxLine = info[3].As<Napi::Number>().Int64Value();
  if (from < 0 || to > len || from > to || len > INT32_MAX || maxLine < 0) {
    Napi::RangeError::New(env, "walk: bad range").ThrowAsJavaScriptException();
    return env.Null();
  }
  if (maxLine > INT32_MAX) maxLine = INT32_MAX;
  Markers markers;
  if (info.Length() > 5 && !info[5].IsUndefined()) {
    if (!info[5].IsTypedArray() || info[5].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
      Napi::TypeError::New(env, "walk: markers must be a Uint8Array").ThrowAsJavaScriptException();
      return env.Null();
    }
    auto spec = info[5].As<Napi::Uint8Array>();
    if (!ParseMarkers(spec.Data(), spec.ElementLength(), markers)) {
      Napi::RangeError::New(env, "walk: bad markers").ThrowAsJavaScriptException();
      return env.Null();
    }
  }
  Tables* tables = env.GetInstanceData<Tables>();
  if (tables == nullptr) {
    tables = new Tables();
    env.SetInstanceData(tables);
  }
  const uint8_t* buf = in.Data();
  int32_t* rec = out.Data();
  size_t cap = out.ElementLength() / kRecord;
  size_t n = 0;
  int pos = int(from);
  while (n < cap && pos < int(to)) {
    const void* nl = std::memchr(buf + pos, '\n', size_t(int(to) - pos));
    if (nl == nullptr) break;
    int end = int(static_cast<const uint8_t*>(nl) - buf);
    int32_t* r = rec + n * kRecord;
    WalkLine(buf, pos, end, int(maxLine), r, *tables);
    if (markers.count > 0 && end - pos <= maxLine) r[21] = HasMarker(buf, pos, end, markers);
    n++;
    pos = end + 1;
  }
  return Napi::Number::New(env, double(n));
}

Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  exports.Set("walk", Napi::Function::New(env, Walk, "walk"));
  exports.Set("abiVersion", Napi::Number::New(env, 3));
  return exports;
}

}  // namespace

NODE_API_MODULE(authlog_walk, InitModule)
