// tf.data: TypeScript kernels of the dataset and iterator ops (see dataset_core.ts for the design).
import "./dataset_sources.js";
import "./dataset_files.js";
import "./dataset_transforms.js";
import "./dataset_buffers.js";
import "./dataset_functions.js";
import "./dataset_iterators.js";
import "./dataset_compat.js";
