// First in, first out: evict the entry inserted longest ago; hits change
// nothing. One list over a node pool: insert at the front, evict at the back.
//
// In pseudo-code:
//   on insert(x): push x at the front
//   on hit(x):    nothing
//   victim:       the entry at the back
//   on erase(x):  unlink x
//
// Source: the textbook policy; the same order as libCacheSim's FIFO.c.
#include "policies/eviction/node_list.h"
#include "policies/modules.h"

namespace cachelab {
namespace {

using eviction::Handle;

class Fifo final : public EvictionPolicy {
 public:
  Handle Insert(Key key, uint64_t) override {
    const Handle h = pool_.Allocate();
    pool_[h].key = key;
    queue_.PushFront(pool_, h, 1);
    return h;
  }
  void Touch(Handle) override {}
  Key Victim() override { return pool_[queue_.back()].key; }
  void Erase(Handle h) override {
    queue_.Remove(pool_, h, 1);
    pool_.Release(h);
  }
  uint64_t size() const override { return queue_.size(); }
  std::string CheckInvariants() const override {
    return queue_.Check(pool_, [](const Node&) { return 1; });
  }

 private:
  struct Node {
    Key key = 0;
    Handle prev = eviction::kNil, next = eviction::kNil;
  };
  eviction::NodePool<Node> pool_;
  eviction::List<Node> queue_;
};

}  // namespace

PolicyInfo modules::FifoModule() {
  PolicyInfo info;
  info.role = Role::kEviction;
  info.name = "fifo";
  info.summary = "first in, first out (hits do not reorder)";
  info.make_eviction = [](const Params&) { return std::make_unique<Fifo>(); };
  info.make_replayer = [](const Params&, const ReplayConfig& c) {
    return MakeReplayer(std::make_unique<Fifo>(), c);
  };
  return info;
}

}  // namespace cachelab
