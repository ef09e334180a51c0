// Pool-name DNS messages tallied in native code (included by pcap_walk.cc only), as src/detect/wire/dns-watch.ts
// observe() tallies them: one entry per asking host and pool name (queries and responses counted, answers collected
// up to 16, first and last time, the resolver of the first message) and, per answered address, the first pool name
// that resolved to it. Both are bounded as in dns-watch.ts (10,000 each; entries past the bound are counted as
// dropped). JS gets them in first-seen order once the walk ends, instead of one event per message.

#ifndef MINEWARDEN_PCAP_WALK_DNS_H_
#define MINEWARDEN_PCAP_WALK_DNS_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

namespace pcapwalk {

// An address as JS's addrText sees it: the family and four words (IPv4 in the first). Equal addresses have equal
// texts and the other way round, so this stands for the text dns-watch.ts compares.
struct Addr {
  int32_t family = 0;
  uint32_t w[4] = {0, 0, 0, 0};
  bool operator==(const Addr& o) const { return family == o.family && std::memcmp(w, o.w, 16) == 0; }
  std::string Key() const {
    std::string k(reinterpret_cast<const char*>(w), 16);
    k.push_back(char(family));
    return k;
  }
};

struct DnsEntry {
  Addr client, server;
  std::string name;
  double queries = 0, responses = 0, firstTime = 0, lastTime = 0;
  std::vector<Addr> addresses;
};

// MAX_QUERIES, MAX_RESOLVED and MAX_ADDRESSES of dns-watch.ts.
constexpr size_t kMaxQueries = 10000;
constexpr size_t kMaxResolved = 10000;
constexpr size_t kMaxAddresses = 16;

class DnsTally {
 public:
  // observe() for a message about pool name `name` from src to dst.
  void Observe(const std::string& name, bool response, const Addr& src, const Addr& dst, double time,
               const std::vector<Addr>& answers) {
    const Addr& client = response ? dst : src;
    key_ = client.Key();
    key_.push_back('\0');
    key_ += name;
    auto it = index_.find(key_);
    size_t i;
    if (it == index_.end()) {
      if (entries_.size() >= kMaxQueries) {
        dropped_++;
        return;
      }
      i = entries_.size();
      index_.emplace(key_, i);
      entries_.emplace_back();
      DnsEntry& e = entries_.back();
      e.client = client;
      e.server = response ? src : dst;
      e.name = name;
      e.firstTime = time;
    } else {
      i = it->second;
    }
    DnsEntry& e = entries_[i];
    e.lastTime = time;
    if (!response) {
      e.queries++;
      return;
    }
    e.responses++;
    for (const Addr& a : answers) {
      bool have = false;
      for (const Addr& b : e.addresses) have = have || b == a;
      if (!have && e.addresses.size() < kMaxAddresses) e.addresses.push_back(a);
      if (resolved_.size() < kMaxResolved && resolved_.emplace(a.Key(), i).second) resolvedOrder_.push_back({a, i});
    }
  }

  const std::vector<DnsEntry>& entries() const { return entries_; }
  // Addresses in the order first resolved, with the entry whose name resolved them.
  const std::vector<std::pair<Addr, size_t>>& resolved() const { return resolvedOrder_; }
  double dropped() const { return dropped_; }

 private:
  std::string key_;
  std::unordered_map<std::string, size_t> index_;
  std::vector<DnsEntry> entries_;
  std::unordered_map<std::string, size_t> resolved_;
  std::vector<std::pair<Addr, size_t>> resolvedOrder_;
  double dropped_ = 0;
};

}  // namespace pcapwalk

#endif  // MINEWARDEN_PCAP_WALK_DNS_H_
