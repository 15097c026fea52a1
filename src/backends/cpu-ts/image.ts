// Image ops: resizing, crops, flips, colour space and contrast, PNG/JPEG codecs, non-max suppression: TypeScript kernels.
// One file per group; importing them registers their kernels with the cpu-ts backend.
import "./image_resize.js";
import "./image_color.js";
import "./image_crop.js";
import "./image_nms.js";
import "./image_codecs.js";
import "./image_random.js";
import "./image_scale.js";
import "./image_gifbmp.js";
