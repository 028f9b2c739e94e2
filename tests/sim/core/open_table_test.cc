#include "sim/core/open_table.h"

#include <algorithm>
#include <boost/random/uniform_int_distribution.hpp>
#include <catch2/catch.hpp>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "sim/core/random.h"

namespace cachelab {
namespace {

// A slot as the contract asks for one: trivially copyable, value-initialised
// unused, and able to hold key 0 (the used flag is not the key).
struct Entry {
  uint64_t k;
  uint32_t value;
  bool live;
  uint64_t key() const { return k; }
  bool used() const { return live; }
};
static_assert(std::is_trivially_copyable_v<Entry>);

Entry Make(uint64_t k, uint32_t value = 0) {
  return Entry{k, value, true};
}

using Table = OpenTable<Entry>;

// The table's hash, modelled so tests can choose keys by their home slot:
// a key's home in a table of n slots is (Mix(key) * n) >> 64, so a hash
// value near 2^64 homes to the last slot at every length, one near 0 to the
// first, and keys whose hash values are close collide at every length. The
// first test case checks the model against the table, so a change of the
// table's hash fails there rather than as a mystery in the cases below.
constexpr uint64_t kMul = 0xff51afd7ed558ccdull;
constexpr uint64_t InverseOdd(uint64_t a) {
  uint64_t x = a;  // Newton's iteration: each step doubles the correct low bits
  for (int i = 0; i < 6; ++i) x *= 2 - a * x;
  return x;
}
static_assert(kMul * InverseOdd(kMul) == 1);
uint64_t Mix(uint64_t k) {
  k ^= k >> 33;
  k *= kMul;
  k ^= k >> 33;
  return k;
}
// The key whose hash is `h` (x ^= x >> 33 is its own inverse).
uint64_t KeyWithHash(uint64_t h) {
  h ^= h >> 33;
  h *= InverseOdd(kMul);
  h ^= h >> 33;
  return h;
}
size_t HomeOf(uint64_t key, size_t n) {
  __extension__ typedef unsigned __int128 Wide;  // NOLINT(modernize-use-using)
  return static_cast<size_t>((Wide{Mix(key)} * n) >> 64);
}
// The key with the `i`-th smallest hash among those homing to `slot` of a 1024-slot table.
uint64_t KeyAtHome1024(size_t slot, uint64_t i) {
  return KeyWithHash((uint64_t{slot} << 54) + i);
}

constexpr size_t kInitialSlots = 1024;  // OpenTable() starts at this length

std::vector<uint64_t> KeysInTableOrder(const Table& t) {
  std::vector<uint64_t> keys;
  t.ForEach([&](const Entry& e) { keys.push_back(e.k); });
  return keys;
}

TEST_CASE("the tests' model of the home slot matches the table", "[sim][core][open_table]") {
  for (uint64_t k : {uint64_t{0}, uint64_t{1}, uint64_t{12345}, ~uint64_t{0}, uint64_t{1} << 63}) {
    CHECK(KeyWithHash(Mix(k)) == k);
  }
  CHECK(KeyWithHash(0) == 0);  // key 0 homes to the first slot
  for (size_t slot : {size_t{0}, size_t{1}, size_t{511}, size_t{1023}}) {
    CHECK(HomeOf(KeyAtHome1024(slot, 7), kInitialSlots) == slot);
  }

  // Two keys alone in a table: their distance is the distance of their homes,
  // or one probe step when they share a home.
  const auto distance = [](uint64_t a, uint64_t b) {
    Table t;
    t.Insert(Make(a));
    t.Insert(Make(b));
    return t.Find(b) - t.Find(a);
  };
  CHECK(distance(KeyAtHome1024(0, 0), KeyAtHome1024(1023, 0)) == 1023);  // the first and last slot
  CHECK(distance(KeyAtHome1024(3, 0), KeyAtHome1024(500, 1)) == 497);
  CHECK(distance(0, KeyAtHome1024(0, 1)) == 1);  // shared home: the next slot
  // Sharing the last slot: the second key wraps around to the first slot.
  CHECK(distance(KeyWithHash(~uint64_t{0}), KeyWithHash(~uint64_t{0} - 1)) == -1023);
}

TEST_CASE("Insert, Find, FindOrInsert and Erase on single keys", "[sim][core][open_table]") {
  Table t;
  CHECK(t.empty());
  CHECK(t.size() == 0);
  CHECK(t.Find(0) == nullptr);  // a value-initialised slot has key 0 but is unused
  CHECK(t.Find(~uint64_t{0}) == nullptr);

  t.Insert(Make(0, 10));
  t.Insert(Make(~uint64_t{0}, 20));
  t.Insert(Make(uint64_t{1} << 63, 30));
  CHECK_FALSE(t.empty());
  CHECK(t.size() == 3);
  for (auto [k, v] :
       {std::pair<uint64_t, uint32_t>{0, 10}, {~uint64_t{0}, 20}, {uint64_t{1} << 63, 30}}) {
    INFO(k);
    const Entry* e = t.Find(k);
    REQUIRE(e != nullptr);
    CHECK(e->k == k);
    CHECK(e->value == v);
    t.Prefetch(k);  // a hint only: nothing changes
    CHECK(t.Find(k) == e);
  }
  CHECK(t.Find(1) == nullptr);
  CHECK(t.Find((uint64_t{1} << 63) | 1) == nullptr);

  bool inserted = true;
  Entry* hit = t.FindOrInsert(0, Make(0, 99), inserted);
  CHECK_FALSE(inserted);
  REQUIRE(hit != nullptr);
  CHECK(hit->value == 10);  // the existing slot, not `fresh`
  CHECK(t.size() == 3);
  hit->value = 11;  // the caller's to change in place
  CHECK(t.Find(0)->value == 11);

  inserted = false;
  Entry* fresh = t.FindOrInsert(5, Make(5, 55), inserted);
  CHECK(inserted);
  REQUIRE(fresh != nullptr);
  CHECK(fresh->k == 5);
  CHECK(fresh->value == 55);
  CHECK(t.size() == 4);
  CHECK(t.Find(5) == fresh);

  const Table& ct = t;
  REQUIRE(ct.Find(5) != nullptr);
  CHECK(ct.Find(5)->value == 55);
  CHECK(ct.Find(6) == nullptr);

  t.Erase(t.Find(0));
  CHECK(t.size() == 3);
  CHECK(t.Find(0) == nullptr);
  REQUIRE(t.Find(5) != nullptr);
  CHECK(t.Find(~uint64_t{0})->value == 20);

  std::vector<uint64_t> seen = KeysInTableOrder(t);
  std::sort(seen.begin(), seen.end());
  CHECK(seen == std::vector<uint64_t>{5, uint64_t{1} << 63, ~uint64_t{0}});
}

TEST_CASE("Clear empties the table and leaves it usable", "[sim][core][open_table]") {
  Table t;
  for (uint64_t k = 0; k < 3000; ++k) t.Insert(Make(k * 0x9e3779b97f4a7c15ull, 1));
  REQUIRE(t.size() == 3000);
  t.Clear();
  CHECK(t.size() == 0);
  CHECK(t.empty());
  size_t visited = 0;
  t.ForEach([&](const Entry&) { ++visited; });
  CHECK(visited == 0);
  uint64_t found = 0;
  for (uint64_t k = 0; k < 3000; ++k) found += t.Find(k * 0x9e3779b97f4a7c15ull) != nullptr;
  CHECK(found == 0);

  bool inserted = false;
  t.FindOrInsert(0, Make(0, 7), inserted);
  CHECK(inserted);  // a cleared key is absent, not found stale
  t.Insert(Make(0x9e3779b97f4a7c15ull, 8));
  CHECK(t.size() == 2);
  CHECK(t.Find(0)->value == 7);
  CHECK(t.Find(0x9e3779b97f4a7c15ull)->value == 8);
}

// Compares the table with the reference: the same size, ForEach visits each
// key of the reference exactly once with its value, and every reference key
// is found with its value. Returns the number of mismatches (0 when equal).
uint64_t Mismatches(const Table& t, const std::unordered_map<uint64_t, uint32_t>& ref) {
  uint64_t bad = t.size() == ref.size() ? 0 : 1;
  std::unordered_set<uint64_t> visited;
  t.ForEach([&](const Entry& e) {
    const auto it = ref.find(e.k);
    if (it == ref.end() || it->second != e.value || !visited.insert(e.k).second) ++bad;
  });
  if (visited.size() != ref.size()) ++bad;
  for (const auto& [k, v] : ref) {
    const Entry* e = t.Find(k);
    if (e == nullptr || e->k != k || e->value != v) ++bad;
  }
  return bad;
}

// A key universe with the shapes that stress linear probing: small integers
// (key 0 included), keys with high bits set, and runs of keys whose hash
// values are adjacent, which collide into one cluster at every table length,
// among them runs homing to the last slot (their clusters wrap around) and
// the first.
std::vector<uint64_t> KeyUniverse() {
  std::vector<uint64_t> keys;
  for (uint64_t k = 0; k < 4000; ++k) keys.push_back(k);
  for (uint64_t k = 0; k < 2000; ++k) keys.push_back((uint64_t{1} << 63) | (k * 7919));
  for (uint64_t k = 0; k < 2000; ++k) keys.push_back(~k);
  for (uint64_t base :
       {~uint64_t{0} - 300, uint64_t{1}, uint64_t{1} << 62, (uint64_t{3} << 62) + 5}) {
    for (uint64_t i = 0; i < 300; ++i) keys.push_back(KeyWithHash(base + i));
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

// `steps` random operations on `t` and the reference; the mix of inserts and
// erases follows the phases in `insert_per_mille` (one phase per 1/n of the
// steps), so the table grows, shrinks and grows again.
struct Churn {
  Table& t;
  std::unordered_map<uint64_t, uint32_t>& ref;
  RandomEngine rng;
  uint64_t size_mismatches = 0, find_mismatches = 0, flag_mismatches = 0, full_mismatches = 0;
  uint64_t inserts = 0, erases = 0, peak = 0;

  void Run(const std::vector<uint64_t>& keys, uint64_t steps,
           const std::vector<uint32_t>& insert_per_mille) {
    boost::random::uniform_int_distribution<size_t> pick(0, keys.size() - 1);
    boost::random::uniform_int_distribution<uint32_t> mille(0, 999);
    for (uint64_t step = 0; step < steps; ++step) {
      const uint32_t p_insert = insert_per_mille[step * insert_per_mille.size() / steps];
      const uint64_t k = keys[pick(rng)];
      const auto it = ref.find(k);
      const bool present = it != ref.end();
      const uint32_t value = static_cast<uint32_t>(step);
      t.Prefetch(k);
      const uint32_t op = mille(rng);
      if (op < p_insert) {
        if (op % 2 == 0 && !present) {
          t.Insert(Make(k, value));
        } else {
          bool inserted = present;  // wrong on purpose: FindOrInsert must set it
          Entry* e = t.FindOrInsert(k, Make(k, value), inserted);
          if (inserted == present || e == nullptr || e->k != k) ++flag_mismatches;
          if (e != nullptr) e->value = value;  // update in place through the slot
        }
        if (!present) ++inserts;
        ref[k] = value;
      } else {
        Entry* e = t.Find(k);
        if ((e != nullptr) != present || (e != nullptr && e->value != it->second)) {
          ++find_mismatches;
        }
        if (e != nullptr && op % 4 != 0) {
          t.Erase(e);
          ref.erase(k);
          ++erases;
        }
      }
      if (t.size() != ref.size()) ++size_mismatches;
      peak = std::max<uint64_t>(peak, ref.size());
      if (step % 2000 == 0) full_mismatches += Mismatches(t, ref);
    }
    full_mismatches += Mismatches(t, ref);
  }
};

TEST_CASE("OpenTable agrees with a reference map through 400k random operations and its growth",
          "[sim][core][open_table]") {
  const std::vector<uint64_t> keys = KeyUniverse();
  Table t;
  std::unordered_map<uint64_t, uint32_t> ref;
  Churn churn{t, ref, MakeStream(31, "open_table.churn")};
  // Grow to thousands of keys (several doublings from 1024 slots), shrink to
  // a fifth of that, grow again.
  churn.Run(keys, 400'000, {900, 700, 550, 300, 150, 450, 800, 550});
  CHECK(churn.size_mismatches == 0);
  CHECK(churn.find_mismatches == 0);
  CHECK(churn.flag_mismatches == 0);
  CHECK(churn.full_mismatches == 0);
  // The run exercised what it is meant to.
  CHECK(churn.peak > 8 * kInitialSlots * 3 / 4);  // at least four doublings
  CHECK(churn.inserts > 50'000);
  CHECK(churn.erases > 50'000);
  // Absent keys stay absent: ~k for k beyond the universe's range, and others.
  uint64_t false_hits = 0;
  for (uint64_t k = 0; k < 10'000; ++k) false_hits += t.Find(~k - 1'000'000) != nullptr;
  CHECK(false_hits == 0);
}

TEST_CASE("OpenTable agrees with a reference map after Reserve", "[sim][core][open_table]") {
  const std::vector<uint64_t> keys = KeyUniverse();
  Table t;
  t.Reserve(keys.size());
  std::unordered_map<uint64_t, uint32_t> ref;
  Churn churn{t, ref, MakeStream(32, "open_table.reserved")};
  churn.Run(keys, 200'000, {950, 500, 200, 600});
  CHECK(churn.size_mismatches == 0);
  CHECK(churn.find_mismatches == 0);
  CHECK(churn.flag_mismatches == 0);
  CHECK(churn.full_mismatches == 0);
  CHECK(churn.peak > 4 * kInitialSlots);
}

TEST_CASE("a table reserved for n keys holds n keys without moving one",
          "[sim][core][open_table]") {
  // Without erasures a key never moves unless the table is rebuilt (it
  // reallocates while the old slots are alive, so every address changes):
  // the first key's address staying put says no doubling happened. Sizes
  // below and above the huge-page threshold (1 MiB of 16-byte slots is
  // 65536), and 78643, the most keys whose whole pages fill to 0.6.
  static_assert(sizeof(Entry) == 16);
  for (size_t n : {size_t{100}, size_t{768}, size_t{1000}, size_t{5000}, size_t{40'000},
                   size_t{78'643}, size_t{78'644}, size_t{110'000}, size_t{150'000}}) {
    INFO(n);
    Table t;
    t.Reserve(n);
    t.Insert(Make(0, 1));
    const Entry* first = t.Find(0);
    for (uint64_t k = 1; k < n; ++k) t.Insert(Make(k * 0x9e3779b97f4a7c15ull, 1));
    CHECK(t.size() == n);
    CHECK(t.Find(0) == first);
    uint64_t missing = 0;
    for (uint64_t k = 0; k < n; ++k) missing += t.Find(k * 0x9e3779b97f4a7c15ull) == nullptr;
    CHECK(missing == 0);
  }
}

TEST_CASE("Reserve keeps the keys already in the table", "[sim][core][open_table]") {
  Table t;
  for (uint64_t k = 0; k < 700; ++k) t.Insert(Make(~k, static_cast<uint32_t>(k)));
  t.Reserve(100);  // fewer than held: nothing is lost
  t.Reserve(50'000);
  CHECK(t.size() == 700);
  uint64_t wrong = 0;
  for (uint64_t k = 0; k < 700; ++k) {
    const Entry* e = t.Find(~k);
    wrong += e == nullptr || e->value != k;
  }
  CHECK(wrong == 0);
  CHECK(KeysInTableOrder(t).size() == 700);
}

// A table's slots by index, read through ForEach: the slot addresses, less
// that of slot 0, which the caller knows from a key it placed there.
struct Layout {
  std::vector<uint64_t> key_at;  // key in each slot
  std::vector<bool> used;
};
Layout LayoutOf(const Table& t, const Entry* slot0, size_t n) {
  Layout l{std::vector<uint64_t>(n), std::vector<bool>(n)};
  t.ForEach([&](const Entry& e) {
    const auto i = static_cast<size_t>(&e - slot0);
    l.key_at[i] = e.k;
    l.used[i] = true;
  });
  return l;
}
// Keys that a lookup would not reach: those with an unused slot between their
// home and their position (cyclically), the condition backward-shift
// deletion maintains.
uint64_t Unreachable(const Layout& l) {
  const size_t n = l.used.size();
  uint64_t bad = 0;
  for (size_t pos = 0; pos < n; ++pos) {
    if (!l.used[pos]) continue;
    for (size_t i = HomeOf(l.key_at[pos], n); i != pos; i = (i + 1) % n) {
      if (!l.used[i]) {
        ++bad;
        break;
      }
    }
  }
  return bad;
}

TEST_CASE("erasing from a cluster that wraps around the end keeps every other key findable",
          "[sim][core][open_table]") {
  // Homes 1021, 1022, 1022, 1023, 1023, 1023, 0 (key 0), 0, 1, 3, 4: one
  // cluster from slot 1021 around to slot 7, whose members sit up to four
  // slots past their homes, across the end of the table.
  const std::vector<uint64_t> cluster = {KeyAtHome1024(1021, 0),
                                         KeyAtHome1024(1022, 0),
                                         KeyAtHome1024(1022, 1),
                                         KeyAtHome1024(1023, 0),
                                         KeyAtHome1024(1023, 1),
                                         KeyWithHash(~uint64_t{0}),
                                         0,
                                         KeyAtHome1024(0, 1),
                                         KeyAtHome1024(1, 0),
                                         KeyAtHome1024(3, 0),
                                         KeyAtHome1024(4, 0)};
  const uint64_t anchor = KeyAtHome1024(512, 0);  // alone in the middle: locates slot 0
  const auto build = [&](const std::vector<uint64_t>& keys) {
    Table t;
    t.Insert(Make(anchor));
    for (uint64_t k : keys) t.Insert(Make(k));
    return t;
  };

  SECTION("the cluster wraps") {
    Table t = build(cluster);
    const Entry* slot0 = t.Find(anchor) - 512;
    CHECK(t.Find(KeyAtHome1024(1021, 0)) == slot0 + 1021);
    CHECK(t.Find(KeyWithHash(~uint64_t{0})) == slot0 + 2);  // home 1023, third in line
    CHECK(t.Find(KeyAtHome1024(4, 0)) == slot0 + 7);        // home 4, pushed to 7
  }

  SECTION("erasing any one member") {
    for (size_t victim = 0; victim < cluster.size(); ++victim) {
      INFO("victim " << victim);
      Table t = build(cluster);
      const Entry* slot0 = t.Find(anchor) - 512;
      t.Erase(t.Find(cluster[victim]));
      CHECK(t.size() == cluster.size());  // the anchor and the other members
      CHECK(t.Find(cluster[victim]) == nullptr);
      uint64_t lost = 0;
      for (uint64_t k : cluster) lost += k != cluster[victim] && t.Find(k) == nullptr;
      CHECK(lost == 0);
      CHECK(Unreachable(LayoutOf(t, slot0, kInitialSlots)) == 0);
      // And the table is as if the victim had never been inserted.
      std::vector<uint64_t> rest = cluster;
      rest.erase(rest.begin() + static_cast<std::ptrdiff_t>(victim));
      CHECK(KeysInTableOrder(t) == KeysInTableOrder(build(rest)));
    }
  }

  SECTION("erasing all members in random orders") {
    RandomEngine rng = MakeStream(33, "open_table.wrap");
    for (int round = 0; round < 200; ++round) {
      std::vector<uint64_t> order = cluster;
      for (size_t i = order.size() - 1; i > 0; --i) {
        boost::random::uniform_int_distribution<size_t> j(0, i);
        std::swap(order[i], order[j(rng)]);
      }
      Table t = build(cluster);
      const Entry* slot0 = t.Find(anchor) - 512;
      uint64_t lost = 0, unreachable = 0;
      for (size_t e = 0; e < order.size(); ++e) {
        t.Erase(t.Find(order[e]));
        for (size_t r = e + 1; r < order.size(); ++r) lost += t.Find(order[r]) == nullptr;
        lost += t.Find(order[e]) != nullptr;
        unreachable += Unreachable(LayoutOf(t, slot0, kInitialSlots));
      }
      CHECK(lost == 0);
      CHECK(unreachable == 0);
      CHECK(t.size() == 1);
      CHECK(KeysInTableOrder(t) == std::vector<uint64_t>{anchor});
    }
  }
}

TEST_CASE("an erased key leaves the table as if it had never been inserted",
          "[sim][core][open_table]") {
  // Random churn in one 1024-slot table (at most 740 keys: never a
  // doubling, so ~0.7 full at times), two keys homing to every slot and a
  // hundred each to the first and the last slot, so some clusters run across
  // the end. After every operation every live key is found and reachable from
  // its home; every 50, the table equals a fresh one into which the live keys
  // were inserted in the order they were.
  std::vector<uint64_t> keys;
  for (size_t i = 0; i < 2 * kInitialSlots; ++i) {
    keys.push_back(KeyAtHome1024(i % kInitialSlots, 1000 + i / kInitialSlots));
  }
  for (uint64_t i = 0; i < 100; ++i) {
    keys.push_back(KeyWithHash(~uint64_t{0} - i));
    keys.push_back(KeyAtHome1024(0, i));
  }
  RandomEngine rng = MakeStream(34, "open_table.history");
  boost::random::uniform_int_distribution<size_t> pick(0, keys.size() - 1);

  Table t;
  t.Insert(Make(KeyAtHome1024(800, 0)));  // locates slot 0; never erased
  const Entry* slot0 = t.Find(KeyAtHome1024(800, 0)) - 800;
  std::vector<uint64_t> live = {KeyAtHome1024(800, 0)};  // in insertion order
  uint64_t unreachable = 0, lost = 0, history_differs = 0, wrapped = 0, checks = 0;
  for (int step = 0; step < 20'000; ++step) {
    const uint64_t k = keys[pick(rng)];
    const auto it = std::find(live.begin(), live.end(), k);
    if (it == live.end()) {
      if (live.size() < 740) {
        t.Insert(Make(k));
        live.push_back(k);
      }
    } else {
      t.Erase(t.Find(k));
      live.erase(it);
      lost += t.Find(k) != nullptr;
    }
    const Layout layout = LayoutOf(t, slot0, kInitialSlots);
    unreachable += Unreachable(layout);
    for (uint64_t l : live) lost += t.Find(l) == nullptr;
    if (step % 50 == 0) {
      Table fresh;  // same length: 740 keys fit the initial 1024 slots
      for (uint64_t l : live) fresh.Insert(Make(l));
      history_differs += KeysInTableOrder(fresh) != KeysInTableOrder(t);
      ++checks;
      for (size_t pos = 0; pos < kInitialSlots; ++pos) {
        wrapped += layout.used[pos] && pos < HomeOf(layout.key_at[pos], kInitialSlots);
      }
    }
  }
  CHECK(unreachable == 0);
  CHECK(lost == 0);
  CHECK(history_differs == 0);
  CHECK(checks == 400);
  CHECK(wrapped > 100);  // clusters across the end were there to erase from
}

TEST_CASE("ForEach visits the slots in table order", "[sim][core][open_table]") {
  Table t;
  for (uint64_t k = 0; k < 5000; ++k) t.Insert(Make(k * 0x2545f4914f6cdd1dull));
  std::vector<const Entry*> visited;
  t.ForEach([&](const Entry& e) { visited.push_back(&e); });
  CHECK(visited.size() == 5000);
  CHECK(std::is_sorted(visited.begin(), visited.end()));
  CHECK(std::adjacent_find(visited.begin(), visited.end()) == visited.end());
}

}  // namespace
}  // namespace cachelab
