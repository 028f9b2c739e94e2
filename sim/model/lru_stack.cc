#include "sim/model/lru_stack.h"

#include <algorithm>
#include <bit>
#include <stdexcept>

namespace cachelab {

void LruStack::Add(uint64_t slot, int64_t delta) {
  for (uint64_t i = slot; i < tree_.size(); i += i & (~i + 1)) {
    tree_[i] = static_cast<uint64_t>(static_cast<int64_t>(tree_[i]) + delta);
  }
}

uint64_t LruStack::Prefix(uint64_t slot) const {
  uint64_t s = 0;
  for (uint64_t i = slot; i > 0; i -= i & (~i + 1)) s += tree_[i];
  return s;
}

void LruStack::Compact() {
  // Live slots in order, renumbered 1..n; capacity about 2n.
  std::vector<uint64_t> keys, weights;
  keys.reserve(slot_of_.size());
  weights.reserve(slot_of_.size());
  for (uint64_t s = 1; s <= now_; ++s) {
    if (weight_[s] == 0) continue;
    keys.push_back(key_[s]);
    weights.push_back(weight_[s]);
  }
  const uint64_t capacity = std::max<uint64_t>(1024, 2 * keys.size() + 2);
  tree_.assign(capacity + 1, 0);
  weight_.assign(capacity + 1, 0);
  key_.assign(capacity + 1, 0);
  for (uint64_t i = 0; i < keys.size(); ++i) {
    const uint64_t s = i + 1;
    weight_[s] = weights[i];
    key_[s] = keys[i];
    slot_of_[keys[i]] = s;
  }
  for (uint64_t s = 1; s <= capacity; ++s) {  // linear-time Fenwick build
    tree_[s] += weight_[s];
    const uint64_t parent = s + (s & (~s + 1));
    if (parent <= capacity) tree_[parent] += tree_[s];
  }
  now_ = keys.size();
}

uint64_t LruStack::Access(uint64_t key, uint64_t weight) {
  if (weight == 0) throw std::invalid_argument("LruStack: weight must be > 0");
  uint64_t depth = 0;
  if (auto it = slot_of_.find(key); it != slot_of_.end()) {
    const uint64_t s = it->second;
    depth = total_ - Prefix(s) + weight;  // the keys above s, then this access's own weight
    Add(s, -static_cast<int64_t>(weight_[s]));
    total_ -= weight_[s];
    weight_[s] = 0;
  }
  if (now_ + 1 >= tree_.size()) {
    slot_of_.erase(key);
    Compact();
  }
  const uint64_t s = ++now_;
  slot_of_[key] = s;
  weight_[s] = weight;
  key_[s] = key;
  Add(s, static_cast<int64_t>(weight));
  total_ += weight;
  return depth;
}

uint64_t LruStack::KeyAt(uint64_t depth) const {
  if (depth < 1 || depth > total_) throw std::out_of_range("LruStack::KeyAt: depth out of range");
  // The slot s with Prefix(s - 1) < target <= Prefix(s), target counted from the bottom.
  uint64_t target = total_ - depth + 1;
  uint64_t pos = 0;
  for (uint64_t step = std::bit_floor(tree_.size() - 1); step > 0; step >>= 1) {
    if (pos + step < tree_.size() && tree_[pos + step] < target) {
      pos += step;
      target -= tree_[pos];
    }
  }
  return key_[pos + 1];
}

}  // namespace cachelab
