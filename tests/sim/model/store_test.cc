#include "sim/model/store.h"

#include <algorithm>
#include <boost/random/uniform_int_distribution.hpp>
#include <catch2/catch.hpp>
#include <cstdint>
#include <memory>

#include "policies/registry.h"
#include "sim/core/random.h"

namespace cachelab {
namespace {

std::unique_ptr<EvictionPolicy> MakeLru() {
  const PolicyInfo* info = FindPolicy(Role::kEviction, "lru");
  REQUIRE(info != nullptr);
  return info->make_eviction(Params{});
}

// A store with the registry's LRU; overhead 0 unless a test is about it, so
// an entry's charge is its value size.
Store MakeStore(uint64_t capacity, uint64_t max_items = 0, uint64_t overhead = 0) {
  return Store(capacity, max_items, EntryCharge::Flat(overhead), MakeLru());
}

Value V(uint64_t version, uint32_t size) {
  return Value{version, size, true};
}
Time Ms(int64_t ms) {
  return Time::Zero() + Duration::Millis(ms);
}
const Duration kNoTtl;  // 0: never expires

bool Present(Store& s, Key k, Time now = Time::Zero()) {
  return s.Peek(k, now) != nullptr;
}

// The eviction policy must track exactly the resident entries, and be sound.
void CheckPolicyInSync(const Store& s) {
  CHECK(s.eviction().size() == s.items());
  CHECK(s.eviction().CheckInvariants() == "");
}

TEST_CASE("an entry is charged its value size plus the entry overhead", "[sim][model][store]") {
  Store s = MakeStore(1000, 0, 64);
  REQUIRE(s.Set(1, V(1, 100), kNoTtl, Time::Zero()));
  CHECK(s.bytes() == 164);
  REQUIRE(s.Set(2, V(1, 36), kNoTtl, Time::Zero()));
  CHECK(s.bytes() == 164 + 100);
  CHECK(s.items() == 2);
  // Replacing an entry charges the new size only.
  REQUIRE(s.Set(1, V(2, 10), kNoTtl, Time::Zero()));
  CHECK(s.bytes() == 74 + 100);
  CHECK(s.items() == 2);
  CheckPolicyInSync(s);
}

TEST_CASE("an entry is a hit with its value right after it is stored", "[sim][model][store]") {
  Store s = MakeStore(1000);
  CHECK(s.Get(7, Time::Zero()) == nullptr);
  REQUIRE(s.Set(7, V(3, 120), kNoTtl, Time::Zero()));
  const Store::Entry* e = s.Get(7, Time::Zero());
  REQUIRE(e != nullptr);
  CHECK(e->value.version == 3);
  CHECK(e->value.size == 120);
  CHECK(e->value.exists);
  CHECK(e->expires == Time::Max());
  // A cached "not found" is a value like any other.
  REQUIRE(s.Set(8, Value{0, 10, false}, kNoTtl, Time::Zero()));
  e = s.Get(8, Time::Zero());
  REQUIRE(e != nullptr);
  CHECK_FALSE(e->value.exists);
}

TEST_CASE("a deleted entry is gone and its bytes are released", "[sim][model][store]") {
  Store s = MakeStore(1000);
  REQUIRE(s.Set(1, V(1, 100), kNoTtl, Time::Zero()));
  REQUIRE(s.Set(2, V(1, 200), kNoTtl, Time::Zero()));
  CHECK(s.Delete(1, Time::Zero()));
  CHECK(s.Get(1, Time::Zero()) == nullptr);
  CHECK(s.bytes() == 200);
  CHECK(s.items() == 1);
  CHECK_FALSE(s.Delete(1, Time::Zero()));  // nothing left to delete
  CHECK_FALSE(s.Delete(99, Time::Zero()));
  // A delete is neither an eviction nor an expiration.
  CHECK(s.evictions() == 0);
  CHECK(s.expirations() == 0);
  CheckPolicyInSync(s);
}

TEST_CASE("LRU evicts the least recently used entry first", "[sim][model][store]") {
  // Room for exactly three entries of 100 bytes.
  Store s = MakeStore(300);
  for (Key k = 1; k <= 3; ++k) REQUIRE(s.Set(k, V(1, 100), kNoTtl, Time::Zero()));
  // Recency, most recent first: 3 2 1. A hit on 1 makes it 1 3 2.
  REQUIRE(s.Get(1, Time::Zero()) != nullptr);
  REQUIRE(s.Set(4, V(1, 100), kNoTtl, Time::Zero()));  // evicts 2
  CHECK(s.evictions() == 1);
  CHECK_FALSE(Present(s, 2));
  CHECK(Present(s, 1));
  CHECK(Present(s, 3));
  REQUIRE(s.Set(5, V(1, 100), kNoTtl, Time::Zero()));  // 4 1 3 -> evicts 3
  CHECK_FALSE(Present(s, 3));
  REQUIRE(s.Set(6, V(1, 100), kNoTtl, Time::Zero()));  // 5 4 1 -> evicts 1
  CHECK_FALSE(Present(s, 1));
  CHECK(Present(s, 4));
  CHECK(Present(s, 5));
  CHECK(Present(s, 6));
  CHECK(s.evictions() == 3);
  CHECK(s.bytes() == 300);
  CheckPolicyInSync(s);
}

TEST_CASE("a new entry evicts as many old ones as it needs room for", "[sim][model][store]") {
  Store s = MakeStore(300);
  for (Key k = 1; k <= 3; ++k) REQUIRE(s.Set(k, V(1, 100), kNoTtl, Time::Zero()));
  // 250 bytes need 250 free: the two least recent (1 and 2) must go, 3 stays.
  REQUIRE(s.Set(4, V(1, 150), kNoTtl, Time::Zero()));
  CHECK(s.evictions() == 2);
  CHECK_FALSE(Present(s, 1));
  CHECK_FALSE(Present(s, 2));
  CHECK(Present(s, 3));
  CHECK(s.bytes() == 250);
  CheckPolicyInSync(s);
}

TEST_CASE("Peek does not count as an access for LRU", "[sim][model][store]") {
  Store s = MakeStore(300);
  for (Key k = 1; k <= 3; ++k) REQUIRE(s.Set(k, V(1, 100), kNoTtl, Time::Zero()));
  REQUIRE(s.Peek(1, Time::Zero()) != nullptr);  // 1 stays least recent
  REQUIRE(s.Set(4, V(1, 100), kNoTtl, Time::Zero()));
  CHECK(s.Get(1, Time::Zero()) == nullptr);
  CHECK(s.Get(2, Time::Zero()) != nullptr);
}

TEST_CASE("overwriting an entry makes it the most recently used", "[sim][model][store]") {
  Store s = MakeStore(300);
  for (Key k = 1; k <= 3; ++k) REQUIRE(s.Set(k, V(1, 100), kNoTtl, Time::Zero()));
  REQUIRE(s.Set(1, V(2, 100), kNoTtl, Time::Zero()));  // recency 1 3 2
  CHECK(s.evictions() == 0);                           // a replacement is not an eviction
  REQUIRE(s.Set(4, V(1, 100), kNoTtl, Time::Zero()));
  CHECK_FALSE(Present(s, 2));
  REQUIRE(Present(s, 1));
  CHECK(s.Peek(1, Time::Zero())->value.version == 2);
}

TEST_CASE("the item limit evicts by count even when bytes are free", "[sim][model][store]") {
  Store s = MakeStore(1'000'000, 2);
  REQUIRE(s.Set(1, V(1, 10), kNoTtl, Time::Zero()));
  REQUIRE(s.Set(2, V(1, 10), kNoTtl, Time::Zero()));
  REQUIRE(s.Set(3, V(1, 10), kNoTtl, Time::Zero()));
  CHECK(s.items() == 2);
  CHECK(s.evictions() == 1);
  CHECK_FALSE(Present(s, 1));
  // Replacing a resident key needs no eviction: the old entry makes way.
  REQUIRE(s.Set(3, V(2, 10), kNoTtl, Time::Zero()));
  CHECK(s.evictions() == 1);
  CHECK(s.items() == 2);
  CheckPolicyInSync(s);
}

TEST_CASE("an entry larger than the capacity is not admitted and removes the old entry",
          "[sim][model][store]") {
  Store s = MakeStore(1000, 0, 64);
  REQUIRE(s.Set(1, V(1, 100), kNoTtl, Time::Zero()));
  REQUIRE(s.Set(2, V(1, 100), kNoTtl, Time::Zero()));
  // 937 + 64 = 1001 bytes > 1000.
  CHECK_FALSE(s.Set(1, V(2, 937), kNoTtl, Time::Zero()));
  CHECK(s.Get(1, Time::Zero()) == nullptr);  // no stale version 1 left behind
  // Nothing else was evicted to try to make room.
  CHECK(Present(s, 2));
  CHECK(s.evictions() == 0);
  CHECK(s.bytes() == 164);
  CHECK(s.items() == 1);
  CHECK_FALSE(s.SetIfAbsent(3, V(1, 937), kNoTtl, Time::Zero()));
  CHECK_FALSE(Present(s, 3));
  CheckPolicyInSync(s);
}

TEST_CASE("an entry of exactly the capacity is admitted and evicts everything else",
          "[sim][model][store]") {
  Store s = MakeStore(1000, 0, 64);
  REQUIRE(s.Set(1, V(1, 100), kNoTtl, Time::Zero()));
  REQUIRE(s.Set(2, V(1, 100), kNoTtl, Time::Zero()));
  CHECK(s.Set(3, V(1, 936), kNoTtl, Time::Zero()));  // 936 + 64 = 1000
  CHECK(s.bytes() == 1000);
  CHECK(s.items() == 1);
  CHECK(s.evictions() == 2);
  CheckPolicyInSync(s);
}

TEST_CASE("an entry is live until just before its expiry time and gone at it",
          "[sim][model][store]") {
  Store s = MakeStore(1000);
  REQUIRE(s.Set(1, V(1, 100), Duration::Millis(10), Ms(5)));  // expires at 15 ms
  const Store::Entry* e = s.Get(1, Ms(15) - Duration::Nanos(1));
  REQUIRE(e != nullptr);
  CHECK(e->expires == Ms(15));
  // expires <= now means expired: at exactly 15 ms the entry is gone.
  CHECK(s.Get(1, Ms(15)) == nullptr);
  CHECK(s.items() == 0);
  CHECK(s.bytes() == 0);
  CHECK(s.expirations() == 1);
  CHECK(s.evictions() == 0);
  CheckPolicyInSync(s);
}

TEST_CASE("Peek also expires lazily", "[sim][model][store]") {
  Store s = MakeStore(1000);
  REQUIRE(s.Set(1, V(1, 100), Duration::Millis(10), Time::Zero()));
  CHECK(s.Peek(1, Ms(10)) == nullptr);
  CHECK(s.items() == 0);
  CHECK(s.expirations() == 1);
  CheckPolicyInSync(s);
}

TEST_CASE("a TTL of zero or less never expires", "[sim][model][store]") {
  Store s = MakeStore(1000);
  REQUIRE(s.Set(1, V(1, 100), Duration(), Time::Zero()));
  REQUIRE(s.Set(2, V(1, 100), Duration::Millis(-5), Time::Zero()));
  const Time far = Time::Zero() + Duration::Seconds(100LL * 365 * 24 * 3600);
  CHECK(s.Get(1, far) != nullptr);
  CHECK(s.Get(2, far) != nullptr);
  CHECK(s.ActiveExpire(far, 100) == 0);
  CHECK(s.expirations() == 0);
}

TEST_CASE("SetIfAbsent stores only when no live entry exists", "[sim][model][store]") {
  Store s = MakeStore(1000);
  CHECK(s.SetIfAbsent(1, V(1, 100), Duration::Millis(10), Time::Zero()));
  CHECK_FALSE(s.SetIfAbsent(1, V(2, 100), Duration::Millis(10), Ms(9)));
  REQUIRE(Present(s, 1, Ms(9)));
  CHECK(s.Peek(1, Ms(9))->value.version == 1);  // the existing entry is untouched
  // At 10 ms the entry has expired, so the key counts as absent.
  CHECK(s.SetIfAbsent(1, V(3, 100), Duration::Millis(10), Ms(10)));
  CHECK(s.expirations() == 1);
  REQUIRE(Present(s, 1, Ms(10)));
  CHECK(s.Peek(1, Ms(10))->value.version == 3);
  CheckPolicyInSync(s);
}

TEST_CASE("active expiry removes due entries in expiry order up to its limit",
          "[sim][model][store]") {
  Store s = MakeStore(10'000);
  // Key k expires at the time in brackets: 1 [30], 2 [10], 3 [20], 4 [40], 5 [never].
  REQUIRE(s.Set(1, V(1, 100), Duration::Millis(30), Time::Zero()));
  REQUIRE(s.Set(2, V(1, 100), Duration::Millis(10), Time::Zero()));
  REQUIRE(s.Set(3, V(1, 100), Duration::Millis(20), Time::Zero()));
  REQUIRE(s.Set(4, V(1, 100), Duration::Millis(40), Time::Zero()));
  REQUIRE(s.Set(5, V(1, 100), kNoTtl, Time::Zero()));

  CHECK(s.ActiveExpire(Ms(5), 10) == 0);  // nothing due yet
  // Due at 35 ms: 2, 3, 1 (in that order). A limit of 2 takes the first two.
  CHECK(s.ActiveExpire(Ms(35), 2) == 2);
  CHECK(s.items() == 3);
  // Peek at time 0 sees presence without expiring anything.
  CHECK_FALSE(Present(s, 2));
  CHECK_FALSE(Present(s, 3));
  CHECK(Present(s, 1));
  CHECK(s.ActiveExpire(Ms(35), 10) == 1);  // the remaining due entry, 1
  CHECK_FALSE(Present(s, 1));
  CHECK(Present(s, 4));
  // Due exactly at its expiry time.
  CHECK(s.ActiveExpire(Ms(40), 10) == 1);
  CHECK_FALSE(Present(s, 4));
  CHECK(Present(s, 5));
  CHECK(s.expirations() == 4);
  CHECK(s.evictions() == 0);
  CHECK(s.bytes() == 100);
  CheckPolicyInSync(s);
}

TEST_CASE("a limit of zero makes active expiry remove nothing", "[sim][model][store]") {
  Store s = MakeStore(1000);
  REQUIRE(s.Set(1, V(1, 100), Duration::Millis(1), Time::Zero()));
  CHECK(s.ActiveExpire(Ms(10), 0) == 0);
  CHECK(s.items() == 1);
}

TEST_CASE("a replaced entry's old expiry is ignored by active expiry", "[sim][model][store]") {
  Store s = MakeStore(10'000);
  REQUIRE(s.Set(1, V(1, 100), Duration::Millis(10), Time::Zero()));  // due at 10
  REQUIRE(s.Set(2, V(1, 100), Duration::Millis(20), Time::Zero()));  // due at 20
  REQUIRE(s.Set(1, V(2, 100), Duration::Millis(100), Ms(5)));        // now due at 105
  REQUIRE(s.Set(3, V(1, 100), Duration::Millis(10), Time::Zero()));  // due at 10
  REQUIRE(s.Set(3, V(2, 100), kNoTtl, Ms(1)));                       // never due
  REQUIRE(s.Set(4, V(1, 100), Duration::Millis(10), Time::Zero()));  // due at 10
  REQUIRE(s.Delete(4, Ms(2)));
  REQUIRE(s.Set(4, V(2, 100), Duration::Millis(200), Ms(2)));  // due at 202

  // At 30 ms only key 2 is really due. The stale records of 1, 3 and 4 come
  // first but neither remove anything nor use up the limit of 1.
  CHECK(s.ActiveExpire(Ms(30), 1) == 1);
  CHECK_FALSE(Present(s, 2));
  CHECK(Present(s, 1));
  CHECK(Present(s, 3));
  CHECK(Present(s, 4));
  CHECK(s.ActiveExpire(Ms(104), 10) == 0);
  CHECK(s.ActiveExpire(Ms(105), 10) == 1);
  CHECK_FALSE(Present(s, 1));
  CHECK(s.expirations() == 2);
  CheckPolicyInSync(s);
}

TEST_CASE("an entry expired lazily is not expired again by active expiry", "[sim][model][store]") {
  Store s = MakeStore(1000);
  REQUIRE(s.Set(1, V(1, 100), Duration::Millis(10), Time::Zero()));
  CHECK(s.Get(1, Ms(10)) == nullptr);
  CHECK(s.ActiveExpire(Ms(20), 10) == 0);
  CHECK(s.expirations() == 1);
}

TEST_CASE("with active expiry off only lazy expiry removes entries", "[sim][model][store]") {
  Store s = MakeStore(1000);
  s.set_active_expiry(false);
  REQUIRE(s.Set(1, V(1, 100), Duration::Millis(10), Time::Zero()));
  CHECK(s.ActiveExpire(Ms(20), 10) == 0);
  CHECK(s.items() == 1);
  CHECK(s.Get(1, Ms(20)) == nullptr);
  CHECK(s.expirations() == 1);
}

TEST_CASE("expirations and evictions are counted separately", "[sim][model][store]") {
  Store s = MakeStore(200);
  REQUIRE(s.Set(1, V(1, 100), Duration::Millis(10), Time::Zero()));
  REQUIRE(s.Set(2, V(1, 100), kNoTtl, Time::Zero()));
  CHECK(s.Get(1, Ms(10)) == nullptr);                          // expiration 1
  REQUIRE(s.Set(3, V(1, 100), Duration::Millis(10), Ms(11)));  // fits in the freed room
  CHECK(s.evictions() == 0);
  REQUIRE(s.Set(4, V(1, 100), kNoTtl, Ms(12)));  // full: evicts 2, the least recent
  CHECK(s.evictions() == 1);
  CHECK(s.ActiveExpire(Ms(21), 10) == 1);  // 3 was due at 21: expiration 2
  CHECK(s.expirations() == 2);
  CHECK(s.evictions() == 1);
  // A flush is neither.
  s.Flush();
  CHECK(s.expirations() == 2);
  CHECK(s.evictions() == 1);
}

TEST_CASE("Flush drops every entry and the policy forgets them all", "[sim][model][store]") {
  Store s = MakeStore(1000);
  for (Key k = 0; k < 5; ++k) REQUIRE(s.Set(k, V(1, 100), Duration::Millis(10), Time::Zero()));
  s.Flush();
  CHECK(s.items() == 0);
  CHECK(s.bytes() == 0);
  for (Key k = 0; k < 5; ++k) CHECK_FALSE(Present(s, k));
  CheckPolicyInSync(s);
  // The old expiry records are gone with the entries: re-stored keys without
  // a TTL are not touched by active expiry.
  REQUIRE(s.Set(0, V(2, 100), kNoTtl, Time::Zero()));
  CHECK(s.ActiveExpire(Ms(20), 10) == 0);
  CHECK(Present(s, 0));
  CheckPolicyInSync(s);
}

TEST_CASE("deleting an expired entry counts an expiration, not a removal", "[sim][model][store]") {
  Store s = MakeStore(1000);
  REQUIRE(s.Set(1, V(1, 100), Duration::Millis(10), Time::Zero()));
  // At 10 ms the entry has expired (expires <= now): the delete finds nothing
  // live, and the entry leaves as an expiration, as a lookup would have made it.
  CHECK_FALSE(s.Delete(1, Ms(10)));
  CHECK(s.expirations() == 1);
  CHECK(s.items() == 0);
  CHECK(s.bytes() == 0);
  CheckPolicyInSync(s);
}

TEST_CASE("an entry that leaves or stays without serving a Get is counted unused, a lock never",
          "[sim][model][store]") {
  Store s = MakeStore(300);
  REQUIRE(s.Set(1, V(1, 100), kNoTtl, Ms(0)));
  REQUIRE(s.Set(2, V(1, 100), Duration::Millis(10), Ms(0)));
  REQUIRE(s.Set(3, V(1, 100), kNoTtl, Ms(0)));
  REQUIRE(s.Get(1, Ms(1)) != nullptr);  // 1 is used
  CHECK(s.Peek(3, Ms(1)) != nullptr);   // a Peek is no read
  CHECK(s.stored() == 3);
  CHECK(s.unused_removed() == 0);
  CHECK(s.UnusedResident() == 2);
  CHECK(s.Get(2, Ms(10)) == nullptr);  // expired unread
  CHECK(s.unused_removed() == 1);
  // Replacing 3 unread counts the old copy; the new one starts unused, even
  // from a value that was read somewhere else.
  const Value read_elsewhere = s.Get(1, Ms(11))->value;
  REQUIRE(read_elsewhere.used);
  REQUIRE(s.Set(3, read_elsewhere, kNoTtl, Ms(12)));
  CHECK(s.unused_removed() == 2);
  CHECK(s.UnusedResident() == 1);
  // A lock (SetIfAbsent) is not data: neither stored nor unused.
  REQUIRE(s.SetIfAbsent(9, V(1, 1), Duration::Millis(5), Ms(12)));
  CHECK(s.Delete(9, Ms(13)));
  CHECK(s.stored() == 4);
  CHECK(s.unused_removed() == 2);
  // Evicting and deleting the used entry 1 adds nothing; deleting 3 (unread) does.
  REQUIRE(s.Set(4, V(1, 250), kNoTtl, Ms(14)));  // evicts 1 (LRU) and 3
  CHECK(s.evictions() == 2);
  CHECK(s.unused_removed() == 3);
  s.Flush();  // 4 was never read
  CHECK(s.unused_removed() == 4);
  CHECK(s.UnusedResident() == 0);
}

TEST_CASE("peak bytes and items keep the high-water mark", "[sim][model][store]") {
  Store s = MakeStore(1000, 0, 10);
  REQUIRE(s.Set(1, V(1, 100), kNoTtl, Time::Zero()));
  REQUIRE(s.Set(2, V(1, 200), kNoTtl, Time::Zero()));
  REQUIRE(s.Set(3, V(1, 300), kNoTtl, Time::Zero()));  // 110 + 210 + 310 = 630
  REQUIRE(s.Delete(2, Time::Zero()));
  REQUIRE(s.Delete(3, Time::Zero()));
  REQUIRE(s.Set(4, V(1, 50), kNoTtl, Time::Zero()));
  CHECK(s.bytes() == 110 + 60);
  CHECK(s.items() == 2);
  CHECK(s.peak_bytes() == 630);
  CHECK(s.peak_items() == 3);
  s.Flush();
  CHECK(s.peak_bytes() == 630);
  CHECK(s.peak_items() == 3);
}

TEST_CASE("bytes and items stay within the limits under random sets, gets and deletes",
          "[sim][model][store]") {
  constexpr uint64_t kCapacity = 20'000;
  constexpr uint64_t kMaxItems = 30;
  constexpr uint64_t kOverhead = 16;
  constexpr Key kKeys = 200;
  Store s = MakeStore(kCapacity, kMaxItems, kOverhead);
  RandomEngine rng = MakeStream(42, "store_test");
  boost::random::uniform_int_distribution<int> op(0, 99);
  boost::random::uniform_int_distribution<Key> key(0, kKeys - 1);
  // Small and large values, so that either limit can be the one that binds;
  // now and then one larger than the whole capacity.
  boost::random::uniform_int_distribution<uint32_t> small(0, 100), large(0, 2000);
  const auto size = [&](RandomEngine& r) { return op(r) < 50 ? small(r) : large(r); };
  boost::random::uniform_int_distribution<int64_t> ttl_ms(-2, 50);  // <= 0: no expiry
  Time now = Time::Zero();
  uint64_t peak_bytes = 0, peak_items = 0, admitted = 0, rejected = 0;
  bool item_limit_reached = false;

  for (int i = 0; i < 20'000; ++i) {
    now += Duration::Micros(100);
    const Key k = key(rng);
    const int o = op(rng);
    if (o < 40) {
      const uint32_t sz = (o == 0) ? static_cast<uint32_t>(kCapacity) : size(rng);
      const bool ok = s.Set(k, V(1, sz), Duration::Millis(ttl_ms(rng)), now);
      // Admitted exactly when the charge fits the capacity.
      CHECK(ok == (sz + kOverhead <= kCapacity));
      ok ? ++admitted : ++rejected;
      if (ok) CHECK(s.Peek(k, now) != nullptr);
    } else if (o < 45) {
      s.SetIfAbsent(k, V(1, size(rng)), Duration::Millis(ttl_ms(rng)), now);
    } else if (o < 85) {
      s.Get(k, now);
    } else if (o < 98) {
      s.Delete(k, now);
      CHECK(s.Peek(k, now) == nullptr);
    } else {
      s.ActiveExpire(now, 5);
    }
    REQUIRE(s.bytes() <= kCapacity);
    REQUIRE(s.items() <= kMaxItems);
    REQUIRE(s.eviction().size() == s.items());
    REQUIRE(s.eviction().CheckInvariants() == "");
    peak_bytes = std::max(peak_bytes, s.bytes());
    peak_items = std::max(peak_items, s.items());
    item_limit_reached |= s.items() == kMaxItems;

    if (i % 500 == 0) {
      // Bytes are exactly the charges of the resident entries. Peek expires
      // due entries first; afterwards every resident key is found by Peek.
      uint64_t sum = 0, count = 0;
      for (Key j = 0; j < kKeys; ++j) {
        if (const Store::Entry* e = s.Peek(j, now)) {
          sum += e->value.size + kOverhead;
          ++count;
        }
      }
      REQUIRE(s.items() == count);
      REQUIRE(s.bytes() == sum);
    }
  }
  // The workload did exercise eviction, expiry and rejection.
  CHECK(s.evictions() > 0);
  CHECK(s.expirations() > 0);
  CHECK(rejected > 0);
  CHECK(admitted > 0);
  CHECK(s.peak_bytes() == peak_bytes);
  CHECK(s.peak_items() == peak_items);
  CHECK(item_limit_reached);
}

// LRU as the registry makes it, except that it does not let the store defer
// its touches (OrderIsLastAccess false): every hit is a Touch at once.
class EagerLru final : public EvictionPolicy {
 public:
  EagerLru() : lru_(MakeLru()) {}
  Handle Insert(Key key, uint64_t bytes) override { return lru_->Insert(key, bytes); }
  void Touch(Handle h) override { lru_->Touch(h); }
  Key Victim() override { return lru_->Victim(); }
  void Erase(Handle h) override { lru_->Erase(h); }
  uint64_t size() const override { return lru_->size(); }
  std::string CheckInvariants() const override { return lru_->CheckInvariants(); }

 private:
  std::unique_ptr<EvictionPolicy> lru_;
};

TEST_CASE(
    "a store that defers LRU's touches while it has room evicts exactly what an eager one "
    "does",
    "[sim][model][store]") {
  REQUIRE(MakeLru()->OrderIsLastAccess());
  // 400 keys of 50-150 bytes in 20,000 bytes: the first ~200 sets fit, the
  // deferred touches are replayed at the first eviction, and from then on
  // both stores must agree on every entry after every step.
  Store deferring(20'000, 0, EntryCharge::Flat(0), MakeLru());
  Store eager(20'000, 0, EntryCharge::Flat(0), std::make_unique<EagerLru>());
  RandomEngine rng = MakeStream(41, "store.deferred");
  boost::random::uniform_int_distribution<int> op(0, 9), key(0, 399), size(50, 150), ttl(0, 3);
  uint64_t mismatches = 0, hits = 0;
  for (int64_t step = 0; step < 20'000; ++step) {
    const Time now = Ms(step);
    const Key k = static_cast<Key>(key(rng));
    const int o = op(rng);
    if (o < 6) {
      const bool a = deferring.Get(k, now) != nullptr, b = eager.Get(k, now) != nullptr;
      if (a != b) ++mismatches;
      hits += a ? 1 : 0;
    } else if (o < 9) {
      const Value v = V(static_cast<uint64_t>(step), static_cast<uint32_t>(size(rng)));
      const Duration t = Duration::Millis(ttl(rng) * 2'000);  // some never expire
      if (deferring.Set(k, v, t, now) != eager.Set(k, v, t, now)) ++mismatches;
    } else {
      if (deferring.Delete(k, now) != eager.Delete(k, now)) ++mismatches;
    }
    if (step % 101 == 0) {
      for (Key j = 0; j < 400; ++j) {
        if (Present(deferring, j, now) != Present(eager, j, now)) ++mismatches;
      }
    }
  }
  CHECK(mismatches == 0);
  CHECK(deferring.evictions() == eager.evictions());
  CHECK(deferring.evictions() > 1'000);  // the replay happened early on
  CHECK(hits > 1'000);
  CheckPolicyInSync(deferring);
}

TEST_CASE("a watched key's expirations are recorded at the entries' expiry times",
          "[sim][store][events]") {
  Store s = MakeStore(10'000);
  const Key generation = Key{3} << 48;  // a versioned key's namespace bits
  const Key lock_bit = Key{1} << 62;
  s.WatchExpiries({7, 8}, kKeyGenerationBits, /*limit=*/2);
  s.Set(7, V(1, 10), Duration::Millis(100), Ms(0));            // expires at 100 ms
  s.Set(8, V(1, 10), Duration::Millis(50), Ms(0));             // deleted before it expires
  s.Set(9, V(1, 10), Duration::Millis(10), Ms(0));             // not watched
  s.Set(7 | lock_bit, V(1, 10), Duration::Millis(10), Ms(0));  // a lock entry, not the value
  REQUIRE(s.Delete(8, Ms(20)));
  // Noticed late by a lookup: recorded at its expiry, not when it was noticed.
  CHECK(s.Peek(7, Ms(250)) == nullptr);
  // Another generation of key 7, overwritten before expiring, then expiring.
  s.Set(7 | generation, V(2, 10), Duration::Millis(100), Ms(300));
  s.Set(7 | generation, V(3, 10), Duration::Millis(100), Ms(350));  // expires at 450 ms
  CHECK(s.ActiveExpire(Ms(1000), 100) == 3);  // 9, the lock and 7 | generation
  // A third expiry of key 7 is beyond the limit of 2.
  s.Set(7, V(4, 10), Duration::Millis(1), Ms(1000));
  CHECK(s.ActiveExpire(Ms(2000), 100) == 1);

  REQUIRE(s.watched().size() == 2);
  CHECK(s.watched()[0].key == 7);
  CHECK(s.watched()[0].expiries == std::vector<Time>{Ms(100), Ms(450)});
  CHECK(s.watched()[0].truncated);
  CHECK(s.watched()[1].key == 8);
  CHECK(s.watched()[1].expiries.empty());
  CHECK_FALSE(s.watched()[1].truncated);
  CHECK(s.expirations() == 5);  // counted as before, watched or not
}

}  // namespace
}  // namespace cachelab
