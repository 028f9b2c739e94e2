// Least recently used: evict the entry whose last access is oldest. An
// intrusive doubly linked list over a node array (handles are indices), so
// insert, touch, victim and erase are O(1) with no allocation once warm.
//
// Source: the textbook policy; as in libCacheSim's LRU.c and Redis' ideal
// (non-sampled) LRU.
#include <vector>

#include "policies/modules.h"

namespace cachelab {
namespace {

class Lru final : public EvictionPolicy {
 public:
  Handle Insert(Key key, uint64_t) override {
    Handle h;
    if (free_ != kNil) {
      h = free_;
      free_ = nodes_[h].next;
    } else {
      h = static_cast<Handle>(nodes_.size());
      nodes_.emplace_back();
    }
    nodes_[h].key = key;
    LinkFront(h);
    ++size_;
    return h;
  }

  void Touch(Handle h) override {
    if (head_ == h) return;
    Unlink(h);
    LinkFront(h);
  }

  Key Victim() override { return nodes_[tail_].key; }

  void Erase(Handle h) override {
    Unlink(h);
    nodes_[h].next = free_;
    free_ = h;
    --size_;
  }

  uint64_t size() const override { return size_; }
  // For the replay loop (replayer.h): the node a coming hit will touch.
  void Prefetch(Handle h) const { __builtin_prefetch(&nodes_[h]); }
  // The entry the next eviction takes unless a hit moves it first.
  Key VictimHint() const { return tail_ == kNil ? 0 : nodes_[tail_].key; }
  void Reserve(size_t n) { nodes_.reserve(n); }

  std::string CheckInvariants() const override {
    uint64_t n = 0;
    Handle prev = kNil;
    for (Handle h = head_; h != kNil; h = nodes_[h].next) {
      if (nodes_[h].prev != prev) return "broken prev link";
      prev = h;
      if (++n > nodes_.size()) return "cycle in list";
    }
    if (prev != tail_) return "tail is not the last node";
    if (n != size_) return "list length differs from size";
    return {};
  }

 private:
  static constexpr Handle kNil = ~Handle{0};
  struct Node {
    Key key = 0;
    Handle prev = kNil;
    Handle next = kNil;
  };

  void LinkFront(Handle h) {
    nodes_[h].prev = kNil;
    nodes_[h].next = head_;
    if (head_ != kNil) nodes_[head_].prev = h;
    head_ = h;
    if (tail_ == kNil) tail_ = h;
  }

  void Unlink(Handle h) {
    Node& n = nodes_[h];
    if (n.prev != kNil)
      nodes_[n.prev].next = n.next;
    else
      head_ = n.next;
    if (n.next != kNil)
      nodes_[n.next].prev = n.prev;
    else
      tail_ = n.prev;
  }

  std::vector<Node> nodes_;
  Handle head_ = kNil, tail_ = kNil, free_ = kNil;
  uint64_t size_ = 0;
};

}  // namespace

PolicyInfo modules::LruModule() {
  PolicyInfo info;
  info.role = Role::kEviction;
  info.name = "lru";
  info.summary = "least recently used (exact, intrusive list)";
  info.make_eviction = [](const Params&) { return std::make_unique<Lru>(); };
  info.make_replayer = [](const Params&, const ReplayConfig& c) {
    return MakeReplayer(std::make_unique<Lru>(), c);
  };
  return info;
}

}  // namespace cachelab
