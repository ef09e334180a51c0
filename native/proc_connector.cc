// Real-time process events from the Linux proc connector (NETLINK_CONNECTOR / CN_IDX_PROC).
//
// A reader thread blocks on the netlink socket. On each exec it reads /proc/PID/{exe,cmdline,stat,status} at once,
// because a dropper that lives 50 ms is gone before JavaScript could get to it. Socket filters keep thread events and
// unused event kinds out in the kernel, and forks and exits wait on a second socket that wakes nobody: one wake-up
// per process start, each system call being costly under PTI. Records go into a bounded queue that
// the JS thread drains in batches through one ThreadSafeFunction call per batch; when JS falls behind, records are
// counted as dropped instead of growing memory. ENOBUFS from the socket means the kernel itself dropped events: those
// are counted separately ("overruns").
//
// JS API:
//   const l = new Listener({ queueLimit, ackTimeoutMs, forks, handoffMs })  // opens, subscribes, waits for the
//                                       // ack; throws an Error with .code (errno name or ETIMEDOUT)
//   l.start(batch => ...)   // batch: array of plain records, see ToJs()
//   l.stop()                // closes the socket and joins the thread; idempotent
//   l.stats()               // { delivered, dropped, overruns, error }

#include <napi.h>

#include <fcntl.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sys/resource.h>
#include <sys/syscall.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

namespace {

constexpr size_t kCmdlineCap = 64 * 1024;
constexpr size_t kStatCap = 1024;
// The Uid: line sits in the first dozen lines of status; no need to read the whole (~1.5 KiB) file.
constexpr size_t kStatusCap = 512;
constexpr int kRcvBufBytes = 8 * 1024 * 1024;
// Parent-of map fed by fork events, for execs whose stat no longer names the parent. Exits remove their entry;
// entries of processes that outlive the listener's view age out in two generations of this size each.
constexpr size_t kForkGeneration = 32768;
// A little ahead of ordinary work (like auditd's priority_boost): the reader races processes that live a millisecond.
constexpr int kReaderNice = -5;
// Records reach JS in batches: at most handoffMs old (default 2 ms) or this many. Reading /proc happens at once
// regardless; only the hand-off waits, which saves a JS wake-up per exec when processes start one after another.
// A consumer that only looks at events now and then (the agent detects them with its next scan) sets a longer one.
constexpr uint32_t kDefaultHandoffMs = 2;
constexpr size_t kHandoffBatch = 256;
// Datagrams taken per recvmmsg call; one proc event is ~100 bytes.
constexpr unsigned kRecvBatch = 64;
constexpr size_t kRecvSlot = 512;
// Forks and exits are read at least this often when no exec comes (or every hand-off delay, if that is longer).
constexpr uint32_t kLazyMs = 50;

enum class Kind : uint8_t { Exec, Exit, Fork };

struct Record {
  Kind kind = Kind::Exec;
  int32_t pid = 0;
  int32_t ppid = -1;
  int64_t uid = -1;
  int64_t startTicks = -1;
  uint32_t exitStatus = 0;
  double timeMs = 0;
  bool hasExe = false;
  bool hasCmdline = false;
  std::string exe;
  std::string cmdline;
  std::string comm;
};

// What an exec record learnt of a process, so that its exit needs no /proc read.
struct ExecSeen {
  int64_t startTicks = -1;
  int64_t uid = -1;
  std::string comm;
};

// A pid-keyed map bounded by two generations instead of one map cleared when full: memory stays bounded
// (2 x limit) and the newest entries, the ones still likely to be asked for, are never the ones thrown away.
template <typename V>
class TwoGenerations {
 public:
  explicit TwoGenerations(size_t limit) : limit_(limit) {}
  void Put(int32_t pid, V v) {
    if (cur_.size() >= limit_) {
      old_.swap(cur_);
      cur_.clear();
    }
    cur_[pid] = std::move(v);
    old_.erase(pid);
  }
  const V* Get(int32_t pid) const {
    auto it = cur_.find(pid);
    if (it != cur_.end()) return &it->second;
    auto old = old_.find(pid);
    return old != old_.end() ? &old->second : nullptr;
  }
  void Erase(int32_t pid) {
    cur_.erase(pid);
    old_.erase(pid);
  }

 private:
  size_t limit_;
  std::unordered_map<int32_t, V> cur_;
  std::unordered_map<int32_t, V> old_;
};

// State shared by the JS object, the reader thread and every pending drain call, so that none of them can outlive it.
struct Shared {
  std::mutex mu;
  std::vector<Record> queue;
  size_t queueLimit = 16384;
  std::atomic<bool> drainScheduled{false};
  std::atomic<uint64_t> delivered{0};
  std::atomic<uint64_t> dropped{0};
  std::atomic<uint64_t> overruns{0};
  std::string error;  // guarded by mu
  Napi::ThreadSafeFunction tsfn;
};

int64_t ClockNs(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

// Reads at most cap bytes of a /proc file into buf (sized once by the caller, never re-cleared). Returns false when
// the file could not be opened (the process is gone).
bool ReadSmallFile(const char* path, size_t cap, std::vector<char>& buf, std::string_view* out) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  if (cap > buf.size()) cap = buf.size();
  size_t len = 0;
  while (len < cap) {
    ssize_t n = read(fd, buf.data() + len, cap - len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    len += static_cast<size_t>(n);
    // procfs hands over what it has in one read, a page or more at a time: a read that does not end on a page
    // boundary was the end of the file, and another read only to be told so is a system call saved per file.
    if (len % 4096 != 0) break;
  }
  close(fd);
  *out = std::string_view(buf.data(), len);
  return true;
}

// stat(5): "pid (comm) state ppid ... starttime(22)"; comm may hold spaces and ')', so fields follow the LAST ')'.
void ParseStat(std::string_view text, Record& r) {
  size_t open = text.find('(');
  size_t close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) return;
  r.comm.assign(text.substr(open + 1, close - open - 1));
  const char* p = text.data() + close + 1;
  const char* end = text.data() + text.size();
  // Field index after ')': 0 state, 1 ppid, ..., 19 starttime.
  for (int field = 0; p < end && field <= 19; ++field) {
    while (p < end && *p == ' ') ++p;
    const char* start = p;
    while (p < end && *p != ' ') ++p;
    if ((field == 1 || field == 19) && p > start && p - start < 20) {
      long long v = 0;
      bool ok = true;
      for (const char* q = start; q < p; ++q) {
        if (*q < '0' || *q > '9') ok = false;
        else v = v * 10 + (*q - '0');
      }
      if (ok) {
        if (field == 1) r.ppid = static_cast<int32_t>(v);
        else r.startTicks = v;
      }
    }
  }
}

void ParseStatusUid(std::string_view text, Record& r) {
  size_t at = text.find("\nUid:");
  if (at == std::string_view::npos) return;
  const char* p = text.data() + at + 5;
  const char* end = text.data() + text.size();
  while (p < end && (*p == ' ' || *p == '\t')) ++p;
  long long v = 0;
  const char* start = p;
  for (; p < end && *p >= '0' && *p <= '9' && p - start < 12; ++p) v = v * 10 + (*p - '0');
  if (p > start) r.uid = v;
}

// Classic BPF loads words in network byte order; the connector's fields are in host order (little-endian here).
constexpr uint32_t Swapped(uint32_t v) {
  return ((v & 0xffu) << 24) | ((v & 0xff00u) << 8) | ((v >> 8) & 0xff00u) | (v >> 24);
}

// A socket filter so that the kernel keeps from this socket every event the reader would throw away: thread
// creations and exits (most of the traffic on a host running threaded programs) and uid, gid, sid, ptrace, comm and
// coredump events. Dropped before they are queued, they neither wake the reader nor take a system call to read.
// Anything that is not a well-formed proc event passes, for the reader to judge as before. `keep` splits the rest
// over two sockets: execs, which must wake the reader at once, and forks and exits, which need not.
enum class Keep { All, Exec, ForkExit };

bool AttachEventFilter(int sock, Keep keep) {
  constexpr uint32_t kEv = NLMSG_HDRLEN + sizeof(cn_msg);  // where struct proc_event starts in the datagram
  constexpr uint32_t kWhat = kEv + offsetof(proc_event, what);
  constexpr uint32_t kForkPid = kEv + offsetof(proc_event, event_data.fork.child_pid);
  constexpr uint32_t kForkTgid = kEv + offsetof(proc_event, event_data.fork.child_tgid);
  constexpr uint32_t kExitPid = kEv + offsetof(proc_event, event_data.exit.process_pid);
  constexpr uint32_t kExitTgid = kEv + offsetof(proc_event, event_data.exit.process_tgid);
  constexpr uint32_t kMinLen = kForkTgid + sizeof(uint32_t);
  constexpr uint32_t kIdx = NLMSG_HDRLEN + offsetof(cn_msg, id.idx);
  // Jump offsets count from the next instruction; DROP is 18, KEEP 19.
  sock_filter code[] = {
      /* 0 */ BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0),
      /* 1 */ BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, kMinLen, 0, 17),
      /* 2 */ BPF_STMT(BPF_LD | BPF_H | BPF_ABS, offsetof(nlmsghdr, nlmsg_type)),
      /* 3 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (NLMSG_DONE & 0xff) << 8 | (NLMSG_DONE >> 8), 0, 15),
      /* 4 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kIdx),
      /* 5 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, Swapped(CN_IDX_PROC), 0, 13),
      /* 6 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kWhat),
      /* 7 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, Swapped(proc_event::PROC_EVENT_EXEC),
                       static_cast<__u8>(keep == Keep::ForkExit ? 10 : 11), static_cast<__u8>(keep == Keep::Exec ? 10 : 0)),
      /* 8 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, Swapped(proc_event::PROC_EVENT_FORK), 1, 0),
      /* 9 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, Swapped(proc_event::PROC_EVENT_EXIT), 4, 8),
      /* 10 fork: a new process, not a new thread */
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kForkTgid),
      /* 11 */ BPF_STMT(BPF_MISC | BPF_TAX, 0),
      /* 12 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kForkPid),
      /* 13 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_X, 0, 5, 4),
      /* 14 exit: the thread-group leader's, i.e. the process's */
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kExitTgid),
      /* 15 */ BPF_STMT(BPF_MISC | BPF_TAX, 0),
      /* 16 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kExitPid),
      /* 17 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_X, 0, 1, 0),
      /* 18 DROP */ BPF_STMT(BPF_RET | BPF_K, 0),
      /* 19 KEEP */ BPF_STMT(BPF_RET | BPF_K, 0xffffffffu),
  };
  sock_fprog prog{static_cast<unsigned short>(sizeof code / sizeof code[0]), code};
  return setsockopt(sock, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) == 0;
}

// strerrorname_np is glibc-only (2.32+); the few errnos this file can meet are named by hand.
std::string ErrnoName(int err) {
  switch (err) {
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case ENOENT: return "ENOENT";
    case ECONNREFUSED: return "ECONNREFUSED";
    case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case ETIMEDOUT: return "ETIMEDOUT";
    case ENOBUFS: return "ENOBUFS";
    case ENOMEM: return "ENOMEM";
    case EMFILE: return "EMFILE";
    case EINVAL: return "EINVAL";
    default: return "E" + std::to_string(err);
  }
}

class Reader {
 public:
  Reader(int sock, int lazySock, int stopFd, bool forks, uint32_t handoffMs, std::shared_ptr<Shared> shared)
      : sock_(sock),
        lazySock_(lazySock),
        lazyMs_(static_cast<int>(handoffMs > kLazyMs ? handoffMs : kLazyMs)),
        stopFd_(stopFd),
        forks_(forks),
        handoffNs_(static_cast<int64_t>(handoffMs) * 1000000LL),
        shared_(std::move(shared)) {
    recvBuf_.resize(kRecvBatch * kRecvSlot);
    for (unsigned i = 0; i < kRecvBatch; ++i) {
      iov_[i] = {recvBuf_.data() + i * kRecvSlot, kRecvSlot};
      msgs_[i] = {};
      msgs_[i].msg_hdr.msg_iov = &iov_[i];
      msgs_[i].msg_hdr.msg_iovlen = 1;
    }
    scratch_.resize(kCmdlineCap);
    RefreshClock();
  }

  void Run() {
    // Best effort: needs CAP_SYS_NICE; on Linux a thread has its own nice value.
    setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), kReaderNice);
    pollfd fds[2] = {{sock_, POLLIN, 0}, {stopFd_, POLLIN, 0}};
    for (;;) {
      // Forks and exits (the lazy socket, when there is one) wake nobody: they are read with the next exec, or
      // after lazyMs_ at the latest.
      int timeout = lazySock_ >= 0 ? lazyMs_ : -1;
      if (!pending_.empty()) {
        int64_t left = pendingSinceNs_ + handoffNs_ - ClockNs(CLOCK_MONOTONIC);
        int untilHandoff = left <= 0 ? 0 : static_cast<int>((left + 999999) / 1000000);
        if (timeout < 0 || untilHandoff < timeout) timeout = untilHandoff;
      }
      int r = poll(fds, 2, timeout);
      if (r < 0) {
        if (errno == EINTR) continue;
        Fail("poll", errno);
        return;
      }
      if (fds[1].revents != 0) return;
      // The fork before an exec is on the lazy socket already (the kernel reports it before the child can run),
      // and exits may follow the execs read now: both sockets' events are handled in the kernel's time order.
      if (lazySock_ >= 0 && !Drain(lazySock_)) return;
      if (fds[0].revents != 0 && !Drain(sock_)) return;
      if (events_.size() > 1) {
        std::stable_sort(events_.begin(), events_.end(),
                         [](const proc_event& a, const proc_event& b) { return a.timestamp_ns < b.timestamp_ns; });
      }
      for (const proc_event& ev : events_) Handle(ev);
      events_.clear();
      if (pending_.empty()) continue;
      int64_t now = ClockNs(CLOCK_MONOTONIC);
      if (pendingSinceNs_ == 0) pendingSinceNs_ = now;
      if (pending_.size() >= kHandoffBatch || now - pendingSinceNs_ >= handoffNs_) Flush();
    }
  }

 private:
  // Reads what is ready, many datagrams per system call; a short read means the socket is empty, so no further call
  // is spent to learn that. Bounded, so that a stop request is seen even during a flood. False on a fatal error.
  bool Drain(int fd) {
    for (int i = 0; i < 64; ++i) {
      int n = recvmmsg(fd, msgs_, kRecvBatch, MSG_DONTWAIT, nullptr);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        if (errno == ENOBUFS) {
          shared_->overruns.fetch_add(1, std::memory_order_relaxed);
          continue;
        }
        Fail("recvmmsg", errno);
        return false;
      }
      for (int m = 0; m < n; ++m) Parse(recvBuf_.data() + m * kRecvSlot, msgs_[m].msg_len);
      if (static_cast<unsigned>(n) < kRecvBatch) break;
    }
    return true;
  }

  void Fail(const char* what, int err) {
    std::lock_guard<std::mutex> lock(shared_->mu);
    shared_->error = std::string(what) + ": " + ErrnoName(err);
  }

  // The kernel stamps events with CLOCK_MONOTONIC; re-read the offset to wall time now and then so that a clock step
  // (NTP, settimeofday) is followed within a second.
  void RefreshClock() {
    int64_t mono = ClockNs(CLOCK_MONOTONIC);
    realMinusMonoNs_ = ClockNs(CLOCK_REALTIME) - mono;
    nextClockRefreshNs_ = mono + 1000000000LL;
  }

  void Parse(char* data, size_t len) {
    if (len > kRecvSlot) len = kRecvSlot;  // truncated (MSG_TRUNC reports the full length): keep to what is here
    auto* nlh = reinterpret_cast<nlmsghdr*>(data);
    for (; NLMSG_OK(nlh, len); nlh = NLMSG_NEXT(nlh, len)) {
      if (nlh->nlmsg_type == NLMSG_NOOP || nlh->nlmsg_type == NLMSG_ERROR) continue;
      if (nlh->nlmsg_type == NLMSG_OVERRUN) {
        shared_->overruns.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(cn_msg))) continue;
      const auto* cn = static_cast<const cn_msg*>(NLMSG_DATA(nlh));
      if (cn->id.idx != CN_IDX_PROC || cn->id.val != CN_VAL_PROC) continue;
      if (NLMSG_LENGTH(sizeof(cn_msg) + cn->len) > nlh->nlmsg_len) continue;
      // The payload is not 8-byte aligned inside the datagram; copy it out instead of reading through a cast.
      events_.emplace_back();
      memcpy(&events_.back(), cn->data, cn->len < sizeof(proc_event) ? cn->len : sizeof(proc_event));
    }
  }

  bool Room() {
    std::lock_guard<std::mutex> lock(shared_->mu);
    return shared_->queue.size() + pending_.size() < shared_->queueLimit;
  }

  double ToEpochMs(uint64_t monoNs) {
    if (static_cast<int64_t>(monoNs) > nextClockRefreshNs_) RefreshClock();
    return static_cast<double>(static_cast<int64_t>(monoNs) + realMinusMonoNs_) / 1e6;
  }

  void Handle(const proc_event& ev) {
    switch (ev.what) {
      case proc_event::PROC_EVENT_EXEC: {
        if (!Room()) {
          shared_->dropped.fetch_add(1, std::memory_order_relaxed);
          return;
        }
        pending_.emplace_back();
        Record& r = pending_.back();
        r.kind = Kind::Exec;
        r.pid = ev.event_data.exec.process_tgid;
        r.timeMs = ToEpochMs(ev.timestamp_ns);
        ReadProcess(r, true);
        // Gone before stat could be read, or read while being reaped (the kernel then prints ppid 0): the fork
        // event still told us who the parent was.
        if (r.ppid <= 0) {
          int32_t parent = ForkParent(r.pid);
          if (parent > 0) r.ppid = parent;
        }
        if (r.startTicks >= 0) execSeen_.Put(r.pid, ExecSeen{r.startTicks, r.uid, r.comm});
        return;
      }
      case proc_event::PROC_EVENT_EXIT: {
        // Threads exit too; only the thread-group leader's exit is the process's.
        if (ev.event_data.exit.process_pid != ev.event_data.exit.process_tgid) return;
        // The fork record's parent stands in when the kernel's exit record names none (it reads the parent only
        // while the task is still hashed, so a child racing its own teardown can report 0).
        int32_t forkParent = ForkParent(ev.event_data.exit.process_tgid);
        ForgetFork(ev.event_data.exit.process_tgid);
        const ExecSeen* seen = execSeen_.Get(ev.event_data.exit.process_tgid);
        if (!Room()) {
          shared_->dropped.fetch_add(1, std::memory_order_relaxed);
          return;
        }
        pending_.emplace_back();
        Record& r = pending_.back();
        r.kind = Kind::Exit;
        r.pid = ev.event_data.exit.process_tgid;
        r.exitStatus = ev.event_data.exit.exit_code;
        r.timeMs = ToEpochMs(ev.timestamp_ns);
        int32_t statParent = -1;
        if (seen != nullptr) {
          // Seen at exec: name and start time are known, so the exit costs no /proc read.
          r.startTicks = seen->startTicks;
          r.uid = seen->uid;
          r.comm = seen->comm;
          execSeen_.Erase(r.pid);
        } else {
          // Still a zombie at this point, so stat (name, start time) is usually there; exe and cmdline are not.
          ReadProcess(r, false);
          statParent = r.ppid;
        }
        r.ppid = ev.event_data.exit.parent_tgid;
        if (r.ppid <= 0) r.ppid = forkParent > 0 ? forkParent : statParent;
        return;
      }
      case proc_event::PROC_EVENT_FORK: {
        if (ev.event_data.fork.child_pid != ev.event_data.fork.child_tgid) return;  // a new thread
        RememberFork(ev.event_data.fork.child_tgid, ev.event_data.fork.parent_tgid);
        if (!forks_) return;
        if (!Room()) {
          shared_->dropped.fetch_add(1, std::memory_order_relaxed);
          return;
        }
        pending_.emplace_back();
        Record& r = pending_.back();
        r.kind = Kind::Fork;
        r.pid = ev.event_data.fork.child_tgid;
        r.ppid = ev.event_data.fork.parent_tgid;
        r.timeMs = ToEpochMs(ev.timestamp_ns);
        return;
      }
      default:
        return;
    }
  }

  void RememberFork(int32_t child, int32_t parent) {
    parentOf_.Put(child, parent);
    // A new process under this pid: what an earlier holder exec'd no longer describes it.
    execSeen_.Erase(child);
  }

  int32_t ForkParent(int32_t pid) const {
    const int32_t* parent = parentOf_.Get(pid);
    return parent != nullptr ? *parent : -1;
  }

  void ForgetFork(int32_t pid) { parentOf_.Erase(pid); }

  void ReadProcess(Record& r, bool full) {
    char path[64];
    std::string_view text;
    if (full) {
      snprintf(path, sizeof path, "/proc/%d/exe", r.pid);
      char link[4096];
      ssize_t n = readlink(path, link, sizeof link);
      if (n >= 0) {
        r.exe.assign(link, static_cast<size_t>(n));
        r.hasExe = true;
      }
      snprintf(path, sizeof path, "/proc/%d/cmdline", r.pid);
      if (ReadSmallFile(path, kCmdlineCap, scratch_, &text)) {
        r.cmdline.assign(text);
        r.hasCmdline = true;
      }
    }
    // Ordered by how soon each goes away: exe and cmdline vanish when the process exits, stat and status stay
    // until its parent reaps it.
    snprintf(path, sizeof path, "/proc/%d/stat", r.pid);
    if (ReadSmallFile(path, kStatCap, scratch_, &text)) ParseStat(text, r);
    if (full) {
      snprintf(path, sizeof path, "/proc/%d/status", r.pid);
      if (ReadSmallFile(path, kStatusCap, scratch_, &text)) ParseStatusUid(text, r);
    }
  }

  void Flush() {
    pendingSinceNs_ = 0;
    if (pending_.empty()) return;
    bool schedule = false;
    {
      std::lock_guard<std::mutex> lock(shared_->mu);
      for (auto& r : pending_) shared_->queue.push_back(std::move(r));
      schedule = !shared_->drainScheduled.exchange(true);
    }
    pending_.clear();
    if (schedule) ScheduleDrain(shared_);
  }

 public:
  static void ScheduleDrain(const std::shared_ptr<Shared>& shared);

 private:
  int sock_;
  int lazySock_;
  int lazyMs_;
  int stopFd_;
  bool forks_;
  int64_t handoffNs_;
  std::shared_ptr<Shared> shared_;
  std::vector<char> recvBuf_;
  mmsghdr msgs_[kRecvBatch];
  iovec iov_[kRecvBatch];
  std::vector<char> scratch_;
  std::vector<Record> pending_;
  std::vector<proc_event> events_;
  TwoGenerations<int32_t> parentOf_{kForkGeneration};
  TwoGenerations<ExecSeen> execSeen_{kForkGeneration};
  int64_t pendingSinceNs_ = 0;
  int64_t realMinusMonoNs_ = 0;
  int64_t nextClockRefreshNs_ = 0;
};

napi_value Latin1(napi_env env, const std::string& s) {
  napi_value v;
  napi_create_string_latin1(env, s.data(), s.size(), &v);
  return v;
}

Napi::Object ToJs(Napi::Env env, const Record& r) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("kind", r.kind == Kind::Exec ? "exec" : r.kind == Kind::Exit ? "exit" : "fork");
  o.Set("pid", r.pid);
  o.Set("ppid", r.ppid);
  o.Set("timeMs", r.timeMs);
  o.Set("startTicks", static_cast<double>(r.startTicks));
  o.Set("uid", static_cast<double>(r.uid));
  if (!r.comm.empty()) o.Set("comm", Napi::Value(env, Latin1(env, r.comm)));
  if (r.hasExe) o.Set("exe", Napi::String::New(env, r.exe));
  if (r.hasCmdline) o.Set("cmdline", Napi::Buffer<char>::Copy(env, r.cmdline.data(), r.cmdline.size()));
  if (r.kind == Kind::Exit) o.Set("exitStatus", r.exitStatus);
  return o;
}

void Reader::ScheduleDrain(const std::shared_ptr<Shared>& shared) {
  auto status = shared->tsfn.NonBlockingCall([shared](Napi::Env env, Napi::Function cb) {
    std::vector<Record> batch;
    {
      std::lock_guard<std::mutex> lock(shared->mu);
      batch.swap(shared->queue);
      shared->drainScheduled.store(false);
    }
    if (batch.empty() || env == nullptr) return;
    Napi::Array arr = Napi::Array::New(env, batch.size());
    for (size_t i = 0; i < batch.size(); ++i) arr.Set(static_cast<uint32_t>(i), ToJs(env, batch[i]));
    shared->delivered.fetch_add(batch.size(), std::memory_order_relaxed);
    cb.Call({arr});
  });
  if (status != napi_ok) {
    // The function is closing (stop in progress): nothing will drain, so let later flushes try again.
    shared->drainScheduled.store(false);
  }
}

Napi::Error ErrnoError(Napi::Env env, const char* syscall, int err, const std::string& hint) {
  std::string code = ErrnoName(err);
  Napi::Error e = Napi::Error::New(env, std::string(syscall) + " " + code + ": " + hint);
  e.Set("code", code);
  e.Set("syscall", syscall);
  return e;
}

class Listener : public Napi::ObjectWrap<Listener> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "Listener",
                       {InstanceMethod("start", &Listener::Start), InstanceMethod("stop", &Listener::Stop),
                        InstanceMethod("stats", &Listener::Stats)});
  }

  explicit Listener(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Listener>(info) {
    Napi::Env env = info.Env();
    shared_ = std::make_shared<Shared>();
    uint32_t ackTimeoutMs = 500;
    if (info.Length() > 0 && info[0].IsObject()) {
      Napi::Object o = info[0].As<Napi::Object>();
      if (o.Get("queueLimit").IsNumber()) shared_->queueLimit = o.Get("queueLimit").As<Napi::Number>().Uint32Value();
      if (o.Get("ackTimeoutMs").IsNumber()) ackTimeoutMs = o.Get("ackTimeoutMs").As<Napi::Number>().Uint32Value();
      forks_ = o.Get("forks").ToBoolean().Value();
      if (o.Get("handoffMs").IsNumber()) handoffMs_ = o.Get("handoffMs").As<Napi::Number>().Uint32Value();
    }
    if (shared_->queueLimit == 0) shared_->queueLimit = 1;
    const char* failedCall = nullptr;
    std::string hint;
    int err = Open(ackTimeoutMs, &failedCall, &hint);
    if (err != 0) {
      CloseFds();
      ErrnoError(env, failedCall, err, hint).ThrowAsJavaScriptException();
      return;
    }
    // The raw C API, so that the destructor can remove exactly this registration (Napi::Env::AddCleanupHook wraps
    // the pointers, and a hook left behind would run on a freed object at exit).
    cleanupHooked_ = napi_add_env_cleanup_hook(env, &Listener::OnEnvCleanup, this) == napi_ok;
  }

  ~Listener() override {
    if (cleanupHooked_) napi_remove_env_cleanup_hook(Env(), &Listener::OnEnvCleanup, this);
    JoinAndClose();
  }

 private:
  int Open(uint32_t ackTimeoutMs, const char** failedCall, std::string* hint) {
    sock_ = socket(PF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_CONNECTOR);
    if (sock_ < 0) {
      *failedCall = "socket";
      *hint = "the kernel has no proc connector (CONFIG_PROC_EVENTS) or netlink is blocked";
      return errno;
    }
    // A burst of execs must fit in the socket buffer while the reader reads /proc; FORCE needs CAP_NET_ADMIN.
    int rcv = kRcvBufBytes;
    if (setsockopt(sock_, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof rcv) != 0)
      setsockopt(sock_, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
    sockaddr_nl addr{};
    addr.nl_family = AF_NETLINK;
    addr.nl_groups = CN_IDX_PROC;
    if (bind(sock_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      *failedCall = "bind";
      *hint = "cannot join the proc connector multicast group";
      return errno;
    }
    socklen_t alen = sizeof addr;
    getsockname(sock_, reinterpret_cast<sockaddr*>(&addr), &alen);

    // Newer kernels overwrite seq with a per-cpu counter on the way back, but keep ack+1: tag the request by ack.
    const uint32_t nonce = (static_cast<uint32_t>(ClockNs(CLOCK_MONOTONIC)) ^ static_cast<uint32_t>(getpid())) | 1u;
    alignas(nlmsghdr) char req[NLMSG_SPACE(sizeof(cn_msg) + sizeof(uint32_t))] = {};
    auto* nlh = reinterpret_cast<nlmsghdr*>(req);
    nlh->nlmsg_len = NLMSG_LENGTH(sizeof(cn_msg) + sizeof(uint32_t));
    nlh->nlmsg_type = NLMSG_DONE;
    nlh->nlmsg_pid = addr.nl_pid;
    auto* cn = static_cast<cn_msg*>(NLMSG_DATA(nlh));
    cn->id.idx = CN_IDX_PROC;
    cn->id.val = CN_VAL_PROC;
    cn->seq = 0;
    cn->ack = nonce;
    cn->len = sizeof(uint32_t);
    uint32_t op = PROC_CN_MCAST_LISTEN;
    memcpy(cn->data, &op, sizeof op);
    if (send(sock_, req, nlh->nlmsg_len, 0) < 0) {
      *failedCall = "send";
      *hint = errno == ECONNREFUSED
                  ? "no proc connector in this network namespace (events exist only in the initial one)"
                  : "cannot subscribe to process events";
      return errno;
    }
    int ackErr = WaitForAck(nonce, ackTimeoutMs);
    if (ackErr == ETIMEDOUT) {
      *failedCall = "ack";
      *hint = "the kernel ignored the subscription: not in the initial user and pid namespace (a container?)";
      return ETIMEDOUT;
    }
    if (ackErr != 0) {
      *failedCall = "ack";
      *hint = ackErr == EPERM ? "subscribing needs CAP_NET_ADMIN on this kernel" : "the kernel refused the subscription";
      return ackErr;
    }
    // After the ack, which the filters would drop. Best effort: without a filter the reader drops the same events
    // itself, and without the second socket every event wakes it.
    OpenLazySocket();
    AttachEventFilter(sock_, lazySock_ >= 0 ? Keep::Exec : Keep::All);
    stopFd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (stopFd_ < 0) {
      *failedCall = "eventfd";
      *hint = "cannot create the stop signal";
      return errno;
    }
    return 0;
  }

  // A second member of the multicast group for forks and exits (the subscription made on sock_ keeps events
  // flowing to the whole group). Filtered before it joins, so it never holds an event it should not.
  void OpenLazySocket() {
    int fd = socket(PF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_CONNECTOR);
    if (fd < 0) return;
    int rcv = kRcvBufBytes;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof rcv) != 0)
      setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
    sockaddr_nl addr{};
    addr.nl_family = AF_NETLINK;
    addr.nl_groups = CN_IDX_PROC;
    if (!AttachEventFilter(fd, Keep::ForkExit) || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      close(fd);
      return;
    }
    lazySock_ = fd;
  }

  // The kernel answers LISTEN with a PROC_EVENT_NONE carrying our ack+1, broadcast to every listener, so match on
  // it. Events that arrive before it predate the subscription and are discarded. Requests from outside
  // the initial user/pid namespace get no answer at all, hence the timeout.
  int WaitForAck(uint32_t nonce, uint32_t timeoutMs) {
    std::vector<char> buf(64 * 1024);
    int64_t deadline = ClockNs(CLOCK_MONOTONIC) + static_cast<int64_t>(timeoutMs) * 1000000LL;
    for (;;) {
      int64_t left = (deadline - ClockNs(CLOCK_MONOTONIC)) / 1000000LL;
      if (left <= 0) return ETIMEDOUT;
      pollfd pfd{sock_, POLLIN, 0};
      int r = poll(&pfd, 1, static_cast<int>(left));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) return r == 0 ? ETIMEDOUT : errno;
      ssize_t n = recv(sock_, buf.data(), buf.size(), MSG_DONTWAIT);
      if (n < 0) {
        if (errno == EINTR || errno == EAGAIN || errno == ENOBUFS) continue;
        return errno;
      }
      size_t len = static_cast<size_t>(n);
      for (auto* nlh = reinterpret_cast<nlmsghdr*>(buf.data()); NLMSG_OK(nlh, len); nlh = NLMSG_NEXT(nlh, len)) {
        if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(cn_msg))) continue;
        const auto* cn = static_cast<const cn_msg*>(NLMSG_DATA(nlh));
        if (cn->id.idx != CN_IDX_PROC || cn->ack != nonce + 1) continue;
        proc_event ev{};
        memcpy(&ev, cn->data, cn->len < sizeof(ev) ? cn->len : sizeof(ev));
        if (ev.what == proc_event::PROC_EVENT_NONE) return static_cast<int>(ev.event_data.ack.err);
      }
    }
  }

  Napi::Value Start(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (started_ || sock_ < 0) {
      Napi::Error::New(env, "listener already started or stopped").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    if (info.Length() < 1 || !info[0].IsFunction()) {
      Napi::TypeError::New(env, "start(callback) needs a function").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    shared_->tsfn = Napi::ThreadSafeFunction::New(env, info[0].As<Napi::Function>(), "minewarden-proc-connector", 0, 1);
    started_ = true;
    auto reader = std::make_shared<Reader>(sock_, lazySock_, stopFd_, forks_, handoffMs_, shared_);
    thread_ = std::thread([reader] { reader->Run(); });
    return env.Undefined();
  }

  Napi::Value Stop(const Napi::CallbackInfo& info) {
    JoinAndClose();
    if (started_ && !tsfnReleased_) {
      shared_->tsfn.Release();
      tsfnReleased_ = true;
    }
    return info.Env().Undefined();
  }

  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    o.Set("delivered", static_cast<double>(shared_->delivered.load()));
    o.Set("dropped", static_cast<double>(shared_->dropped.load()));
    o.Set("overruns", static_cast<double>(shared_->overruns.load()));
    std::lock_guard<std::mutex> lock(shared_->mu);
    if (!shared_->error.empty()) o.Set("error", shared_->error);
    else o.Set("error", env.Null());
    return o;
  }

  void JoinAndClose() {
    if (thread_.joinable()) {
      uint64_t one = 1;
      ssize_t ignored = write(stopFd_, &one, sizeof one);
      (void)ignored;
      thread_.join();
    }
    CloseFds();
  }

  void CloseFds() {
    if (sock_ >= 0) close(sock_);
    if (lazySock_ >= 0) close(lazySock_);
    if (stopFd_ >= 0) close(stopFd_);
    sock_ = -1;
    lazySock_ = -1;
    stopFd_ = -1;
  }

  // At environment teardown (process exit, worker end) a still-running thread must be joined, or std::thread's
  // destructor would abort the process. The ThreadSafeFunction is torn down by Node itself at that point.
  static void OnEnvCleanup(void* arg) {
    auto* self = static_cast<Listener*>(arg);
    self->JoinAndClose();
    self->tsfnReleased_ = true;
    self->cleanupHooked_ = false;
  }

  std::shared_ptr<Shared> shared_;
  std::thread thread_;
  int sock_ = -1;
  int lazySock_ = -1;
  int stopFd_ = -1;
  bool forks_ = false;
  uint32_t handoffMs_ = kDefaultHandoffMs;
  bool started_ = false;
  bool tsfnReleased_ = false;
  bool cleanupHooked_ = false;
};

Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  exports.Set("Listener", Listener::Init(env));
  exports.Set("abiVersion", Napi::Number::New(env, 1));
  return exports;
}

}  // namespace

NODE_API_MODULE(proc_connector, InitModule)
