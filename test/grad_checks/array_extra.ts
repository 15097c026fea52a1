// Numeric gradient checks of the array extra ops (merged into gradient_coverage.test.ts).
import type { GradChecks } from "./common.js";

export const CHECKS: GradChecks = {};
