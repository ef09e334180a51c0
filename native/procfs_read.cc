// Native /proc reader for scans: reads what src/sources/procfs/process.ts reads of each process (stat, the Uid lines
// of status, cmdline, exe, cgroup, ns/net, fd links, cwd) with raw openat/read/readlinkat/getdents64 relative to
// one descriptor of the proc directory, and writes the raw results into a caller's buffer in one call for a whole
// batch of pids. JavaScript keeps every parse and decision (src/sources/procfs/native-read.ts decodes the records
// and hands them to the same assembly as the JS reader), so both readers give the same snapshot; what moves here is
// the per-file cost of Node's fs calls (path strings, a request object per call, an Error with a stack per failed
// readlink), which was about half the time of a scan on a machine where each system call is expensive.
//
// JS API:
//   readProcs(procDir, pids: Int32Array, from, out: Uint8Array, cmdlineCap, flags) -> next index
//     Reads pids[from..] into `out` until the next record would not fit; returns the index of the first pid not
//     written (== from when even one record does not fit: grow `out` and call again). flags: 1 = procDir is a live
//     procfs (replaced-binary check, owner uid, kernel threads skip what they cannot have). Throws only when
//     procDir itself cannot be opened.
//   abiVersion: 1
//
// Record (little-endian; "len" is an int32 byte count, or -errno when the read failed, or INT32_MIN when not read):
//   pid, stat len + bytes (a failed stat ends the record; or INT32_MIN+1, comm len + bytes, state char, then the
//   float64 fields ppid, flags, utime, stime, cutime, cstime, threads, starttime, rss for a plainly well-formed
//   line), uid (-1 = take it from the Uid lines), Uid lines len + bytes (or INT32_MIN+1 and the uid), flags (1 exe replaced, 2 cmdline cut at cmdlineCap), cmdline len + bytes, exe len + bytes, cgroup len +
//   bytes, netns (float64, -1 none), cwd len + bytes, socket count, then that many float64 inodes.

#include <napi.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace {

constexpr int kLive = 1;
constexpr int kFlagExeReplaced = 1;
constexpr int kFlagArgsTruncated = 2;
// PF_KTHREAD (include/linux/sched.h), as in stat.ts.
constexpr unsigned long kPfKthread = 0x00200000;
constexpr size_t kLinkMax = 4096;
// A field that was not read (distinct from every -errno).
constexpr int32_t kNotRead = INT32_MIN;
// In place of a length: the field follows parsed (see the record layout).
constexpr int32_t kStatParsed = INT32_MIN + 1;
constexpr int32_t kUidParsed = INT32_MIN + 1;
constexpr int32_t kSameAsPrevious = INT32_MIN + 2;

class Out {
 public:
  Out(uint8_t* base, size_t cap, size_t at) : base_(base), cap_(cap), at_(at) {}
  bool ok() const { return !overflow_; }
  size_t at() const { return at_; }
  void I32(int32_t v) {
    uint32_t u = static_cast<uint32_t>(v);
    uint8_t b[4] = {uint8_t(u), uint8_t(u >> 8), uint8_t(u >> 16), uint8_t(u >> 24)};
    Bytes(b, 4);
  }
  void F64(double d) {
    uint64_t u;
    std::memcpy(&u, &d, 8);
    uint8_t b[8];
    for (int i = 0; i < 8; i++) b[i] = uint8_t(u >> (8 * i));
    Bytes(b, 8);
  }
  void Bytes(const void* p, size_t n) {
    if (overflow_ || n > cap_ - at_) {
      overflow_ = true;
      return;
    }
    std::memcpy(base_ + at_, p, n);
    at_ += n;
  }
  void PatchI32(size_t at, int32_t v) {
    if (overflow_ || at + 4 > at_) return;
    uint32_t u = static_cast<uint32_t>(v);
    for (int i = 0; i < 4; i++) base_[at + i] = uint8_t(u >> (8 * i));
  }
  // A length-prefixed field: n >= 0 bytes, or a negative code with no bytes.
  void Field(ssize_t n, const void* p) {
    I32(int32_t(n));
    if (n > 0) Bytes(p, size_t(n));
  }

 private:
  uint8_t* base_;
  size_t cap_;
  size_t at_;
  bool overflow_ = false;
};

// Reads a per-process file relative to procfd. These are single-record seq files (stat, status, cgroup), cmdline or,
// in test trees, regular files: a read that returns less than asked for has returned everything, so one read usually
// suffices. Returns the byte count, or -errno. *truncated is set when `cap` bytes were read and more remained.
ssize_t ReadSmall(int procfd, const char* rel, std::vector<char>& buf, size_t cap, bool* truncated) {
  int fd = openat(procfd, rel, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return -errno;
  size_t len = 0;
  ssize_t result = 0;
  for (;;) {
    if (len == buf.size()) {
      if (len >= cap) break;
      buf.resize(std::min(cap, buf.size() * 2));
    }
    size_t want = std::min(buf.size(), cap) - len;
    ssize_t n = read(fd, buf.data() + len, want);
    if (n < 0) {
      if (errno == EINTR) continue;
      result = -errno;
      break;
    }
    len += size_t(n);
    if (n == 0 || size_t(n) < want) break;
    if (len >= cap) break;
  }
  if (result == 0 && truncated != nullptr) {
    *truncated = false;
    if (len >= cap) {
      char probe;
      ssize_t n;
      do n = read(fd, &probe, 1);
      while (n < 0 && errno == EINTR);
      *truncated = n > 0;
    }
  }
  close(fd);
  return result < 0 ? result : ssize_t(len);
}

ssize_t ReadLink(int dirfd, const char* rel, char* buf) {
  ssize_t n = readlinkat(dirfd, rel, buf, kLinkMax);
  return n < 0 ? -errno : n;
}

// The flags field of a stat line (the 7th after the last ')'), or 0 when it cannot be found.
unsigned long StatFlags(const char* s, size_t n) {
  size_t close = n;
  for (size_t i = n; i-- > 0;)
    if (s[i] == ')') {
      close = i;
      break;
    }
  if (close == n) return 0;
  // Fields as stat.ts splits them: single spaces after ") ".
  size_t i = close + 2;
  for (int field = 0; field < 6 && i < n; field++) {
    while (i < n && s[i] != ' ') i++;
    i++;
  }
  unsigned long v = 0;
  while (i < n && s[i] >= '0' && s[i] <= '9') v = v * 10 + unsigned(s[i++] - '0');
  return v;
}

// The stat fields stat.ts uses, by their index after "(comm) ": ppid, flags, utime, stime, cutime, cstime, threads,
// starttime, rss.
constexpr int kStatFields[] = {1, 6, 11, 12, 13, 14, 17, 19, 21};
constexpr int kStatFieldCount = 9;

// Parses a stat line that is plainly well formed: "PID (comm) S" then single-space separated fields of which the
// ones used are decimal digits. For such a line parseStat in stat.ts gives exactly these values; anything else
// (negative or odd fields, double spaces, a short line) returns false and goes to JS as text.
bool StatFast(const char* s, size_t n, int32_t pid, size_t* commStart, size_t* commEnd, char* state, double* v) {
  size_t i = 0;
  double p = 0;
  while (i < n && s[i] >= '0' && s[i] <= '9' && i < 10) p = p * 10 + (s[i++] - '0');
  if (i == 0 || i + 1 >= n || s[i] != ' ' || s[i + 1] != '(' || p != double(pid)) return false;
  size_t open = i + 1;
  size_t close = n;
  for (size_t k = n; k-- > open;)
    if (s[k] == ')') {
      close = k;
      break;
    }
  if (close == n || close + 1 >= n || s[close + 1] != ' ') return false;
  *commStart = open + 1;
  *commEnd = close;
  size_t at = close + 2;
  int want = 0;
  for (int field = 0; field <= 21; field++) {
    size_t end = at;
    while (end < n && s[end] != ' ') end++;
    // Field 21 must be followed by more so that JS's trimEnd cannot touch it.
    if (end >= n || end == at) return false;
    if (field == 0) {
      char c = s[at];
      if (end != at + 1 || !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) return false;
      *state = c;
    } else if (want < kStatFieldCount && field == kStatFields[want]) {
      if (end - at > 15) return false;
      double x = 0;
      for (size_t k = at; k < end; k++) {
        if (s[k] < '0' || s[k] > '9') return false;
        x = x * 10 + (s[k] - '0');
      }
      v[want++] = x;
    }
    at = end + 1;
  }
  return want == kStatFieldCount;
}

// The uid of status's Uid lines when there is one and it reads "Uid:<whitespace>digits<whitespace>", else -1.
int32_t UidFast(const std::string& lines) {
  if (lines.find('\n') != std::string::npos) return -1;
  size_t i = 4;
  while (i < lines.size() && (lines[i] == '\t' || lines[i] == ' ')) i++;
  size_t start = i;
  int64_t v = 0;
  while (i < lines.size() && lines[i] >= '0' && lines[i] <= '9' && i - start < 10) v = v * 10 + (lines[i++] - '0');
  if (i == start || v > INT32_MAX || (i < lines.size() && lines[i] != '\t' && lines[i] != ' ')) return -1;
  return int32_t(v);
}

bool EndsWith(const char* s, size_t n, const char* suffix) {
  size_t m = std::strlen(suffix);
  return n >= m && std::memcmp(s + n - m, suffix, m) == 0;
}

// The number in the first "[digits]" of a namespace link (as /\[(\d+)\]/ finds it), or -1.
double NsInode(const char* s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (s[i] != '[') continue;
    size_t j = i + 1;
    double v = 0;
    while (j < n && s[j] >= '0' && s[j] <= '9') v = v * 10 + (s[j++] - '0');
    if (j > i + 1 && j < n && s[j] == ']') return v;
  }
  return -1;
}

// Socket inodes of /proc/PID/fd: "socket:[N]" link targets with N all digits, ascending.
void FdSockets(int procfd, const std::string& fdRel, std::vector<double>& out, std::vector<char>& dents) {
  out.clear();
  int dfd = openat(procfd, fdRel.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return;
  char link[kLinkMax];
  bool denied = false;
  while (!denied) {
    long n = syscall(SYS_getdents64, dfd, dents.data(), dents.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    for (long off = 0; off < n;) {
      auto* d = reinterpret_cast<struct dirent64*>(dents.data() + off);
      off += d->d_reclen;
      const char* name = d->d_name;
      if (name[0] == '.' && (name[1] == 0 || (name[1] == '.' && name[2] == 0))) continue;
      ssize_t m = readlinkat(dfd, name, link, sizeof link);
      // Access to a process's fd links is decided per process (ptrace access mode): once denied, denied for all.
      if (m < 0 && (errno == EACCES || errno == EPERM)) {
        denied = true;
        break;
      }
      if (m < 9 || std::memcmp(link, "socket:[", 8) != 0 || link[m - 1] != ']') continue;
      double v = 0;
      bool digits = m > 9;
      for (ssize_t k = 8; k < m - 1; k++) {
        if (link[k] < '0' || link[k] > '9') {
          digits = false;
          break;
        }
        v = v * 10 + (link[k] - '0');
      }
      if (digits) out.push_back(v);
    }
  }
  close(dfd);
  // In inode order, as the JS reader gives them: directory order differs between readers and file systems.
  std::sort(out.begin(), out.end());
}

// The lines of a status text that start with "Uid:", joined by '\n'.
void UidLines(const char* s, size_t n, std::string& out) {
  out.clear();
  size_t i = 0;
  while (i < n) {
    size_t e = i;
    while (e < n && s[e] != '\n') e++;
    if (e - i >= 4 && std::memcmp(s + i, "Uid:", 4) == 0) {
      if (!out.empty()) out.push_back('\n');
      out.append(s + i, e - i);
    }
    i = e + 1;
  }
}

// The last value written of a field that neighbouring processes often share (workers of one program: the same
// executable, command line, directory and cgroup). A repeat is written as kSameAsPrevious and JS reuses the string it
// decoded for the previous record, which saves the decoding and the garbage. `pending` becomes `last` only once its
// record is known to fit, so a record rolled back for lack of room leaves JS and this in step.
struct Repeat {
  std::string last, pending;
  bool hasLast = false, hasPending = false;
  void Reset() { hasLast = hasPending = false; }
  void Write(Out& out, ssize_t n, const char* p) {
    hasPending = false;
    if (n > 0 && hasLast && size_t(n) == last.size() && std::memcmp(p, last.data(), size_t(n)) == 0) {
      out.I32(kSameAsPrevious);
      return;
    }
    out.Field(n, p);
    if (n >= 0) {
      pending.assign(p, size_t(n));
      hasPending = true;
    }
  }
  void Commit() {
    if (!hasPending) return;
    last.swap(pending);
    hasLast = true;
    hasPending = false;
  }
};

struct Scratch {
  Repeat cmdline, exe, cgroup, cwd;
  void ResetRepeats() {
    for (Repeat* r : {&cmdline, &exe, &cgroup, &cwd}) r->Reset();
  }
  void Commit() {
    for (Repeat* r : {&cmdline, &exe, &cgroup, &cwd}) r->Commit();
  }
  std::vector<char> file = std::vector<char>(64 * 1024);
  std::vector<char> dents = std::vector<char>(32 * 1024);
  std::vector<double> sockets;
  std::string uidLines;
  std::string path;
};

// Writes one record; false when it did not fit (the caller rolls `out` back).
bool ReadOne(int procfd, int32_t pid, size_t cmdlineCap, int flags, Scratch& s, Out& out) {
  const bool live = (flags & kLive) != 0;
  const std::string dir = std::to_string(pid);
  auto rel = [&](const char* leaf) -> const char* {
    s.path = dir;
    s.path.push_back('/');
    s.path.append(leaf);
    return s.path.c_str();
  };
  out.I32(pid);
  ssize_t statLen = ReadSmall(procfd, rel("stat"), s.file, s.file.size(), nullptr);
  if (statLen < 0) {
    out.I32(int32_t(statLen));
    return out.ok();
  }
  const bool kthread = (StatFlags(s.file.data(), size_t(statLen)) & kPfKthread) != 0;
  size_t commStart, commEnd;
  char state = 0;
  double fields[kStatFieldCount];
  if (StatFast(s.file.data(), size_t(statLen), pid, &commStart, &commEnd, &state, fields)) {
    out.I32(kStatParsed);
    out.Field(ssize_t(commEnd - commStart), s.file.data() + commStart);
    out.I32(state);
    for (double f : fields) out.F64(f);
  } else {
    out.Field(statLen, s.file.data());
  }

  // uid: on a live procfs the owner of /proc/PID is the effective uid of a dumpable process (task_dump_owner), and
  // a dumpable process that is not root has real uid == effective uid (changing either drops dumpability); root,
  // non-dumpable processes and other trees are read from status. Kernel threads run as root.
  int32_t uid = -1;
  if (live && kthread) {
    uid = 0;
  } else if (live) {
    struct stat st;
    if (fstatat(procfd, dir.c_str(), &st, 0) == 0 && st.st_uid != 0) uid = int32_t(st.st_uid);
  }
  out.I32(uid);
  if (uid < 0) {
    ssize_t n = ReadSmall(procfd, rel("status"), s.file, s.file.size(), nullptr);
    if (n >= 0) {
      UidLines(s.file.data(), size_t(n), s.uidLines);
      int32_t fast = UidFast(s.uidLines);
      if (fast >= 0) out.I32(kUidParsed), out.I32(fast);
      else out.Field(ssize_t(s.uidLines.size()), s.uidLines.data());
    } else {
      out.I32(int32_t(n));
    }
  } else {
    out.I32(kNotRead);
  }

  // Flags go before the data they describe; keep the position and fill it in after.
  const size_t flagsAt = out.at();
  out.I32(0);
  int recFlags = 0;

  // Kernel threads have no command line, executable or working directory; JS does not look for them either.
  if (kthread) {
    out.I32(kNotRead);
  } else {
    bool truncated = false;
    ssize_t n = ReadSmall(procfd, rel("cmdline"), s.file, cmdlineCap, &truncated);
    s.cmdline.Write(out, n, s.file.data());
    if (n >= 0 && truncated) recFlags |= kFlagArgsTruncated;
  }

  char link[kLinkMax];
  ssize_t exeLen = kthread ? kNotRead : ReadLink(procfd, rel("exe"), link);
  s.exe.Write(out, exeLen, link);
  if (live && exeLen > 0 && !EndsWith(link, size_t(exeLen), " (deleted)") &&
      !(exeLen >= 7 && std::memcmp(link, "/memfd:", 7) == 0)) {
    // The running image against what the path names now, inside the process's own root (containers).
    struct stat running, onDisk;
    std::string exe(link, size_t(exeLen));
    if (fstatat(procfd, rel("exe"), &running, 0) == 0) {
      std::string inRoot = dir + "/root" + exe;
      if (fstatat(procfd, inRoot.c_str(), &onDisk, 0) == 0 &&
          (running.st_ino != onDisk.st_ino || running.st_dev != onDisk.st_dev))
        recFlags |= kFlagExeReplaced;
    }
  }

  ssize_t cg = ReadSmall(procfd, rel("cgroup"), s.file, s.file.size(), nullptr);
  s.cgroup.Write(out, cg, s.file.data());

  ssize_t nsLen = ReadLink(procfd, rel("ns/net"), link);
  out.F64(nsLen > 0 ? NsInode(link, size_t(nsLen)) : -1);

  // A live kernel thread has no open files, so its fd directory is always empty.
  if (live && kthread) s.sockets.clear();
  else FdSockets(procfd, rel("fd"), s.sockets, s.dents);

  ssize_t cwdLen = kthread ? kNotRead : ReadLink(procfd, rel("cwd"), link);
  s.cwd.Write(out, cwdLen, link);

  out.I32(int32_t(s.sockets.size()));
  for (double v : s.sockets) out.F64(v);

  out.PatchI32(flagsAt, recFlags);
  return out.ok();
}

Napi::Value ReadProcs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 6 || !info[0].IsString() || !info[1].IsTypedArray() || !info[2].IsNumber() ||
      !info[3].IsTypedArray() || !info[4].IsNumber() || !info[5].IsNumber()) {
    Napi::TypeError::New(env, "readProcs(procDir, pids, from, out, cmdlineCap, flags)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::string procDir = info[0].As<Napi::String>().Utf8Value();
  Napi::Int32Array pids = info[1].As<Napi::Int32Array>();
  size_t from = size_t(std::max(0.0, info[2].As<Napi::Number>().DoubleValue()));
  Napi::Uint8Array outArr = info[3].As<Napi::Uint8Array>();
  size_t cmdlineCap = size_t(std::max(1.0, info[4].As<Napi::Number>().DoubleValue()));
  int flags = info[5].As<Napi::Number>().Int32Value();

  int procfd = open(procDir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (procfd < 0) {
    Napi::Error::New(env, std::string("open ") + procDir + ": " + std::strerror(errno)).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  static Scratch scratch;
  uint8_t* base = outArr.Data();
  size_t cap = outArr.ByteLength();
  size_t at = 0;
  size_t i = from;
  scratch.ResetRepeats();
  for (; i < pids.ElementLength(); i++) {
    Out out(base, cap, at);
    if (!ReadOne(procfd, pids[i], cmdlineCap, flags, scratch, out)) break;
    scratch.Commit();
    at = out.at();
  }
  close(procfd);
  return Napi::Number::New(env, double(i));
}

Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  exports.Set("readProcs", Napi::Function::New(env, ReadProcs));
  exports.Set("abiVersion", Napi::Number::New(env, 1));
  return exports;
}

}  // namespace

NODE_API_MODULE(procfs_read, InitModule)
