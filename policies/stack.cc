#include "policies/stack.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace cachelab {

namespace {

std::string Describe(const Value& v) {
  return v.exists ? fmt::format("v{}", v.version) : std::string("not found");
}

class Stack final : public ComposedStack {
 public:
  Stack(FillRule fill, DegradationRule degradation, std::unique_ptr<WritePath> write,
        std::unique_ptr<Invalidation> invalidation, std::unique_ptr<Guard> guard,
        std::unique_ptr<NearCache> l1, std::unique_ptr<Warmer> warming, uint32_t instances)
      : fill_(fill),
        degradation_(degradation),
        write_(std::move(write)),
        invalidation_(std::move(invalidation)),
        guard_(std::move(guard)),
        l1_(std::move(l1)),
        warming_(std::move(warming)),
        instances_(instances) {}

  void Start(Services& svc) override {
    StartOn([&svc](const StackRules& rules) { return MakeSimOps(svc, rules); });
  }

  void StartOn(const OpsFactory& make) override {
    ops_ = make(StackRules{fill_, degradation_, invalidation_.get(), l1_.get(), instances_});
    Ctx c = ops_->Background();
    if (l1_) l1_->Start(c);
    invalidation_->Start(c);
    guard_->Start(c);
    write_->Start(c);
    if (warming_) warming_->Start(c);
  }

  void Prefetch(uint32_t instance, Key key) const override {
    if (l1_) l1_->Prefetch(instance, key);
  }

  // Without an L1 the guard's task is the read: no frame of the stack's own.
  Task<ReadOutcome> Read(uint32_t instance, Key key, uint64_t request) override {
    if (!l1_) return guard_->Read(Ctx(*ops_, instance, request), key);
    return ReadThroughL1(instance, key, request);
  }

  Task<ReadOutcome> ReadThroughL1(uint32_t instance, Key key, uint64_t request) {
    Ctx c(*ops_, instance, request);
    if (std::optional<Value> v = l1_->Get(instance, key, ops_->now())) {
      ++c.stats().l1_hits;
      if (c.Tracing(key)) c.Note(key, "l1", "hit " + Describe(*v));
      co_return ReadOutcome{*v, CacheOutcome::kHit, false};
    }
    ++c.stats().l1_misses;
    if (c.Tracing(key)) c.Note(key, "l1", "miss");
    ReadOutcome out = co_await guard_->Read(c, key);
    if (!out.failed && out.value.exists) l1_->Put(instance, key, out.value, ops_->now());
    co_return out;
  }

  Task<bool> Write(uint32_t instance, Key key, uint32_t size, uint64_t request) override {
    Ctx c(*ops_, instance, request);
    const bool ok = co_await write_->Write(c, key, size);
    if (ok && l1_) l1_->OnWrite(c, key);
    co_return ok;
  }

  void Finish(Services& svc) override {
    (void)svc;
    Finish();
  }

  void Finish() override {
    Ctx c = ops_->Background();
    write_->Finish(c);
    invalidation_->Finish(c);
    if (l1_) l1_->Finish(c);
  }

 private:
  FillRule fill_;
  DegradationRule degradation_;
  std::unique_ptr<WritePath> write_;
  std::unique_ptr<Invalidation> invalidation_;
  std::unique_ptr<Guard> guard_;
  std::unique_ptr<NearCache> l1_;
  std::unique_ptr<Warmer> warming_;
  uint32_t instances_;
  std::unique_ptr<CacheOps> ops_;
};

const PolicyInfo& Require(Role role, const PolicyChoice& choice) {
  const PolicyInfo* info = FindPolicy(role, choice.name);
  if (info == nullptr) {
    throw std::invalid_argument(std::string("unknown ") + RoleName(role) + " policy \"" +
                                choice.name + "\"");
  }
  return *info;
}

Params Complete(Role role, const StackConfig& config) {
  const PolicyChoice& c = config.Of(role);
  return Params::WithDefaults(Require(role, c).params, c.params);
}

}  // namespace

std::unique_ptr<ComposedStack> BuildStack(const StackConfig& config, uint32_t instances) {
  auto info = [&](Role r) -> const PolicyInfo& { return Require(r, config.Of(r)); };
  auto params = [&](Role r) { return Complete(r, config); };
  return std::make_unique<Stack>(
      info(Role::kRead).make_read(params(Role::kRead)),
      info(Role::kDegradation).make_degradation(params(Role::kDegradation)),
      info(Role::kWrite).make_write(params(Role::kWrite)),
      info(Role::kInvalidation).make_invalidation(params(Role::kInvalidation)),
      info(Role::kGuard).make_guard(params(Role::kGuard)),
      info(Role::kL1).make_l1(params(Role::kL1)),
      info(Role::kWarming).make_warming(params(Role::kWarming)), std::max<uint32_t>(instances, 1));
}

}  // namespace cachelab
