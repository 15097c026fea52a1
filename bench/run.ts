// npm run bench: every benchmark, printed as tables (with peers' numbers and ratios where there are peers).
import { executorBench } from "./executor.js";
import { printTable } from "./harness.js";
import { nativeBench } from "./native.js";
import { parseExampleBench } from "./parse_example.js";
import { pipelineBench } from "./pipeline.js";
import { trainingBench } from "./training.js";

console.log(`tensorgraph benchmarks — Node ${process.version}, ${process.arch}`);
printTable(
  "Executor overhead (default backend: native where built; tiny adds run on its TypeScript kernels)",
  await executorBench(),
);
printTable(
  "Training steps, default backend (native where built) vs TensorFlow.js 4 (ratio = peer / tensorgraph: >1 on ms rows, <1 on ex/s rows, means tensorgraph is faster)",
  await trainingBench(),
);
printTable(
  "Native backend vs the TypeScript backend, TensorFlow.js 4 and ONNX Runtime (ratio = peer / tensorgraph native: >1 on ms and µs rows, <1 on GFLOPS rows, means native is faster)",
  await nativeBench(),
);
printTable("tf.train.Example parsing (ParseExample)", await parseExampleBench());
printTable(
  "tf.data input pipeline (TFRecords → training; streaming a 1 GiB file)",
  await pipelineBench(),
);
