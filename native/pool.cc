#include "pool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace tg {
namespace {

constexpr int kMaxThreads = 64;
thread_local bool t_background = false;

class Pool {
 public:
  Pool() {
    unsigned hc = std::thread::hardware_concurrency();
    hw_ = hc == 0 ? 1 : static_cast<int>(std::min<unsigned>(hc, kMaxThreads));
  }
  ~Pool() {
    {
      std::lock_guard<std::mutex> lk(mu_);
      stop_ = true;
      generation_.fetch_add(1);
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
  }

  int hw() const { return hw_; }

  void run(int n, const std::function<void(int)>& fn) {
    n = std::max(1, std::min(n, kMaxThreads));
    if (n == 1) {
      fn(0);
      return;
    }
    // One parallel region at a time. A region started while another holds the team: on a
    // background thread it waits; on the JS thread its parts run here, in turn (each part is
    // independent of the others, so the result is the same).
    std::unique_lock<std::mutex> serial(run_mu_, std::try_to_lock);
    if (!serial.owns_lock()) {
      if (!t_background) {
        for (int t = 0; t < n; t++) fn(t);
        return;
      }
      serial.lock();
    }
    ensure(n - 1);
    pending_.store(n - 1);
    {
      std::lock_guard<std::mutex> lk(mu_);
      fn_ = &fn;
      team_ = n;
      generation_.fetch_add(1, std::memory_order_release);
    }
    cv_.notify_all();
    fn(0);
    // Wait for the workers (spin: regions are short).
    while (pending_.load(std::memory_order_acquire) != 0) std::this_thread::yield();
  }

 private:
  void ensure(int workers) {
    while (static_cast<int>(workers_.size()) < workers) {
      int id = static_cast<int>(workers_.size()) + 1;
      workers_.emplace_back([this, id] { loop(id); });
    }
  }

  void loop(int id) {
    unsigned long seen = 0;
    for (;;) {
      // Spin a little for the next region, then sleep.
      auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(200);
      while (generation_.load(std::memory_order_acquire) == seen &&
             std::chrono::steady_clock::now() < until) {
        std::this_thread::yield();
      }
      const std::function<void(int)>* fn;
      int team;
      {
        std::unique_lock<std::mutex> lk(mu_);
        cv_.wait(lk, [&] { return generation_.load() != seen; });
        // Read the region's state together with its generation (under the lock that wrote it).
        seen = generation_.load();
        if (stop_) return;
        fn = fn_;
        team = team_;
      }
      if (id < team) {
        (*fn)(id);
        pending_.fetch_sub(1, std::memory_order_acq_rel);
      }
    }
  }

  int hw_;
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::mutex run_mu_;
  std::condition_variable cv_;
  std::atomic<unsigned long> generation_{0};
  std::atomic<int> pending_{0};
  const std::function<void(int)>* fn_ = nullptr;
  int team_ = 1;
  bool stop_ = false;
};

Pool& pool() {
  static Pool* p = new Pool();  // never destroyed: workers may outlive static destruction order
  return *p;
}

}  // namespace

void parallel_run(int n, const std::function<void(int)>& fn) { pool().run(n, fn); }
int hardware_threads() { return pool().hw(); }
int max_threads() { return kMaxThreads; }
void set_background_thread(bool background) { t_background = background; }

}  // namespace tg

#include <cstdlib>
#include <new>

// Under AddressSanitizer (scripts/test-asan.sh) a scratch buffer is addressable only up to the
// bytes the current call asked for: the rest of a buffer kept from a larger call, and the
// rounding slack, are poisoned, so a kernel that overruns its scratch is reported even though
// the allocation behind it is bigger.
#if defined(__SANITIZE_ADDRESS__)
#define TG_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TG_ASAN 1
#endif
#endif
#ifdef TG_ASAN
#include <sanitizer/asan_interface.h>
#define TG_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define TG_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define TG_POISON(p, n) ((void)(p), (void)(n))
#define TG_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace tg {
namespace {
struct Scratch {
  void* ptr[12] = {};
  size_t size[12] = {};
  ~Scratch() {
    for (int i = 0; i < 12; i++) {
      TG_UNPOISON(ptr[i], size[i]);
      std::free(ptr[i]);
    }
  }
};
void* grow(Scratch& s, int slot, size_t bytes) {
  if (slot < 0 || slot >= 12) throw std::bad_alloc();
  if (s.size[slot] < bytes) {
    TG_UNPOISON(s.ptr[slot], s.size[slot]);
    std::free(s.ptr[slot]);
    s.ptr[slot] = nullptr;
    s.size[slot] = 0;
    size_t rounded = (bytes + 63) / 64 * 64 + 64;
    void* p = std::aligned_alloc(64, rounded);
    if (!p) throw std::bad_alloc();
    s.ptr[slot] = p;
    s.size[slot] = rounded;
  }
  TG_UNPOISON(s.ptr[slot], bytes);
  TG_POISON(static_cast<char*>(s.ptr[slot]) + bytes, s.size[slot] - bytes);
  return s.ptr[slot];
}
thread_local Scratch tls_scratch;
}  // namespace

void parallel_run_raw(int n, void (*fn)(void*, int), void* ctx) {
  parallel_run(n, [fn, ctx](int t) { fn(ctx, t); });
}
void* scratch(int slot, size_t bytes) { return grow(tls_scratch, slot, bytes); }
// The calling thread's own buffers (slots 8..11), handed to the team by pointer.
void* shared_scratch(int slot, size_t bytes) {
  if (slot < 0 || slot >= 4) throw std::bad_alloc();
  return grow(tls_scratch, 8 + slot, bytes);
}
}  // namespace tg
