// How the application spells cache keys (the article's "Cache Keys"): the
// default is one key per row in the row's own namespace ("user:42"); a key
// class's `key` design (WorkloadConfig::KeyClass::KeyDesign) can make three
// mistakes the article warns about, each with its real consequence:
//
//  - namespaced false: the key is the bare id ("42"). Every bare class
//    shares one id space, so user 42 and order 42 share one cache entry:
//    a read of one can answer with the other's copy (a wrong read).
//  - rows_per_key n > 1: a query key that leaves out a parameter with n
//    values ("users:active:page:3" without the limit), so rows i with the
//    same i / n share an entry: a read can answer with another query's copy.
//  - predictable false: the key is built from the row's data (an e-mail
//    address), so code that has only the id (the write path's delete, an
//    invalidation listener, a lease given back after a "not found") deletes
//    a key no read ever fills: the entry stays until its TTL.
//
// Contract:
//  - Spell(k) is the cache key of workload key k before the versioned
//    namespace generation (bits 48..61) is added; Spell(k) == k when the
//    class keeps the default design, so default scenarios are unchanged.
//  - Bare ids live at bit 47, the unfindable spellings at bit 46, so neither
//    collides with a namespaced key; the loader keeps workload keys (missing
//    rows included) below 2^46 when any class changes its design.
//  - Owner(k) tells apart the keys that share a cache key; a copy stamped
//    with another owner than the key read is a wrong read.
//  - The spelling is the shared cache's: the in-process near cache (L1)
//    keeps one entry per row, so keys collide in the shared cache only.
#pragma once

#include <cassert>
#include <cstdint>
#include <vector>

#include "sim/model/config.h"
#include "sim/model/value.h"

namespace cachelab {

class KeySpelling {
 public:
  static constexpr Key kBareBit = Key{1} << 47;
  static constexpr Key kUnfindableBit = Key{1} << 46;

  KeySpelling() = default;
  explicit KeySpelling(const WorkloadConfig& w) : map_(w), keys_(w.keys) {
    for (const WorkloadConfig::KeyClass& c : w.classes) {
      designed_ = designed_ || !c.key.IsDefault();
      classes_.emplace_back(c);
    }
    if (!designed_) classes_.clear();
  }

  // Does any class spell its keys other than "class:id"?
  bool designed() const { return designed_; }

  // The cache key of workload key `k` (see the header comment).
  Key Spell(Key k) const { return designed_ ? SpellIn(k, map_.Of(k)) : k; }

  // The key code that knows only the id deletes: Spell(k), or for a class
  // whose keys are not predictable a key no read fills.
  Key SpellForDelete(Key k) const {
    if (!designed_) return k;
    const size_t c = map_.Of(k);
    return classes_[c].predictable ? SpellIn(k, c) : SpellIn(k, c) | kUnfindableBit;
  }

  // Stamps `v` as the copy of `k` (Value::owner_class, owner_part).
  void Stamp(Key k, Value* v) const {
    if (!designed_) return;
    const Owner o = OwnerOf(k);
    v->owner_class = o.cls;
    v->owner_part = o.part;
  }
  // Is `v` another key's copy? Only copies stamped by Stamp are told apart.
  bool Wrong(Key k, const Value& v) const {
    if (!designed_) return false;
    const Owner o = OwnerOf(k);
    return v.owner_class != o.cls || v.owner_part != o.part;
  }

 private:
  struct Class {
    explicit Class(const WorkloadConfig::KeyClass& c)
        : rows(c.keys),
          rows_per_key(c.key.rows_per_key),
          namespaced(c.key.namespaced),
          predictable(c.key.predictable) {}
    Key rows;
    uint32_t rows_per_key;
    bool namespaced, predictable;
  };
  struct Owner {
    uint16_t cls;
    uint8_t part;
  };
  Owner OwnerOf(Key k) const {
    const size_t c = map_.Of(k);
    const Class& d = classes_[c];
    assert(d.rows_per_key <= 256 && c < 65536);
    return Owner{static_cast<uint16_t>(c), static_cast<uint8_t>(Local(k, c) % d.rows_per_key)};
  }
  // Spell(k) for `k` of class `c`.
  Key SpellIn(Key k, size_t c) const {
    const Class& d = classes_[c];
    if (!d.namespaced) return kBareBit | (Local(k, c) / d.rows_per_key);
    // In the class's own ranges of existing and of missing rows.
    const Key base = k >= keys_ ? keys_ + map_.First(c) : map_.First(c);
    return base + (k - base) / d.rows_per_key;
  }
  // The row's id within its class: existing rows 0..rows-1, missing rows
  // after them (as an application's ids would run on).
  Key Local(Key k, size_t c) const {
    return k >= keys_ ? k - keys_ - map_.First(c) + classes_[c].rows : k - map_.First(c);
  }

  KeyClassMap map_;
  Key keys_ = 0;
  std::vector<Class> classes_;
  bool designed_ = false;
};

}  // namespace cachelab
