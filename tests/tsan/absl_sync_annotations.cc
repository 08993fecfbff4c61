// ThreadSanitizer annotations for Debian's (uninstrumented) Abseil
// synchronization library, linked into every executable of a
// GRENS_SANITIZE=thread build and nowhere else.
//
// Why: grens synchronizes with absl::Mutex, absl::CondVar and
// absl::Notification (STYLE.md 5.1). Debian ships libabsl_synchronization.so
// built without -fsanitize=thread, so the annotations Abseil carries for TSan
// are compiled out and the mutex works by atomics and futex syscalls that TSan
// never sees. TSan would then take every mutex-guarded member for a data race.
// Rebuilding Abseil is not an option (Debian packages only), so this file
// interposes the library's entry points: the executable defines them, the
// dynamic linker binds every call (ours, and the library's own calls through
// its PLT) to these definitions, and each tells TSan what Abseil's own TSan
// build would tell it (the same __tsan_mutex_* calls, absl/synchronization/
// mutex.cc) around a call of the real function, found with dlsym(RTLD_NEXT).
// Between pre- and post-annotations TSan ignores memory accesses, as it does
// inside an instrumented Abseil, so conditions evaluated inside the library do
// not count as unlocked reads. Only the outermost wrapped call on a thread
// annotates: some real functions call others through the PLT.
//
// Test infrastructure, not part of grens. The wrapped functions are the
// exported ones grens calls; anything else in Abseil's synchronization library
// keeps running uninstrumented. Checked with a two-thread program: without this
// file TSan reports a data race on a counter every access to which holds an
// absl::Mutex; with it, none, while a real race beside it is still reported.

#include <dlfcn.h>
#include <sanitizer/tsan_interface.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/base/options.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace {

#define GRENS_STR2(x) #x
#define GRENS_STR(x) GRENS_STR2(x)

// The real function behind an Itanium-mangled member of absl::<inline ns>::,
// e.g. Real<void (*)(absl::Mutex*)>("5Mutex4LockEv"); `is_const` for const
// member functions (mangled _ZNK...).
template <typename Fn>
Fn Real(const char* mangled_member, bool is_const = false) {
  const std::string ns = GRENS_STR(ABSL_OPTION_INLINE_NAMESPACE_NAME);
  const std::string symbol =
      std::string(is_const ? "_ZNK4absl" : "_ZN4absl") + std::to_string(ns.size()) + ns + mangled_member;
  void* fn = dlsym(RTLD_NEXT, symbol.c_str());
  if (fn == nullptr) {
    std::fprintf(stderr, "tsan absl annotations: %s not found\n", symbol.c_str());
    std::abort();
  }
  return reinterpret_cast<Fn>(fn);
}

using MutexFn = void (*)(absl::Mutex*);
using MutexTryFn = bool (*)(absl::Mutex*);
using WhenFn = void (*)(absl::Mutex*, const absl::Condition&);
using WhenTimeoutFn = bool (*)(absl::Mutex*, const absl::Condition&, absl::Duration);
using WhenDeadlineFn = bool (*)(absl::Mutex*, const absl::Condition&, absl::Time);

// Depth of wrapped calls on this thread. Some real functions call others
// through the PLT (AwaitWithTimeout tail-calls AwaitWithDeadline,
// WaitForNotification calls LockWhen): only the outermost call annotates.
thread_local int depth = 0;

class Nesting {
 public:
  Nesting() { ++depth; }
  ~Nesting() { --depth; }
  Nesting(const Nesting&) = delete;
  Nesting& operator=(const Nesting&) = delete;
};

// Lock-like: the mutex is held when the real function returns (true).
void Locked(absl::Mutex* mu, unsigned flags, bool acquired = true) {
  __tsan_mutex_post_lock(mu, acquired ? flags : flags | __tsan_mutex_try_lock_failed, 0);
}

// Await-like: the real function gives up the mutex and takes it back.
template <typename Call>
auto Reacquiring(absl::Mutex* mu, unsigned flags, Call call) {
  __tsan_mutex_pre_unlock(mu, flags);
  auto result = call();
  __tsan_mutex_post_unlock(mu, flags);
  __tsan_mutex_pre_lock(mu, flags);
  __tsan_mutex_post_lock(mu, flags, 0);
  return result;
}

}  // namespace

namespace absl {
ABSL_NAMESPACE_BEGIN

Mutex::~Mutex() {
  static const MutexFn real = Real<MutexFn>("5MutexD1Ev");
  __tsan_mutex_destroy(this, __tsan_mutex_not_static);
  real(this);
}

void Mutex::Lock() {
  static const MutexFn real = Real<MutexFn>("5Mutex4LockEv");
  if (depth > 0) return real(this);
  const Nesting nesting;
  __tsan_mutex_pre_lock(this, 0);
  real(this);
  Locked(this, 0);
}

void Mutex::ReaderLock() {
  static const MutexFn real = Real<MutexFn>("5Mutex10ReaderLockEv");
  if (depth > 0) return real(this);
  const Nesting nesting;
  __tsan_mutex_pre_lock(this, __tsan_mutex_read_lock);
  real(this);
  Locked(this, __tsan_mutex_read_lock);
}

bool Mutex::TryLock() {
  static const MutexTryFn real = Real<MutexTryFn>("5Mutex7TryLockEv");
  if (depth > 0) return real(this);
  const Nesting nesting;
  __tsan_mutex_pre_lock(this, __tsan_mutex_try_lock);
  const bool locked = real(this);
  Locked(this, __tsan_mutex_try_lock, locked);
  return locked;
}

bool Mutex::ReaderTryLock() {
  static const MutexTryFn real = Real<MutexTryFn>("5Mutex13ReaderTryLockEv");
  if (depth > 0) return real(this);
  const Nesting nesting;
  __tsan_mutex_pre_lock(this, __tsan_mutex_try_read_lock);
  const bool locked = real(this);
  Locked(this, __tsan_mutex_try_read_lock, locked);
  return locked;
}

void Mutex::Unlock() {
  static const MutexFn real = Real<MutexFn>("5Mutex6UnlockEv");
  if (depth > 0) return real(this);
  const Nesting nesting;
  __tsan_mutex_pre_unlock(this, 0);
  real(this);
  __tsan_mutex_post_unlock(this, 0);
}

void Mutex::ReaderUnlock() {
  static const MutexFn real = Real<MutexFn>("5Mutex12ReaderUnlockEv");
  if (depth > 0) return real(this);
  const Nesting nesting;
  __tsan_mutex_pre_unlock(this, __tsan_mutex_read_lock);
  real(this);
  __tsan_mutex_post_unlock(this, __tsan_mutex_read_lock);
}

void Mutex::LockWhen(const Condition& cond) {
  static const WhenFn real = Real<WhenFn>("5Mutex8LockWhenERKNS0_9ConditionE");
  if (depth > 0) return real(this, cond);
  const Nesting nesting;
  __tsan_mutex_pre_lock(this, 0);
  real(this, cond);
  Locked(this, 0);
}

void Mutex::ReaderLockWhen(const Condition& cond) {
  static const WhenFn real = Real<WhenFn>("5Mutex14ReaderLockWhenERKNS0_9ConditionE");
  if (depth > 0) return real(this, cond);
  const Nesting nesting;
  __tsan_mutex_pre_lock(this, __tsan_mutex_read_lock);
  real(this, cond);
  Locked(this, __tsan_mutex_read_lock);
}

bool Mutex::LockWhenWithTimeout(const Condition& cond, Duration timeout) {
  static const WhenTimeoutFn real =
      Real<WhenTimeoutFn>("5Mutex19LockWhenWithTimeoutERKNS0_9ConditionENS0_8DurationE");
  if (depth > 0) return real(this, cond, timeout);
  const Nesting nesting;
  __tsan_mutex_pre_lock(this, 0);
  const bool result = real(this, cond, timeout);
  Locked(this, 0);  // held whatever the result
  return result;
}

bool Mutex::LockWhenWithDeadline(const Condition& cond, Time deadline) {
  static const WhenDeadlineFn real =
      Real<WhenDeadlineFn>("5Mutex20LockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE");
  if (depth > 0) return real(this, cond, deadline);
  const Nesting nesting;
  __tsan_mutex_pre_lock(this, 0);
  const bool result = real(this, cond, deadline);
  Locked(this, 0);
  return result;
}

void Mutex::Await(const Condition& cond) {
  static const WhenFn real = Real<WhenFn>("5Mutex5AwaitERKNS0_9ConditionE");
  if (depth > 0) return real(this, cond);
  const Nesting nesting;
  Reacquiring(this, 0, [&] {
    real(this, cond);
    return true;
  });
}

bool Mutex::AwaitWithTimeout(const Condition& cond, Duration timeout) {
  static const WhenTimeoutFn real = Real<WhenTimeoutFn>("5Mutex16AwaitWithTimeoutERKNS0_9ConditionENS0_8DurationE");
  if (depth > 0) return real(this, cond, timeout);
  const Nesting nesting;
  return Reacquiring(this, 0, [&] { return real(this, cond, timeout); });
}

bool Mutex::AwaitWithDeadline(const Condition& cond, Time deadline) {
  static const WhenDeadlineFn real = Real<WhenDeadlineFn>("5Mutex17AwaitWithDeadlineERKNS0_9ConditionENS0_4TimeE");
  if (depth > 0) return real(this, cond, deadline);
  const Nesting nesting;
  return Reacquiring(this, 0, [&] { return real(this, cond, deadline); });
}

void CondVar::Wait(Mutex* mu) {
  static const auto real = Real<void (*)(CondVar*, Mutex*)>("7CondVar4WaitEPNS0_5MutexE");
  if (depth > 0) return real(this, mu);
  const Nesting nesting;
  Reacquiring(mu, 0, [&] {
    real(this, mu);
    return true;
  });
}

bool CondVar::WaitWithTimeout(Mutex* mu, Duration timeout) {
  static const auto real =
      Real<bool (*)(CondVar*, Mutex*, Duration)>("7CondVar15WaitWithTimeoutEPNS0_5MutexENS0_8DurationE");
  if (depth > 0) return real(this, mu, timeout);
  const Nesting nesting;
  return Reacquiring(mu, 0, [&] { return real(this, mu, timeout); });
}

bool CondVar::WaitWithDeadline(Mutex* mu, Time deadline) {
  static const auto real =
      Real<bool (*)(CondVar*, Mutex*, Time)>("7CondVar16WaitWithDeadlineEPNS0_5MutexENS0_4TimeE");
  if (depth > 0) return real(this, mu, deadline);
  const Nesting nesting;
  return Reacquiring(mu, 0, [&] { return real(this, mu, deadline); });
}

// Notify() locks and unlocks the notification's own mutex (through the
// wrappers above); the waiting side may return on a lock-free fast path, so it
// acquires from that mutex explicitly. The mutex is the notification's first
// member, at its own address.
void Notification::WaitForNotification() const {
  static const auto real = Real<void (*)(const Notification*)>("12Notification19WaitForNotificationEv", true);
  if (depth > 0) return real(this);
  const Nesting nesting;
  real(this);
  __tsan_acquire(const_cast<Notification*>(this));
}

bool Notification::WaitForNotificationWithTimeout(Duration timeout) const {
  static const auto real = Real<bool (*)(const Notification*, Duration)>(
      "12Notification30WaitForNotificationWithTimeoutENS0_8DurationE", true);
  if (depth > 0) return real(this, timeout);
  const Nesting nesting;
  const bool notified = real(this, timeout);
  if (notified) __tsan_acquire(const_cast<Notification*>(this));
  return notified;
}

ABSL_NAMESPACE_END
}  // namespace absl

namespace {

// Fails loudly if the linker bound the library's own calls elsewhere (then TSan
// would report races that are not there): the absl::Mutex::Lock the dynamic
// linker finds first must be the one above, not the one in libabsl.
[[maybe_unused]] const bool kInterposed = [] {
  const std::string ns = GRENS_STR(ABSL_OPTION_INLINE_NAMESPACE_NAME);
  void* found = dlsym(RTLD_DEFAULT, ("_ZN4absl" + std::to_string(ns.size()) + ns + "5Mutex4LockEv").c_str());
  Dl_info info;
  if (found == nullptr || dladdr(found, &info) == 0 || std::string(info.dli_fname).find("libabsl") != std::string::npos) {
    std::fprintf(stderr, "tsan absl annotations: absl::Mutex::Lock is not interposed (link with -rdynamic)\n");
    std::abort();
  }
  return true;
}();

}  // namespace
