// A small persistent thread pool: run(n, fn) calls fn(0..n-1) on n threads (the caller is thread
// 0) and returns when all are done. Workers spin briefly before sleeping, so back-to-back kernels
// don't pay a wake-up each.
#pragma once
#include <cstddef>
#include <functional>

namespace tg {
/** Runs fn(t) for t in [0, n) in parallel; n is clamped to [1, maxThreads()]. */
void parallel_run(int n, const std::function<void(int)>& fn);
/** Threads the machine has (hardware_concurrency, at least 1). */
int hardware_threads();
/** The largest team parallel_run will use. */
int max_threads();
/**
 * Marks the calling thread as a background (libuv worker) thread: its parallel regions wait for
 * the team when another region holds it. A foreground (JavaScript) thread never waits: it runs
 * its region's parts itself, one after another, so the event loop is never blocked on the pool.
 */
void set_background_thread(bool background);
}  // namespace tg

namespace tg {
/** parallel_run with a plain function pointer (what the per-ISA kernel files use: no std templates there). */
void parallel_run_raw(int n, void (*fn)(void*, int), void* ctx);
/**
 * Per-thread scratch memory, 64-byte aligned, at least `bytes` long, one buffer per `slot`
 * (0..7) and thread; kept and grown between calls. Contents are not preserved when it grows.
 */
void* scratch(int slot, size_t bytes);
/** Scratch shared by a parallel region: owned by the calling (main) thread, slot 0..3. */
void* shared_scratch(int slot, size_t bytes);
}  // namespace tg
