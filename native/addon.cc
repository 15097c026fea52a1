// The Node-API surface of the native backend. Every entry point checks its typed arrays' kinds
// and lengths and every size, stride and offset against them before any kernel runs, and throws
// a RangeError ("tensorgraph native: ...") instead; kernels then trust their arguments.
// Kernels come in two builds (tg::base, tg::avx2); the CPU picks one at load time.
#include <napi.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "kernels.h"
#include "pool.h"

namespace {

bool g_avx2 = false;

bool cpu_has_avx2_fma() {
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

#define DISPATCH(fn, ...) (g_avx2 ? tg::avx2::fn(__VA_ARGS__) : tg::base::fn(__VA_ARGS__))

[[noreturn]] void fail(const Napi::Env& env, const std::string& msg) {
  throw Napi::RangeError::New(env, "tensorgraph native: " + msg);
}

constexpr int64_t kMaxDim = int64_t(1) << 40;  // keeps every product of two checked sizes exact

int64_t int_arg(const Napi::CallbackInfo& info, size_t i, const char* what, int64_t lo = 0,
                int64_t hi = kMaxDim) {
  if (i >= info.Length() || !info[i].IsNumber()) fail(info.Env(), std::string(what) + " must be a number");
  double d = info[i].As<Napi::Number>().DoubleValue();
  if (!(d >= double(lo) && d <= double(hi)) || std::floor(d) != d)
    fail(info.Env(), std::string(what) + " out of range: " + std::to_string(d));
  return int64_t(d);
}

double num_arg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (i >= info.Length() || !info[i].IsNumber()) fail(info.Env(), std::string(what) + " must be a number");
  return info[i].As<Napi::Number>().DoubleValue();
}

bool bool_arg(const Napi::CallbackInfo& info, size_t i) {
  return i < info.Length() && info[i].IsBoolean() && info[i].As<Napi::Boolean>().Value();
}

int threads_arg(const Napi::CallbackInfo& info, size_t i) {
  int64_t t = int_arg(info, i, "threads", 0, 1024);
  if (t == 0) t = tg::hardware_threads();
  return int(t < tg::max_threads() ? t : tg::max_threads());
}

/** A float32 or float64 typed array's data and length. */
struct FloatArg {
  napi_typedarray_type type;
  void* data;
  int64_t length;
  bool f64() const { return type == napi_float64_array; }
};

/** Reads a float typed array's kind, data and length in one Node-API call. */
FloatArg typed(const Napi::Env& env, napi_value v, const char* what) {
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  if (napi_get_typedarray_info(env, v, &type, &length, &data, nullptr, nullptr) != napi_ok)
    fail(env, std::string(what) + " must be a typed array");
  if (type != napi_float32_array && type != napi_float64_array)
    fail(env, std::string(what) + " must be a Float32Array or Float64Array");
  return {type, data, int64_t(length)};
}

FloatArg float_arg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (i >= info.Length() || !info[i].IsTypedArray()) fail(info.Env(), std::string(what) + " must be a typed array");
  return typed(info.Env(), info[i], what);
}

/** All float arguments must share one element type; returns whether it is float64. */
bool same_type(const Napi::Env& env, std::initializer_list<const FloatArg*> args) {
  const FloatArg* first = *args.begin();
  for (const FloatArg* a : args)
    if (a->type != first->type) fail(env, "arrays of mixed float32/float64 types");
  return first->f64();
}

template <typename T>
T* ptr(const FloatArg& a) {
  return static_cast<T*>(a.data);
}

/** Exactly `n` elements (or at least, with `atLeast`). */
void check_len(const Napi::Env& env, const FloatArg& a, int64_t n, const char* what) {
  if (a.length != n)
    fail(env, std::string(what) + " has " + std::to_string(a.length) + " elements, expected " + std::to_string(n));
}

/** A Float64Array of integers (geometry, dims, strides, offsets). */
std::vector<int64_t> ints_arg(const Napi::CallbackInfo& info, size_t i, const char* what,
                              int64_t lo = 0, int64_t hi = kMaxDim) {
  if (i >= info.Length() || !info[i].IsTypedArray()) fail(info.Env(), std::string(what) + " must be a Float64Array");
  auto ta = info[i].As<Napi::TypedArray>();
  if (ta.TypedArrayType() != napi_float64_array) fail(info.Env(), std::string(what) + " must be a Float64Array");
  auto f = ta.As<Napi::Float64Array>();
  std::vector<int64_t> out(f.ElementLength());
  for (size_t k = 0; k < out.size(); k++) {
    double d = f[k];
    if (!(d >= double(lo) && d <= double(hi)) || std::floor(d) != d)
      fail(info.Env(), std::string(what) + "[" + std::to_string(k) + "] out of range: " + std::to_string(d));
    out[k] = int64_t(d);
  }
  return out;
}

/** Multiplies checked sizes, failing past kMaxDim. */
int64_t mul(const Napi::Env& env, std::initializer_list<int64_t> xs) {
  int64_t p = 1;
  for (int64_t x : xs) {
    if (x != 0 && p > kMaxDim / x) fail(env, "size too large");
    p *= x;
  }
  return p;
}

/** The last element a strided matrix reaches must lie inside the array. */
void check_mat(const Napi::Env& env, const tg::MatRef& r, int64_t rows, int64_t cols, int64_t len,
               const char* what) {
  if (rows == 0 || cols == 0) return;
  int64_t last = r.off + mul(env, {rows - 1, r.rs}) + mul(env, {cols - 1, r.cs});
  if (r.off < 0 || last >= len) fail(env, std::string(what) + " matrix reaches past its array");
}

// ---- Asynchronous calls: matmulAsync/conv2dAsync check their arguments on the JS thread as
// the synchronous forms do, then run the kernel on a libuv worker thread and resolve a promise.
// The worker keeps the typed arrays alive; the caller must not touch them until it resolves.
using Job = std::function<void()>;

class AsyncJob : public Napi::AsyncWorker {
 public:
  AsyncJob(Napi::Env env, Job job, const Napi::CallbackInfo& info, std::initializer_list<size_t> arrays)
      : Napi::AsyncWorker(env, "tensorgraph:kernel"), job_(std::move(job)), deferred_(Napi::Promise::Deferred::New(env)) {
    for (size_t i : arrays) keep_.push_back(Napi::Persistent(info[i].As<Napi::Object>()));
  }
  void Execute() override {
    tg::set_background_thread(true);
    try {
      job_();
    } catch (const std::exception& e) {
      SetError(std::string("tensorgraph native: ") + e.what());
    }
  }
  void OnOK() override { deferred_.Resolve(Env().Undefined()); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }
  Napi::Promise promise() const { return deferred_.Promise(); }

 private:
  Job job_;
  Napi::Promise::Deferred deferred_;
  std::vector<Napi::ObjectReference> keep_;
};

Napi::Value run_async(const Napi::CallbackInfo& info, Job job, std::initializer_list<size_t> arrays) {
  auto* w = new AsyncJob(info.Env(), std::move(job), info, arrays);
  Napi::Promise p = w->promise();
  w->Queue();
  return p;
}

// ---- matmul(A, B, C, aRefs, bRefs, m, n, k, threads): C[t] = A[t] x B[t] for each batch t ----
Job prepare_matmul(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  FloatArg A = float_arg(info, 0, "A"), B = float_arg(info, 1, "B"), C = float_arg(info, 2, "C");
  bool f64 = same_type(env, {&A, &B, &C});
  auto ar = ints_arg(info, 3, "aRefs"), br = ints_arg(info, 4, "bRefs");
  int64_t m = int_arg(info, 5, "m"), n = int_arg(info, 6, "n"), k = int_arg(info, 7, "k");
  int th = threads_arg(info, 8);
  if (ar.size() % 3 || ar.size() != br.size()) fail(env, "aRefs/bRefs must hold (offset, rowStride, colStride) per batch");
  int64_t batch = int64_t(ar.size() / 3);
  check_len(env, C, mul(env, {batch, m, n}), "C");
  std::vector<tg::MatRef> as(batch), bs(batch);
  for (int64_t t = 0; t < batch; t++) {
    as[t] = {ar[3 * t], ar[3 * t + 1], ar[3 * t + 2]};
    bs[t] = {br[3 * t], br[3 * t + 1], br[3 * t + 2]};
    check_mat(env, as[t], m, k, A.length, "A");
    check_mat(env, bs[t], k, n, B.length, "B");
  }
  return [=]() {
    if (f64)
      DISPATCH(batch_gemm, th, batch, as.data(), bs.data(), m, n, k, ptr<double>(A), ptr<double>(B), ptr<double>(C));
    else
      DISPATCH(batch_gemm, th, batch, as.data(), bs.data(), m, n, k, ptr<float>(A), ptr<float>(B), ptr<float>(C));
  };
}

Napi::Value MatMul(const Napi::CallbackInfo& info) {
  prepare_matmul(info)();
  return info.Env().Undefined();
}

Napi::Value MatMulAsync(const Napi::CallbackInfo& info) { return run_async(info, prepare_matmul(info), {0, 1, 2}); }

/** geom: Float64Array [n,h,w,c,kh,kw,oc,oh,ow,sh,sw,dh,dw,padTop,padLeft]. */
tg::Geom geom_arg(const Napi::CallbackInfo& info, size_t i) {
  auto env = info.Env();
  auto v = ints_arg(info, i, "geometry", 0, int64_t(1) << 31);
  if (v.size() != 15) fail(env, "geometry must have 15 entries");
  tg::Geom g{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14]};
  if (g.kh < 1 || g.kw < 1 || g.sh < 1 || g.sw < 1 || g.dh < 1 || g.dw < 1)
    fail(env, "window sizes, strides and dilations must be >= 1");
  mul(env, {g.n, g.h, g.w, g.c});
  mul(env, {g.n, g.oh, g.ow, g.oc, g.c});
  mul(env, {g.kh, g.kw, g.c, g.oc});
  return g;
}

// ---- conv2d(kind, a, b, out, geom, threads): 0 forward (x, f -> y), 1 input grad (dy, f -> dx),
// 2 filter grad (x, dy -> df) ----
Job prepare_conv2d(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  int64_t kind = int_arg(info, 0, "kind", 0, 2);
  FloatArg a = float_arg(info, 1, "a"), b = float_arg(info, 2, "b"), o = float_arg(info, 3, "out");
  bool f64 = same_type(env, {&a, &b, &o});
  tg::Geom g = geom_arg(info, 4);
  int th = threads_arg(info, 5);
  int64_t xs = mul(env, {g.n, g.h, g.w, g.c}), ys = mul(env, {g.n, g.oh, g.ow, g.oc}),
          fs = mul(env, {g.kh, g.kw, g.c, g.oc});
  if (kind == 0) {
    check_len(env, a, xs, "input"), check_len(env, b, fs, "filter"), check_len(env, o, ys, "output");
    return [=]() {
      f64 ? DISPATCH(conv2d, th, g, ptr<double>(a), ptr<double>(b), ptr<double>(o))
          : DISPATCH(conv2d, th, g, ptr<float>(a), ptr<float>(b), ptr<float>(o));
    };
  }
  if (kind == 1) {
    check_len(env, a, ys, "out_backprop"), check_len(env, b, fs, "filter"), check_len(env, o, xs, "input grad");
    return [=]() {
      f64 ? DISPATCH(conv2d_back_input, th, g, ptr<double>(a), ptr<double>(b), ptr<double>(o))
          : DISPATCH(conv2d_back_input, th, g, ptr<float>(a), ptr<float>(b), ptr<float>(o));
    };
  }
  check_len(env, a, xs, "input"), check_len(env, b, ys, "out_backprop"), check_len(env, o, fs, "filter grad");
  return [=]() {
    f64 ? DISPATCH(conv2d_back_filter, th, g, ptr<double>(a), ptr<double>(b), ptr<double>(o))
        : DISPATCH(conv2d_back_filter, th, g, ptr<float>(a), ptr<float>(b), ptr<float>(o));
  };
}

Napi::Value Conv2D(const Napi::CallbackInfo& info) {
  prepare_conv2d(info)();
  return info.Env().Undefined();
}

Napi::Value Conv2DAsync(const Napi::CallbackInfo& info) { return run_async(info, prepare_conv2d(info), {1, 2, 3}); }

// ---- pool(kind, x, dy, out, geom, threads): 0 max (x -> y), 1 max grad (x, dy -> dx),
// 2 avg (x -> y), 3 avg grad (dy -> dx; x unused, pass dy) ----
Napi::Value Pool(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  int64_t kind = int_arg(info, 0, "kind", 0, 3);
  FloatArg x = float_arg(info, 1, "x"), dy = float_arg(info, 2, "dy"), o = float_arg(info, 3, "out");
  bool f64 = same_type(env, {&x, &dy, &o});
  tg::Geom g = geom_arg(info, 4);
  int th = threads_arg(info, 5);
  if (g.oc != 1) fail(env, "pooling geometry must have oc = 1");
  int64_t xs = mul(env, {g.n, g.h, g.w, g.c}), ys = mul(env, {g.n, g.oh, g.ow, g.c});
  switch (kind) {
    case 0:
      check_len(env, x, xs, "input"), check_len(env, o, ys, "output");
      f64 ? DISPATCH(max_pool, th, g, ptr<double>(x), ptr<double>(o)) : DISPATCH(max_pool, th, g, ptr<float>(x), ptr<float>(o));
      break;
    case 1:
      check_len(env, x, xs, "input"), check_len(env, dy, ys, "grad"), check_len(env, o, xs, "output");
      f64 ? DISPATCH(max_pool_grad, th, g, ptr<double>(x), ptr<double>(dy), ptr<double>(o))
          : DISPATCH(max_pool_grad, th, g, ptr<float>(x), ptr<float>(dy), ptr<float>(o));
      break;
    case 2:
      check_len(env, x, xs, "input"), check_len(env, o, ys, "output");
      f64 ? DISPATCH(avg_pool, th, g, ptr<double>(x), ptr<double>(o)) : DISPATCH(avg_pool, th, g, ptr<float>(x), ptr<float>(o));
      break;
    default:
      check_len(env, dy, ys, "grad"), check_len(env, o, xs, "output");
      f64 ? DISPATCH(avg_pool_grad, th, g, ptr<double>(dy), ptr<double>(o))
          : DISPATCH(avg_pool_grad, th, g, ptr<float>(dy), ptr<float>(o));
  }
  return env.Undefined();
}

// ---- binary(op, x, y, out, dims, sx, sy, threads) ----
Napi::Value Binary(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  int op = int(int_arg(info, 0, "op", 0, tg::kNumBinary - 1));
  FloatArg x = float_arg(info, 1, "x"), y = float_arg(info, 2, "y"), o = float_arg(info, 3, "out");
  bool f64 = same_type(env, {&x, &y, &o});
  auto dims = ints_arg(info, 4, "dims"), sx = ints_arg(info, 5, "x strides"), sy = ints_arg(info, 6, "y strides");
  int th = threads_arg(info, 7);
  if (dims.empty() || dims.size() > 8 || sx.size() != dims.size() || sy.size() != dims.size())
    fail(env, "binary ops take 1 to 8 dims with a stride per dim");
  tg::Bcast b{};
  b.rank = int(dims.size());
  int64_t size = 1, lastX = 0, lastY = 0;
  for (int d = 0; d < b.rank; d++) {
    b.dims[d] = dims[d], b.sa[d] = sx[d], b.sb[d] = sy[d];
    size = mul(env, {size, dims[d]});
    if (dims[d] > 0) lastX += mul(env, {dims[d] - 1, sx[d]}), lastY += mul(env, {dims[d] - 1, sy[d]});
  }
  check_len(env, o, size, "output");
  if (size > 0 && (lastX >= x.length || lastY >= y.length)) fail(env, "broadcast strides reach past an input");
  f64 ? DISPATCH(binary, th, op, b, ptr<double>(x), ptr<double>(y), ptr<double>(o))
      : DISPATCH(binary, th, op, b, ptr<float>(x), ptr<float>(y), ptr<float>(o));
  return env.Undefined();
}

// ---- unary(op, x, out, param, threads) ----
Napi::Value Unary(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  int op = int(int_arg(info, 0, "op", 0, tg::kNumUnary - 1));
  FloatArg x = float_arg(info, 1, "x"), o = float_arg(info, 2, "out");
  bool f64 = same_type(env, {&x, &o});
  double param = num_arg(info, 3, "param");
  int th = threads_arg(info, 4);
  check_len(env, o, x.length, "output");
  f64 ? DISPATCH(unary, th, op, x.length, ptr<double>(x), ptr<double>(o), param)
      : DISPATCH(unary, th, op, x.length, ptr<float>(x), ptr<float>(o), param);
  return env.Undefined();
}

// ---- reduce(op, x, out, dims, outStrides, count, threads) ----
Napi::Value Reduce(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  int op = int(int_arg(info, 0, "op", 0, tg::kNumReduce - 1));
  FloatArg x = float_arg(info, 1, "x"), o = float_arg(info, 2, "out");
  bool f64 = same_type(env, {&x, &o});
  auto dims = ints_arg(info, 3, "dims"), os = ints_arg(info, 4, "out strides");
  int64_t count = int_arg(info, 5, "count");
  int th = threads_arg(info, 6);
  if (dims.empty() || dims.size() > 8 || os.size() != dims.size()) fail(env, "reductions take 1 to 8 dims");
  tg::RedPlan p{};
  p.rank = int(dims.size());
  p.outSize = o.length;
  p.count = count;
  int64_t size = 1, last = 0;
  for (int d = 0; d < p.rank; d++) {
    p.dims[d] = dims[d], p.ostr[d] = os[d];
    size = mul(env, {size, dims[d]});
    if (dims[d] > 0) last += mul(env, {dims[d] - 1, os[d]});
  }
  check_len(env, x, size, "input");
  if (size > 0 && last >= o.length) fail(env, "reduction strides reach past the output");
  f64 ? DISPATCH(reduce, th, op, p, ptr<double>(x), ptr<double>(o)) : DISPATCH(reduce, th, op, p, ptr<float>(x), ptr<float>(o));
  return env.Undefined();
}

// ---- softmax(x, out, rows, cols, log, threads) ----
Napi::Value Softmax(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  FloatArg x = float_arg(info, 0, "x"), o = float_arg(info, 1, "out");
  bool f64 = same_type(env, {&x, &o});
  int64_t rows = int_arg(info, 2, "rows"), cols = int_arg(info, 3, "cols");
  bool log = bool_arg(info, 4);
  int th = threads_arg(info, 5);
  int64_t size = mul(env, {rows, cols});
  check_len(env, x, size, "input"), check_len(env, o, size, "output");
  f64 ? DISPATCH(softmax, th, rows, cols, ptr<double>(x), ptr<double>(o), log)
      : DISPATCH(softmax, th, rows, cols, ptr<float>(x), ptr<float>(o), log);
  return env.Undefined();
}

// ---- xent(logits, labels | null, ids | null, loss, backprop, rows, cols, threads) ----
Napi::Value Xent(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  FloatArg lg = float_arg(info, 0, "logits"), loss = float_arg(info, 3, "loss"), bp = float_arg(info, 4, "backprop");
  bool f64 = same_type(env, {&lg, &loss, &bp});
  int64_t rows = int_arg(info, 5, "rows"), cols = int_arg(info, 6, "cols");
  int th = threads_arg(info, 7);
  int64_t size = mul(env, {rows, cols});
  check_len(env, lg, size, "logits"), check_len(env, bp, size, "backprop"), check_len(env, loss, rows, "loss");
  const void* labels = nullptr;
  const int32_t* ids = nullptr;
  if (info[1].IsTypedArray()) {
    FloatArg lb = float_arg(info, 1, "labels");
    same_type(env, {&lg, &lb});
    check_len(env, lb, size, "labels");
    labels = lb.data;
  } else {
    if (!info[2].IsTypedArray() || info[2].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
      fail(env, "xent needs dense labels or an Int32Array of class ids");
    auto ia = info[2].As<Napi::Int32Array>();
    if (int64_t(ia.ElementLength()) != rows) fail(env, "class ids must have one entry per row");
    ids = ia.Data();
    for (int64_t r = 0; r < rows; r++)
      if (ids[r] < 0 || ids[r] >= cols)
        fail(env, "Received a label value of " + std::to_string(ids[r]) + " which is outside the valid range of [0, " +
                      std::to_string(cols) + ").  Label: " + std::to_string(r));
  }
  if (f64)
    DISPATCH(xent, th, rows, cols, ptr<double>(lg), static_cast<const double*>(labels), ids, ptr<double>(loss), ptr<double>(bp));
  else
    DISPATCH(xent, th, rows, cols, ptr<float>(lg), static_cast<const float*>(labels), ids, ptr<float>(loss), ptr<float>(bp));
  return env.Undefined();
}

// ---- biasAdd(x, b, out, rows, c, threads) / biasAddGrad(dy, out, rows, c, threads) ----
Napi::Value BiasAdd(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  FloatArg x = float_arg(info, 0, "x"), b = float_arg(info, 1, "bias"), o = float_arg(info, 2, "out");
  bool f64 = same_type(env, {&x, &b, &o});
  int64_t rows = int_arg(info, 3, "rows"), c = int_arg(info, 4, "channels");
  int th = threads_arg(info, 5);
  int64_t size = mul(env, {rows, c});
  check_len(env, x, size, "input"), check_len(env, o, size, "output"), check_len(env, b, c, "bias");
  f64 ? DISPATCH(bias_add, th, rows, c, ptr<double>(x), ptr<double>(b), ptr<double>(o))
      : DISPATCH(bias_add, th, rows, c, ptr<float>(x), ptr<float>(b), ptr<float>(o));
  return env.Undefined();
}

Napi::Value BiasAddGrad(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  FloatArg dy = float_arg(info, 0, "dy"), o = float_arg(info, 1, "out");
  bool f64 = same_type(env, {&dy, &o});
  int64_t rows = int_arg(info, 2, "rows"), c = int_arg(info, 3, "channels");
  int th = threads_arg(info, 4);
  check_len(env, dy, mul(env, {rows, c}), "input"), check_len(env, o, c, "output");
  f64 ? DISPATCH(bias_add_grad, th, rows, c, ptr<double>(dy), ptr<double>(o))
      : DISPATCH(bias_add_grad, th, rows, c, ptr<float>(dy), ptr<float>(o));
  return env.Undefined();
}

// ---- apply(kind, [var, slots...], scalars, grad, flags, threads): updates in place ----
Napi::Value Apply(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  static const int kSlots[tg::kNumApply] = {1, 2, 3, 3, 4, 2};
  static const int kScalars[tg::kNumApply] = {1, 2, 6, 4, 4, 1};
  int kind = int(int_arg(info, 0, "kind", 0, tg::kNumApply - 1));
  if (!info[1].IsArray()) fail(env, "apply needs an array of the variable and its slots");
  auto list = info[1].As<Napi::Array>();
  if (int(list.Length()) != kSlots[kind]) fail(env, "wrong number of slots for this optimizer");
  if (!info[2].IsTypedArray() || info[2].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
    fail(env, "scalars must be a Float64Array");
  auto sc = info[2].As<Napi::Float64Array>();
  if (int(sc.ElementLength()) != kScalars[kind]) fail(env, "wrong number of scalars for this optimizer");
  FloatArg g = float_arg(info, 3, "grad");
  int flags = int(int_arg(info, 4, "flags", 0, 3));
  int th = threads_arg(info, 5);
  std::vector<FloatArg> slots;
  Napi::Value keep[4];  // the arrays stay referenced by `list` for the call
  for (uint32_t i = 0; i < list.Length(); i++) {
    keep[i] = list.Get(i);
    if (!keep[i].IsTypedArray()) fail(env, "slots must be typed arrays");
    slots.push_back(typed(env, keep[i], "slot"));
    if (slots.back().type != g.type) fail(env, "slots and grad must share one float type");
    check_len(env, slots.back(), g.length, "slot");
  }
  for (size_t i = 0; i < slots.size(); i++)
    for (size_t j = i + 1; j < slots.size(); j++)
      if (slots[i].data == slots[j].data && g.length > 0) fail(env, "slots must not share a buffer");
  if (g.f64()) {
    double* p[4];
    for (size_t i = 0; i < slots.size(); i++) p[i] = ptr<double>(slots[i]);
    DISPATCH(apply, th, kind, g.length, p, sc.Data(), ptr<double>(g), flags);
  } else {
    float* p[4];
    for (size_t i = 0; i < slots.size(); i++) p[i] = ptr<float>(slots[i]);
    DISPATCH(apply, th, kind, g.length, p, sc.Data(), ptr<float>(g), flags);
  }
  return env.Undefined();
}

// ---- fmaPeak(threads, ms): the FP32 multiply-add rate this build reaches, in GFLOPS ----
Napi::Value FmaPeak(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  int th = threads_arg(info, 0);
  double ms = num_arg(info, 1, "ms");
  int64_t iters = 1 << 16;
  double best = 0;
  auto start = std::chrono::steady_clock::now();
  for (;;) {
    auto t0 = std::chrono::steady_clock::now();
    double flops = DISPATCH(fma_run, th, iters);
    auto t1 = std::chrono::steady_clock::now();
    double s = std::chrono::duration<double>(t1 - t0).count();
    if (s < 0.02) {
      iters *= 2;
      continue;
    }
    best = std::max(best, flops / s / 1e9);
    if (std::chrono::duration<double, std::milli>(t1 - start).count() > ms) break;
  }
  return Napi::Number::New(env, best);
}

// ---- info() / setIsa(name) ----
Napi::Value Info(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto o = Napi::Object::New(env);
  o.Set("isa", g_avx2 ? "avx2+fma" : "baseline");
  o.Set("cpuHasAvx2Fma", cpu_has_avx2_fma());
  o.Set("hardwareThreads", tg::hardware_threads());
  return o;
}

Napi::Value SetIsa(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (!info[0].IsString()) fail(env, "setIsa takes \"avx2\" or \"baseline\"");
  std::string s = info[0].As<Napi::String>();
  if (s == "avx2") {
    if (!cpu_has_avx2_fma()) fail(env, "this CPU lacks AVX2/FMA");
    g_avx2 = true;
  } else if (s == "baseline") {
    g_avx2 = false;
  } else {
    fail(env, "setIsa takes \"avx2\" or \"baseline\"");
  }
  return env.Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  const char* force = std::getenv("TENSORGRAPH_NATIVE_ISA");
  g_avx2 = cpu_has_avx2_fma() && !(force && std::strcmp(force, "baseline") == 0);
  exports.Set("matmul", Napi::Function::New(env, MatMul));
  exports.Set("conv2d", Napi::Function::New(env, Conv2D));
  exports.Set("matmulAsync", Napi::Function::New(env, MatMulAsync));
  exports.Set("conv2dAsync", Napi::Function::New(env, Conv2DAsync));
  exports.Set("pool", Napi::Function::New(env, Pool));
  exports.Set("binary", Napi::Function::New(env, Binary));
  exports.Set("unary", Napi::Function::New(env, Unary));
  exports.Set("reduce", Napi::Function::New(env, Reduce));
  exports.Set("softmax", Napi::Function::New(env, Softmax));
  exports.Set("xent", Napi::Function::New(env, Xent));
  exports.Set("biasAdd", Napi::Function::New(env, BiasAdd));
  exports.Set("biasAddGrad", Napi::Function::New(env, BiasAddGrad));
  exports.Set("apply", Napi::Function::New(env, Apply));
  exports.Set("fmaPeak", Napi::Function::New(env, FmaPeak));
  exports.Set("info", Napi::Function::New(env, Info));
  exports.Set("setIsa", Napi::Function::New(env, SetIsa));
  return exports;
}

}  // namespace

NODE_API_MODULE(tensorgraph_native, Init)
