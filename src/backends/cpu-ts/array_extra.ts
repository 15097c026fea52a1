// More array ops: reversal, space/depth/batch rearrangements, scatters, sorting and searching, set
// ops: TypeScript kernels, one module per kind of work.
import "./array_extra_fingerprint.js";
import "./array_extra_layout.js";
import "./array_extra_misc.js";
import "./array_extra_print.js";
import "./array_extra_quant.js";
import "./array_extra_search.js";

export { type PrintSink, setPrintSink } from "./array_extra_print.js";
