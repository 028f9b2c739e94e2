#include "analysis/live/redis_client.h"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <pthread.h>
#include <time.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <charconv>
#include <chrono>
#include <coroutine>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <utility>

#include "analysis/common/errors.h"

namespace cachelab::live {

namespace {

using Clock = std::chrono::steady_clock;

RedisReply Convert(const redisReply* r) {
  RedisReply out;
  switch (r->type) {
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::kStatus;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = RedisReply::Type::kError;
      out.kind = RedisReply::Kind::kServer;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::kInteger;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::kString;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::kArray;
      out.elements.reserve(r->elements);
      for (size_t i = 0; i < r->elements; ++i) out.elements.push_back(Convert(r->element[i]));
      break;
    default:
      out.type = RedisReply::Type::kNil;
      break;
  }
  return out;
}

// Whole milliseconds, rounded up: a positive TTL never becomes "none".
int64_t CeilMillis(Duration d) {
  return (d.nanos() + 999'999) / 1'000'000;
}

std::optional<int64_t> ParseInt(std::string_view s) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

// hiredis' event hooks on an asio stream_descriptor. hiredis owns the socket:
// the descriptor is released, never closed, when hiredis cleans up. Pending
// waits hold a reference, so the watcher outlives the context safely; after
// cleanup (`ac_` null) their handlers do nothing.
class AsioWatcher : public std::enable_shared_from_this<AsioWatcher> {
 public:
  AsioWatcher(boost::asio::io_context& io, redisAsyncContext* ac, std::function<void()> on_gone)
      : sd_(io), ac_(ac), on_gone_(std::move(on_gone)) {}

  static void Attach(boost::asio::io_context& io, redisAsyncContext* ac,
                     std::function<void()> on_gone) {
    auto w = std::make_shared<AsioWatcher>(io, ac, std::move(on_gone));
    w->sd_.assign(ac->c.fd);
    w->self_ = w;  // hiredis' reference, dropped in Cleanup
    ac->ev.data = w.get();
    ac->ev.addRead = &AddRead;
    ac->ev.delRead = &DelRead;
    ac->ev.addWrite = &AddWrite;
    ac->ev.delWrite = &DelWrite;
    ac->ev.cleanup = &Cleanup;
  }

 private:
  static AsioWatcher* From(void* p) { return static_cast<AsioWatcher*>(p); }
  static void AddRead(void* p) {
    From(p)->reading_ = true;
    From(p)->Arm();
  }
  static void DelRead(void* p) { From(p)->reading_ = false; }
  static void AddWrite(void* p) {
    From(p)->writing_ = true;
    From(p)->Arm();
  }
  static void DelWrite(void* p) { From(p)->writing_ = false; }
  static void Cleanup(void* p) {
    AsioWatcher* w = From(p);
    const std::shared_ptr<AsioWatcher> keep = std::move(w->self_);
    w->ac_ = nullptr;
    w->reading_ = w->writing_ = false;
    w->sd_.release();  // cancels the waits; hiredis closes the socket itself
    if (auto gone = std::move(w->on_gone_)) gone();
  }

  void Arm() {
    using Wait = boost::asio::posix::stream_descriptor::wait_type;
    if (ac_ == nullptr) return;
    if (reading_ && !read_armed_) {
      read_armed_ = true;
      sd_.async_wait(Wait::wait_read, [self = shared_from_this()](boost::system::error_code ec) {
        self->OnReady(true, ec);
      });
    }
    if (writing_ && !write_armed_) {
      write_armed_ = true;
      sd_.async_wait(Wait::wait_write, [self = shared_from_this()](boost::system::error_code ec) {
        self->OnReady(false, ec);
      });
    }
  }

  void OnReady(bool read, boost::system::error_code ec) {
    (read ? read_armed_ : write_armed_) = false;
    if (ac_ == nullptr || ec == boost::asio::error::operation_aborted) return;
    // Either call may free the context (a lost connection): Cleanup then
    // nulls ac_, and Arm does nothing.
    if (read && reading_) {
      redisAsyncHandleRead(ac_);
    } else if (!read && writing_) {
      const SigpipeGuard no_sigpipe;
      redisAsyncHandleWrite(ac_);
    }
    Arm();
  }

  boost::asio::posix::stream_descriptor sd_;
  redisAsyncContext* ac_;
  std::function<void()> on_gone_;
  std::shared_ptr<AsioWatcher> self_;
  bool reading_ = false, writing_ = false;
  bool read_armed_ = false, write_armed_ = false;
};

// One awaited command (or subscription): shared by the awaiter, hiredis'
// callback data and the timeout queue; whichever answers first wins.
struct Pending {
  std::coroutine_handle<> h;
  RedisReply reply;
  bool done = false;
  Clock::time_point deadline;
};

}  // namespace

SigpipeGuard::SigpipeGuard() {
  sigset_t pipe, pending;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe, &old_mask_);
  sigpending(&pending);
  was_pending_ = sigismember(&pending, SIGPIPE) == 1;
}

SigpipeGuard::~SigpipeGuard() {
  sigset_t pipe, pending;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  sigpending(&pending);
  // Only a SIGPIPE that our write raised; one pending before is someone else's.
  if (!was_pending_ && sigismember(&pending, SIGPIPE) == 1) {
    const timespec now{0, 0};
    sigtimedwait(&pipe, nullptr, &now);
  }
  pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
}

RedisReply RedisReply::Error(Kind kind, std::string message) {
  RedisReply r;
  r.type = Type::kError;
  r.kind = kind;
  r.str = std::move(message);
  return r;
}

// ---------------------------------------------------------------------------
// Addresses

RedisAddress RedisAddress::Parse(const std::string& url) {
  const auto bad = [&](const std::string& why) {
    return InputError("bad Redis URL '" + url + "': " + why +
                      " (expected redis://[:password@]host[:port][/db] or unix:///path/to/socket)");
  };
  RedisAddress a;
  if (url.starts_with("unix://")) {
    a.unix_socket = url.substr(7);
    if (a.unix_socket.empty() || a.unix_socket[0] != '/')
      throw bad("the socket path must be absolute");
    return a;
  }
  if (!url.starts_with("redis://")) throw bad("unknown scheme");
  std::string_view rest = std::string_view(url).substr(8);
  if (const size_t at = rest.rfind('@'); at != std::string_view::npos) {
    const std::string_view auth = rest.substr(0, at);
    const size_t colon = auth.find(':');
    if (colon == std::string_view::npos)
      throw bad("credentials must be ':password' or 'user:password'");
    a.username = std::string(auth.substr(0, colon));
    a.password = std::string(auth.substr(colon + 1));
    rest = rest.substr(at + 1);
  }
  std::string_view hostport = rest;
  if (const size_t slash = rest.find('/'); slash != std::string_view::npos) {
    hostport = rest.substr(0, slash);
    const std::string_view db = rest.substr(slash + 1);
    if (!db.empty()) {
      const auto n = ParseInt(db);
      if (!n || *n < 0 || *n > 1'000'000) throw bad("the database must be a number >= 0");
      a.db = static_cast<int>(*n);
    }
  }
  std::string_view port;
  if (hostport.starts_with('[')) {  // [IPv6]
    const size_t close = hostport.find(']');
    if (close == std::string_view::npos) throw bad("unclosed '[' in the host");
    a.host = std::string(hostport.substr(1, close - 1));
    const std::string_view after = hostport.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') throw bad("expected ':port' after the host");
      port = after.substr(1);
      if (port.empty()) throw bad("empty port");
    }
  } else if (const size_t colon = hostport.find(':'); colon != std::string_view::npos) {
    a.host = std::string(hostport.substr(0, colon));
    port = hostport.substr(colon + 1);
    if (port.empty()) throw bad("empty port");
  } else {
    a.host = std::string(hostport);
  }
  if (a.host.empty()) throw bad("no host");
  if (!port.empty()) {
    const auto n = ParseInt(port);
    if (!n || *n < 1 || *n > 65535) throw bad("the port must be a number in 1..65535");
    a.port = static_cast<int>(*n);
  }
  return a;
}

std::string RedisAddress::ToString() const {
  if (!unix_socket.empty()) return "unix://" + unix_socket;
  const bool v6 = host.find(':') != std::string::npos;
  return "redis://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port) +
         (db != 0 ? "/" + std::to_string(db) : "");
}

// ---------------------------------------------------------------------------
// Connections

class RedisClient::Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(boost::asio::io_context& io, const RedisAddress& address,
             const RedisClientOptions& options)
      : io_(io), address_(address), options_(options), timer_(io), resubscribe_timer_(io) {}
  ~Connection() { Close(); }

  uint64_t connects() const { return connects_; }

  // Sends `args`; `p` completes with the reply, a timeout or a lost connection.
  void Issue(const std::shared_ptr<Pending>& p, const std::vector<std::string>& args) {
    std::string error;
    if (!EnsureConnected(&error)) {
      Complete(p, RedisReply::Error(RedisReply::Kind::kConnection, error));
      return;
    }
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    argv.reserve(args.size());
    lens.reserve(args.size());
    for (const std::string& a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    auto* holder = new std::shared_ptr<Pending>(p);
    if (redisAsyncCommandArgv(ctx_, &OnReply, holder, static_cast<int>(argv.size()), argv.data(),
                              lens.data()) != REDIS_OK) {
      delete holder;
      Complete(p, RedisReply::Error(RedisReply::Kind::kConnection,
                                    "cannot send to " + address_.ToString()));
      return;
    }
    Track(p);
  }

  // Pub/sub connections only.
  void Subscribe(const std::string& channel, std::function<void(std::string_view)> handler,
                 const std::shared_ptr<Pending>& confirm) {
    auto& sub = subs_[channel];
    if (!sub) {
      sub = std::make_shared<Sub>();
      sub->channel = channel;
    }
    sub->handlers.push_back(std::move(handler));
    sub->confirms.push_back(confirm);
    std::string error;
    const bool fresh = ctx_ == nullptr;
    if (!EnsureConnected(&error)) {
      FailConfirms(*sub, error);
      if (!closing_) ArmResubscribe();
      return;
    }
    if (!fresh && !SendSubscribe(*sub)) {  // a fresh context subscribed to everything
      FailConfirms(*sub, "cannot send to " + address_.ToString());
      return;
    }
    Track(confirm);
  }

  // Frees the context: every pending command fails. No reconnects after this.
  void Close() {
    closing_ = true;
    if (ctx_ != nullptr) {
      redisAsyncContext* ac = ctx_;
      closing_reason_ = "the client closed the connection";
      redisAsyncFree(ac);  // callbacks with NULL replies, then cleanup (OnContextGone)
    }
    for (auto& p : std::exchange(inflight_, {})) {
      Complete(p, RedisReply::Error(RedisReply::Kind::kConnection, "the client was closed"));
    }
    timer_.cancel();
    resubscribe_timer_.cancel();
  }

 private:
  struct Sub {
    std::string channel;
    std::vector<std::function<void(std::string_view)>> handlers;
    std::vector<std::shared_ptr<Pending>> confirms;  // Subscribe calls awaiting the ack
  };

  bool EnsureConnected(std::string* error) {
    if (ctx_ != nullptr) return true;
    if (closing_) {
      *error = "the client was closed";
      return false;
    }
    redisAsyncContext* ac = address_.unix_socket.empty()
                                ? redisAsyncConnect(address_.host.c_str(), address_.port)
                                : redisAsyncConnectUnix(address_.unix_socket.c_str());
    if (ac == nullptr) {
      *error = "cannot connect to " + address_.ToString() + ": out of memory";
      return false;
    }
    if (ac->err != 0) {
      *error = "cannot connect to " + address_.ToString() + ": " + ac->errstr;
      redisAsyncFree(ac);
      return false;
    }
    try {
      AsioWatcher::Attach(io_, ac, [this, ac] { OnContextGone(ac); });
    } catch (const std::exception& e) {
      *error = "cannot watch the connection to " + address_.ToString() + ": " + e.what();
      redisAsyncFree(ac);
      return false;
    }
    ++connects_;
    ac->data = this;
    connected_ = false;
    ctx_ = ac;
    // Arms the first write wait: the connection is made when writable.
    redisAsyncSetConnectCallback(ac, &OnConnect);
    // Sent ahead of everything. Their replies come first, so a failure is
    // known by the time the commands behind them fail (NOAUTH, or the wrong
    // database), and those report it instead (OnSetup).
    setup_error_.clear();
    if (!address_.password.empty()) {
      static const char kAuth[] = "authentication";
      if (address_.username.empty()) {
        redisAsyncCommand(ac, &OnSetup, const_cast<char*>(kAuth), "AUTH %b",
                          address_.password.data(), address_.password.size());
      } else {
        redisAsyncCommand(ac, &OnSetup, const_cast<char*>(kAuth), "AUTH %b %b",
                          address_.username.data(), address_.username.size(),
                          address_.password.data(), address_.password.size());
      }
    }
    if (address_.db != 0) {
      static const char kSelect[] = "selecting the database";
      redisAsyncCommand(ac, &OnSetup, const_cast<char*>(kSelect), "SELECT %d", address_.db);
    }
    for (auto& [channel, sub] : subs_) SendSubscribe(*sub);
    return true;
  }

  bool SendSubscribe(Sub& sub) {
    const char* argv[2] = {"SUBSCRIBE", sub.channel.data()};
    const size_t lens[2] = {9, sub.channel.size()};
    return redisAsyncCommandArgv(ctx_, &OnMessage, &sub, 2, argv, lens) == REDIS_OK;
  }

  static void OnConnect(const redisAsyncContext* ac, int status) {
    if (status == REDIS_OK) static_cast<Connection*>(ac->data)->connected_ = true;
    // On failure hiredis frees the context next: pending commands get NULL
    // replies and the watcher's cleanup reports it gone.
  }

  static void OnSetup(redisAsyncContext* ac, void* reply, void* privdata) {
    const auto* r = static_cast<const redisReply*>(reply);
    if (r == nullptr || r->type != REDIS_REPLY_ERROR) return;
    auto* self = static_cast<Connection*>(ac->data);
    if (!self->setup_error_.empty()) return;  // the first failure explains the rest
    self->setup_error_ = static_cast<const char*>(privdata) + std::string(" on ") +
                         self->address_.ToString() + " failed: " + std::string(r->str, r->len);
  }

  std::string LostMessage(const redisAsyncContext* ac) const {
    if (!closing_reason_.empty()) return closing_reason_;
    if (!setup_error_.empty()) return setup_error_;
    std::string m = "connection to " + address_.ToString() + " lost";
    if (ac->err != 0 && ac->errstr != nullptr) m += std::string(": ") + ac->errstr;
    return m;
  }

  static void OnReply(redisAsyncContext* ac, void* reply, void* privdata) {
    std::unique_ptr<std::shared_ptr<Pending>> holder(
        static_cast<std::shared_ptr<Pending>*>(privdata));
    auto* self = static_cast<Connection*>(ac->data);
    if (reply == nullptr) {
      self->Complete(*holder,
                     RedisReply::Error(RedisReply::Kind::kConnection, self->LostMessage(ac)));
    } else if (!self->setup_error_.empty()) {
      // NOAUTH, or a command run in the wrong database: the connection is
      // unusable whatever the reply, say why.
      self->Complete(*holder, RedisReply::Error(RedisReply::Kind::kConnection, self->setup_error_));
    } else {
      self->Complete(*holder, Convert(static_cast<redisReply*>(reply)));
    }
  }

  static void OnMessage(redisAsyncContext* ac, void* reply, void* privdata) {
    auto* self = static_cast<Connection*>(ac->data);
    Sub& sub = *static_cast<Sub*>(privdata);
    if (reply == nullptr) {
      self->FailConfirms(sub, self->LostMessage(ac));
      return;
    }
    const auto* r = static_cast<const redisReply*>(reply);
    if (!self->setup_error_.empty()) {
      self->FailConfirms(sub, self->setup_error_);
      return;
    }
    if (r->type == REDIS_REPLY_ERROR) {
      self->FailConfirms(sub, std::string(r->str, r->len));
      return;
    }
    if (r->type != REDIS_REPLY_ARRAY || r->elements < 3 ||
        r->element[0]->type != REDIS_REPLY_STRING) {
      return;
    }
    const std::string_view kind(r->element[0]->str, r->element[0]->len);
    if (kind == "subscribe") {
      RedisReply ack;
      ack.type = RedisReply::Type::kInteger;
      ack.integer = r->element[2]->integer;
      for (auto& p : std::exchange(sub.confirms, {})) self->Complete(p, ack);
    } else if (kind == "message" && r->element[2]->type == REDIS_REPLY_STRING) {
      // Handlers run from the queue, never inside hiredis.
      boost::asio::post(self->io_, [weak = self->weak_from_this(), &sub,
                                    msg = std::string(r->element[2]->str, r->element[2]->len)] {
        if (weak.expired()) return;  // `sub` died with its connection
        for (size_t i = 0; i < sub.handlers.size(); ++i) {
          const auto handler = sub.handlers[i];  // a handler may subscribe again
          handler(msg);
        }
      });
    }
  }

  void FailConfirms(Sub& sub, const std::string& error) {
    for (auto& p : std::exchange(sub.confirms, {})) {
      Complete(p, RedisReply::Error(RedisReply::Kind::kConnection, error));
    }
  }

  void OnContextGone(redisAsyncContext* ac) {
    if (ctx_ != ac) return;
    ctx_ = nullptr;
    connected_ = false;
    closing_reason_.clear();
    if (!closing_ && !subs_.empty()) ArmResubscribe();
  }

  void ArmResubscribe() {
    resubscribe_timer_.expires_after(
        std::chrono::nanoseconds(options_.resubscribe_interval.nanos()));
    resubscribe_timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      auto self = weak.lock();
      if (ec || !self || self->closing_ || self->ctx_ != nullptr) return;
      std::string error;
      if (!self->EnsureConnected(&error)) self->ArmResubscribe();
    });
  }

  void Complete(const std::shared_ptr<Pending>& p, RedisReply reply) {
    if (p->done) return;  // timed out earlier; the late reply is dropped
    p->done = true;
    p->reply = std::move(reply);
    boost::asio::post(io_, [p] {
      if (p->h) p->h.resume();
    });
    while (!inflight_.empty() && inflight_.front()->done) inflight_.pop_front();
  }

  // Deadlines grow with issue order (one timeout for all), so the queue is
  // sorted and one timer for its head suffices.
  void Track(const std::shared_ptr<Pending>& p) {
    p->deadline = Clock::now() + std::chrono::nanoseconds(options_.timeout.nanos());
    inflight_.push_back(p);
    if (!timer_armed_) ArmTimer();
  }

  void ArmTimer() {
    while (!inflight_.empty() && inflight_.front()->done) inflight_.pop_front();
    if (inflight_.empty()) return;
    timer_armed_ = true;
    timer_.expires_at(inflight_.front()->deadline);
    timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      auto self = weak.lock();
      if (!self || ec) return;
      self->timer_armed_ = false;
      self->OnTimer();
    });
  }

  void OnTimer() {
    const auto now = Clock::now();
    bool expired = false;
    while (!inflight_.empty() && (inflight_.front()->done || inflight_.front()->deadline <= now)) {
      std::shared_ptr<Pending> p = std::move(inflight_.front());
      inflight_.pop_front();
      if (p->done) continue;
      expired = true;
      Complete(p, RedisReply::Error(RedisReply::Kind::kTimeout,
                                    "no reply from " + address_.ToString() + " within " +
                                        std::to_string(CeilMillis(options_.timeout)) + " ms"));
    }
    // A connection still not made after a whole timeout is given up; the next
    // command tries again.
    if (expired && ctx_ != nullptr && !connected_) {
      closing_reason_ = "could not connect to " + address_.ToString() + " within " +
                        std::to_string(CeilMillis(options_.timeout)) + " ms";
      redisAsyncFree(ctx_);
    }
    ArmTimer();
  }

  boost::asio::io_context& io_;
  RedisAddress address_;
  RedisClientOptions options_;
  redisAsyncContext* ctx_ = nullptr;
  bool connected_ = false;
  bool closing_ = false;
  std::string closing_reason_;  // why we freed the context ourselves
  std::string setup_error_;     // AUTH or SELECT failed on the current context
  uint64_t connects_ = 0;
  std::deque<std::shared_ptr<Pending>> inflight_;
  boost::asio::steady_timer timer_;
  bool timer_armed_ = false;
  boost::asio::steady_timer resubscribe_timer_;
  std::map<std::string, std::shared_ptr<Sub>> subs_;
};

// ---------------------------------------------------------------------------
// Scripts

struct RedisClient::Script {
  std::string body;
  std::string sha;  // empty until loaded
};

namespace {

// Token counter: seeded with the server's clock in microseconds when absent
// (after a flush or restart), so tokens keep growing across both.
constexpr const char* kTokenCounter = "__cachelab:lease-token";

// KEYS: key, lease key, token counter. ARGV: period (us), lease key ttl (ms).
// -> {1, value, pttl} | {0, token} | {0}
constexpr const char* kLeaseGet = R"lua(
local v = redis.call('GET', KEYS[1])
if v then return {1, v, redis.call('PTTL', KEYS[1])} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local issued = redis.call('HGET', KEYS[2], 'issued')
if issued and now - tonumber(issued) < tonumber(ARGV[1]) then return {0} end
if redis.call('EXISTS', KEYS[3]) == 0 then
  redis.call('SET', KEYS[3], t[1] .. string.format('%06d', tonumber(t[2])))
end
local token = redis.call('INCR', KEYS[3])
redis.call('HSET', KEYS[2], 'token', token, 'issued', now)
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return {0, token}
)lua";

// KEYS: key, lease key. ARGV: value, ttl (ms, 0 = none), token. -> 1 stored | 0
constexpr const char* kLeaseSet = R"lua(
local t = redis.call('HGET', KEYS[2], 'token')
if not t or tonumber(t) ~= tonumber(ARGV[3]) then return 0 end
redis.call('DEL', KEYS[2])
if tonumber(ARGV[2]) > 0 then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
else
  redis.call('SET', KEYS[1], ARGV[1])
end
return 1
)lua";

// KEYS: key. -> {value, pttl} | nil
constexpr const char* kGetTtl = R"lua(
local v = redis.call('GET', KEYS[1])
if not v then return false end
return {v, redis.call('PTTL', KEYS[1])}
)lua";

// KEYS: key. ARGV: value. -> 1 deleted | 0
constexpr const char* kDeleteIf = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
)lua";

// GCC 12 destroys some temporaries of a co_await expression twice (seen here
// as a double free of an awaiter's shared_ptr member). So awaiters hold raw
// pointers only, the owners live in the coroutine's frame, and arguments are
// built in named locals before the co_await, never as braced temporaries.
struct IssueAwaiter {
  RedisClient::Connection* conn;
  const std::vector<std::string>* args;
  const std::shared_ptr<Pending>* p;
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) {
    (*p)->h = h;
    conn->Issue(*p, *args);  // always resumes through the queue
  }
  void await_resume() const noexcept {}
};

struct SubscribeAwaiter {
  RedisClient::Connection* conn;
  const std::string* channel;
  std::function<void(std::string_view)>* handler;
  const std::shared_ptr<Pending>* p;
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) {
    (*p)->h = h;
    conn->Subscribe(*channel, std::move(*handler), *p);
  }
  void await_resume() const noexcept {}
};

// One command on `conn`. Free functions taking their owners by value: the
// frame keeps the connection alive, never the client.
Task<RedisReply> Issue(std::shared_ptr<RedisClient::Connection> conn,
                       std::vector<std::string> args) {
  const auto p = std::make_shared<Pending>();
  co_await IssueAwaiter{conn.get(), &args, &p};
  co_return std::move(p->reply);
}

Duration TtlOf(int64_t pttl_ms) {
  return pttl_ms < 0 ? Duration::Max() : Duration::Millis(pttl_ms);
}

RedisWrite WriteError(const RedisReply& r) {
  return RedisWrite{RedisWrite::Status::kError, r.str};
}

RedisWrite WriteResult(const RedisReply& r) {
  if (r.error()) return WriteError(r);
  return RedisWrite{r.nil() ? RedisWrite::Status::kRejected : RedisWrite::Status::kOk, {}};
}

RedisGet GetError(std::string error) {
  RedisGet g;
  g.status = RedisGet::Status::kError;
  g.error = std::move(error);
  return g;
}

RedisGet Unexpected(const RedisReply& r) {
  return GetError("unexpected reply from Redis (type " + std::to_string(static_cast<int>(r.type)) +
                  ")");
}

// INFO's text: "# Section" headers, blank lines and "name:value" lines, CRLF.
std::map<std::string, std::string> ParseInfo(std::string_view text) {
  std::map<std::string, std::string> fields;
  while (!text.empty()) {
    const size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (line.empty() || line.starts_with('#')) continue;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    fields.emplace(line.substr(0, colon), line.substr(colon + 1));
  }
  return fields;
}

Task<RedisReply> Eval(std::shared_ptr<RedisClient::Connection> conn,
                      std::shared_ptr<RedisClient::Script> script, std::vector<std::string> keys,
                      std::vector<std::string> args) {
  for (int attempt = 0;; ++attempt) {
    if (script->sha.empty()) {
      std::vector<std::string> load{"SCRIPT", "LOAD", script->body};
      RedisReply loaded = co_await Issue(conn, std::move(load));
      if (loaded.error()) co_return loaded;
      script->sha = loaded.str;
    }
    std::vector<std::string> cmd{"EVALSHA", script->sha, std::to_string(keys.size())};
    cmd.insert(cmd.end(), keys.begin(), keys.end());
    cmd.insert(cmd.end(), args.begin(), args.end());
    RedisReply r = co_await Issue(conn, std::move(cmd));
    // A restarted server forgot its scripts: load again, once.
    if (attempt == 0 && r.error() && r.kind == RedisReply::Kind::kServer &&
        r.str.starts_with("NOSCRIPT")) {
      script->sha.clear();
      continue;
    }
    co_return r;
  }
}

}  // namespace

// ---------------------------------------------------------------------------
// RedisClient
//
// Each operation below calls Issue or Eval (which copy the shared owners)
// before its first suspension and touches no member after it.

RedisClient::RedisClient(boost::asio::io_context& io, RedisAddress address,
                         RedisClientOptions options)
    : address_(std::move(address)),
      commands_(std::make_shared<Connection>(io, address_, options)),
      pubsub_(std::make_shared<Connection>(io, address_, options)),
      get_ttl_(std::make_shared<Script>(Script{kGetTtl, {}})),
      lease_get_(std::make_shared<Script>(Script{kLeaseGet, {}})),
      lease_set_(std::make_shared<Script>(Script{kLeaseSet, {}})),
      delete_if_(std::make_shared<Script>(Script{kDeleteIf, {}})) {}

RedisClient::~RedisClient() {
  commands_->Close();
  pubsub_->Close();
}

uint64_t RedisClient::connects() const {
  return commands_->connects() + pubsub_->connects();
}

Task<RedisReply> RedisClient::Command(std::vector<std::string> args) {
  return Issue(commands_, std::move(args));
}

Task<RedisReply> RedisClient::Ping() {
  return Command({"PING"});
}

Task<RedisGet> RedisClient::Get(std::string key) {
  std::vector<std::string> cmd{"GET", std::move(key)};
  const RedisReply r = co_await Command(std::move(cmd));
  if (r.error()) co_return GetError(r.str);
  RedisGet g;
  if (r.type == RedisReply::Type::kString) {
    g.status = RedisGet::Status::kHit;
    g.value = r.str;
  } else if (!r.nil()) {
    co_return Unexpected(r);
  }
  co_return g;
}

Task<RedisGet> RedisClient::GetWithTtl(std::string key) {
  std::vector<std::string> keys{std::move(key)};
  const RedisReply r = co_await Eval(commands_, get_ttl_, std::move(keys), {});
  if (r.error()) co_return GetError(r.str);
  if (r.nil()) co_return RedisGet{};
  if (r.type != RedisReply::Type::kArray || r.elements.size() != 2) co_return Unexpected(r);
  RedisGet g;
  g.status = RedisGet::Status::kHit;
  g.value = r.elements[0].str;
  g.remaining_ttl = TtlOf(r.elements[1].integer);
  co_return g;
}

Task<RedisWrite> RedisClient::Set(std::string key, std::string value, Duration ttl) {
  std::vector<std::string> cmd{"SET", std::move(key), std::move(value)};
  if (ttl > Duration()) {
    cmd.push_back("PX");
    cmd.push_back(std::to_string(CeilMillis(ttl)));
  }
  const RedisReply r = co_await Command(std::move(cmd));
  co_return WriteResult(r);
}

Task<RedisWrite> RedisClient::SetNx(std::string key, std::string value, Duration ttl) {
  std::vector<std::string> cmd{"SET", std::move(key), std::move(value), "NX"};
  if (ttl > Duration()) {
    cmd.push_back("PX");
    cmd.push_back(std::to_string(CeilMillis(ttl)));
  }
  const RedisReply r = co_await Command(std::move(cmd));
  co_return WriteResult(r);
}

Task<RedisWrite> RedisClient::DeleteIfEquals(std::string key, std::string value) {
  std::vector<std::string> keys{std::move(key)}, args{std::move(value)};
  const RedisReply r = co_await Eval(commands_, delete_if_, std::move(keys), std::move(args));
  if (r.error()) co_return WriteError(r);
  co_return RedisWrite{r.integer == 1 ? RedisWrite::Status::kOk : RedisWrite::Status::kRejected,
                       {}};
}

Task<RedisWrite> RedisClient::Delete(std::string key) {
  std::string lease = LeaseKey(key);
  std::vector<std::string> cmd{"DEL", std::move(key), std::move(lease)};
  const RedisReply r = co_await Command(std::move(cmd));
  co_return WriteResult(r);
}

Task<RedisWrite> RedisClient::FlushAll() {
  std::vector<std::string> cmd{"FLUSHALL"};
  const RedisReply r = co_await Command(std::move(cmd));
  co_return WriteResult(r);
}

Task<RedisWrite> RedisClient::ConfigSet(std::string parameter, std::string value) {
  std::vector<std::string> cmd{"CONFIG", "SET", std::move(parameter), std::move(value)};
  const RedisReply r = co_await Command(std::move(cmd));
  co_return WriteResult(r);
}

Task<std::map<std::string, std::string>> RedisClient::Info(std::string section) {
  std::vector<std::string> cmd{"INFO"};
  if (!section.empty()) cmd.push_back(std::move(section));
  const RedisReply r = co_await Command(std::move(cmd));
  if (r.type != RedisReply::Type::kString) co_return std::map<std::string, std::string>{};
  co_return ParseInfo(r.str);
}

Task<std::string> RedisClient::ServerVersion() {
  const std::map<std::string, std::string> info = co_await Info("server");
  const auto it = info.find("redis_version");
  co_return it == info.end() ? std::string() : it->second;
}

Task<int64_t> RedisClient::UsedMemory() {
  const std::map<std::string, std::string> info = co_await Info("memory");
  const auto it = info.find("used_memory");
  if (it == info.end()) co_return -1;
  co_return ParseInt(it->second).value_or(-1);
}

Task<RedisWrite> RedisClient::Pause(Duration d) {
  std::vector<std::string> cmd{"CLIENT", "PAUSE",
                               std::to_string(std::max<int64_t>(0, CeilMillis(d))), "ALL"};
  const RedisReply r = co_await Command(std::move(cmd));
  co_return WriteResult(r);
}

std::string RedisClient::LeaseKey(std::string_view key) {
  return "__cachelab:lease:" + std::string(key);
}

Task<RedisLease> RedisClient::LeaseGet(std::string key, Duration period) {
  const int64_t period_us = std::max<int64_t>(0, (period.nanos() + 999) / 1000);
  const int64_t keep_ms = std::max<int64_t>(60'000, CeilMillis(period) * 100);
  std::string lease = LeaseKey(key);
  std::vector<std::string> keys{std::move(key), std::move(lease), kTokenCounter};
  std::vector<std::string> args{std::to_string(period_us), std::to_string(keep_ms)};
  const RedisReply r = co_await Eval(commands_, lease_get_, std::move(keys), std::move(args));
  RedisLease out;
  if (r.error()) {
    out.get = GetError(r.str);
    co_return out;
  }
  if (r.type != RedisReply::Type::kArray || r.elements.empty()) {
    out.get = Unexpected(r);
    co_return out;
  }
  if (r.elements[0].integer == 1 && r.elements.size() == 3) {
    out.get.status = RedisGet::Status::kHit;
    out.get.value = r.elements[1].str;
    out.get.remaining_ttl = TtlOf(r.elements[2].integer);
  } else if (r.elements.size() == 2) {
    out.token = static_cast<uint64_t>(r.elements[1].integer);
  }
  co_return out;
}

Task<RedisWrite> RedisClient::LeaseSet(std::string key, std::string value, Duration ttl,
                                       uint64_t token) {
  std::string lease = LeaseKey(key);
  std::vector<std::string> keys{std::move(key), std::move(lease)};
  std::vector<std::string> args{std::move(value),
                                std::to_string(ttl > Duration() ? CeilMillis(ttl) : 0),
                                std::to_string(token)};
  const RedisReply r = co_await Eval(commands_, lease_set_, std::move(keys), std::move(args));
  if (r.error()) co_return WriteError(r);
  co_return RedisWrite{r.integer == 1 ? RedisWrite::Status::kOk : RedisWrite::Status::kRejected,
                       {}};
}

namespace {

Task<RedisReply> SubscribeOn(std::shared_ptr<RedisClient::Connection> conn, std::string channel,
                             std::function<void(std::string_view)> handler) {
  const auto p = std::make_shared<Pending>();
  co_await SubscribeAwaiter{conn.get(), &channel, &handler, &p};
  co_return std::move(p->reply);
}

}  // namespace

Task<RedisReply> RedisClient::Subscribe(std::string channel,
                                        std::function<void(std::string_view message)> handler) {
  return SubscribeOn(pubsub_, std::move(channel), std::move(handler));
}

Task<int64_t> RedisClient::Publish(std::string channel, std::string message) {
  std::vector<std::string> cmd{"PUBLISH", std::move(channel), std::move(message)};
  const RedisReply r = co_await Command(std::move(cmd));
  co_return r.type == RedisReply::Type::kInteger ? r.integer : -1;
}

}  // namespace cachelab::live
