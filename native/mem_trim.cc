// Drops the clean file-backed pages of this process's read-only mappings (the node binary's code and read-only data,
// shared libraries) from its page tables with madvise(MADV_DONTNEED). Node maps much more of its 95 MB binary than
// a long-running agent touches again: start-up code, the start-up snapshot, ICU tables, and whatever fault-around
// mapped beside the pages really used. Those pages stay in the page cache (shared, reclaimable) and come back on the
// next touch with a minor fault; what stays resident after a trim is the working set.
//
// Only mappings that cannot hold process-private data are touched: file-backed, private, not writable, and with no
// anonymous (copied-on-write) pages, read from /proc/self/smaps. RELRO segments, which the dynamic linker wrote
// before making them read-only, have anonymous pages and are skipped; dropping those would undo relocations.
// Locked mappings are skipped too (madvise refuses them).
//
// JS API:
//   trimFilePages() -> [mappings trimmed, kB that were resident in them]
//   abiVersion: 1

#include <napi.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

bool ReadAll(const char* path, std::string& out) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[65536];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0) {
      close(fd);
      return false;
    }
    if (n == 0) break;
    out.append(buf, size_t(n));
  }
  close(fd);
  return true;
}

struct Vma {
  uintptr_t start = 0;
  uintptr_t end = 0;
  bool candidate = false;
  long rssKb = 0;
  long anonKb = -1;
  bool locked = false;
};

// A header line: "start-end perms offset dev inode   path".
bool ParseHeader(const char* line, const char* eol, Vma& v) {
  char* p = nullptr;
  v = Vma{};
  v.start = uintptr_t(strtoull(line, &p, 16));
  if (p >= eol || *p != '-') return false;
  v.end = uintptr_t(strtoull(p + 1, &p, 16));
  if (p + 5 >= eol || *p != ' ') return false;
  const char* perms = p + 1;
  bool readOnlyPrivate = perms[0] == 'r' && perms[1] == '-' && perms[3] == 'p';
  // Skip offset, device and inode to the path.
  const char* q = perms + 4;
  for (int field = 0; field < 3 && q < eol; field++) {
    while (q < eol && *q == ' ') q++;
    while (q < eol && *q != ' ') q++;
  }
  while (q < eol && *q == ' ') q++;
  v.candidate = readOnlyPrivate && q < eol && *q == '/';
  return true;
}

long KbValue(const char* line, const char* eol, size_t keyLen) {
  const char* p = line + keyLen;
  while (p < eol && *p == ' ') p++;
  return strtol(p, nullptr, 10);
}

void Finish(const Vma& v, uint32_t& mappings, double& kb) {
  if (!v.candidate || v.anonKb != 0 || v.rssKb <= 0 || v.locked || v.end <= v.start) return;
  if (madvise(reinterpret_cast<void*>(v.start), v.end - v.start, MADV_DONTNEED) == 0) {
    mappings++;
    kb += double(v.rssKb);
  }
}

Napi::Value TrimFilePages(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string smaps;
  if (!ReadAll("/proc/self/smaps", smaps)) {
    Napi::Error::New(env, std::string("read /proc/self/smaps: ") + std::strerror(errno)).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  uint32_t mappings = 0;
  double kb = 0;
  Vma v;
  bool open = false;
  const char* s = smaps.data();
  const char* end = s + smaps.size();
  while (s < end) {
    const char* eol = static_cast<const char*>(memchr(s, '\n', size_t(end - s)));
    if (!eol) eol = end;
    // Field lines start with a capital letter ("Rss:"); headers with a hex address.
    bool field = *s >= 'A' && *s <= 'Z';
    if (!field) {
      if (open) Finish(v, mappings, kb);
      open = ParseHeader(s, eol, v);
    } else if (open) {
      if (strncmp(s, "Rss:", 4) == 0) v.rssKb = KbValue(s, eol, 4);
      else if (strncmp(s, "Anonymous:", 10) == 0) v.anonKb = KbValue(s, eol, 10);
      else if (strncmp(s, "VmFlags:", 8) == 0) v.locked = memmem(s, size_t(eol - s), " lo", 3) != nullptr;
    }
    s = eol + 1;
  }
  if (open) Finish(v, mappings, kb);
  Napi::Array out = Napi::Array::New(env, 2);
  out.Set(uint32_t(0), Napi::Number::New(env, mappings));
  out.Set(uint32_t(1), Napi::Number::New(env, kb));
  return out;
}

Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  exports.Set("trimFilePages", Napi::Function::New(env, TrimFilePages));
  exports.Set("abiVersion", Napi::Number::New(env, 1));
  return exports;
}

}  // namespace

NODE_API_MODULE(mem_trim, InitModule)
