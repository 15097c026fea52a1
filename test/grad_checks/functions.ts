// Numeric gradient checks of the functions ops (merged into gradient_coverage.test.ts).
import type { GradChecks } from "./common.js";

export const CHECKS: GradChecks = {};
