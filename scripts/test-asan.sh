#!/usr/bin/env bash
# `npm run test:asan`: builds the native addon (native/*.cc) with AddressSanitizer and
# UndefinedBehaviorSanitizer into build-asan/ (its own directory: the normal build in build/ is
# left alone) and runs the native tests plus every op test that runs on the native backend, with
# the addon loaded from there (TENSORGRAPH_NATIVE_ADDON). Any sanitizer report aborts the worker
# and fails the run. Extra arguments go to vitest (e.g. a single test file).
#
# Node itself is not instrumented, so the sanitizer runtimes are preloaded (LD_PRELOAD): ASan must
# come first in the process to intercept malloc. Leak detection is off (detect_leaks=0): V8 and
# Node keep allocations alive until exit on purpose, and LeakSanitizer would report thousands of
# them that are not ours. The kernels are built -O1 -g so reports have line numbers.
set -euo pipefail
cd "$(dirname "$0")/.."

CXX="${CXX:-g++}"
OUT=build-asan
# float-cast-overflow is not part of GCC's "undefined" group; the kernels convert doubles to sizes.
# _GLIBCXX_ASSERTIONS bounds-checks std::vector indexing in addon.cc.
SAN="-fsanitize=address,undefined,float-cast-overflow -fno-omit-frame-pointer -fno-sanitize-recover=all"

# Node's headers: beside the running node, else node-gyp's download cache.
NODE_INC="$(dirname "$(command -v node)")/../include/node"
if [ ! -f "$NODE_INC/node_api.h" ]; then
  NODE_INC="$(ls -d "$HOME"/.cache/node-gyp/"$(node -p process.versions.node)"/include/node 2>/dev/null || true)"
fi
if [ ! -f "$NODE_INC/node_api.h" ]; then
  echo "test:asan: Node's headers (node_api.h) not found; run 'npm rebuild' once so node-gyp fetches them" >&2
  exit 1
fi
NAPI_INC="$(node -p "require('node-addon-api').include_dir")"

mkdir -p "$OUT/obj"
t0=$(date +%s)
# Rebuilt only when a source, header or this script is newer than the sanitized addon.
if [ -z "$(find native scripts/test-asan.sh -newer "$OUT/tensorgraph_native.node" 2>/dev/null)" ] &&
  [ -f "$OUT/tensorgraph_native.node" ]; then
  echo "test:asan: $OUT/tensorgraph_native.node is up to date"
else
  objs=()
  pids=()
  for src in native/*.cc; do
    obj="$OUT/obj/$(basename "${src%.cc}").o"
    objs+=("$obj")
    # The same defines and math flags as binding.gyp, so the sanitized code is the shipped code.
    "$CXX" -c "$src" -o "$obj" -std=gnu++17 -fPIC -O1 -g $SAN -pthread -fexceptions \
      -fno-math-errno -ffp-contract=fast -fno-tree-loop-distribute-patterns -fvisibility=hidden \
      -DNAPI_VERSION=8 -DNODE_ADDON_API_DISABLE_DEPRECATED -DNAPI_CPP_EXCEPTIONS -DBUILDING_NODE_EXTENSION \
      -D_GLIBCXX_ASSERTIONS \
      -I"$NODE_INC" -I"$NAPI_INC" &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
  "$CXX" -shared -o "$OUT/tensorgraph_native.node" "${objs[@]}" $SAN -pthread
  echo "test:asan: built $OUT/tensorgraph_native.node in $(($(date +%s) - t0)) s"
fi

ASAN_LIB="$("$CXX" -print-file-name=libasan.so)"
UBSAN_LIB="$("$CXX" -print-file-name=libubsan.so)"
export LD_PRELOAD="$ASAN_LIB:$UBSAN_LIB"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:halt_on_error=1:print_stacktrace=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export TENSORGRAPH_NATIVE_ADDON="$PWD/$OUT/tensorgraph_native.node"

# Refuse to "pass" without the sanitized addon: it must load and report itself.
node -e '
  const a = require(process.env.TENSORGRAPH_NATIVE_ADDON);
  console.log("test:asan: sanitized addon loaded:", JSON.stringify(a.info()));
'

if [ "$#" -gt 0 ]; then
  files=("$@")
else
  # The native tests; every op test that runs on each registered backend (BACKENDS, which
  # includes "native" when the addon loads); and the model tests (Fashion-MNIST MLP and convnet,
  # Pong) and the numeric gradient table, which run on the default backend (native) with
  # realistic sizes; and the fuzz corpora (test/fuzz/regressions.test.ts: the native-kernel
  # target's inputs run every native kernel with odd shapes and attrs, the parser targets' the
  # checkpoint, TFRecord, GraphDef... readers). `scripts/test-asan.sh src test` runs the whole
  # suite instead (slow).
  mapfile -t files < <(
    { echo src/backends/native/native.test.ts; echo src/runtime/buffer_pool.test.ts;
      echo test/fashion_mnist.test.ts; echo test/pong.test.ts; echo test/gradient_coverage.test.ts;
      echo test/fuzz/regressions.test.ts;
      grep -rl --include='*.test.ts' 'BACKENDS' src test; } | sort -u
  )
fi
echo "test:asan: ${#files[@]} test files"
t1=$(date +%s)
npx vitest run "${files[@]}"
echo "test:asan: clean; tests took $(($(date +%s) - t1)) s"
