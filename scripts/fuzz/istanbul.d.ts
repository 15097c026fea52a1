// The part of istanbul-lib-instrument's API the fuzzer uses (the package ships no types).
declare module "istanbul-lib-instrument" {
  export interface Instrumenter {
    instrumentSync(code: string, filename: string): string;
  }
  export function createInstrumenter(options?: {
    coverageVariable?: string;
    esModules?: boolean;
    compact?: boolean;
    produceSourceMap?: boolean;
    preserveComments?: boolean;
  }): Instrumenter;
}
