// The tf.random namespace: re-exports of its builders under TensorFlow's names.
export {
  getSeed,
  randomNormal as normal,
  randomShuffle as shuffle,
  randomUniform as uniform,
  setRandomSeed as setSeed,
  truncatedNormal,
} from "./random.js";
export {
  multinomial as categorical,
  multinomial,
  parameterizedTruncatedNormal,
  randomGamma as gamma,
  randomPoisson as poisson,
  statelessMultinomial as statelessCategorical,
  statelessMultinomial,
  statelessRandomNormal as statelessNormal,
  statelessRandomUniform as statelessUniform,
  statelessTruncatedNormal,
} from "./random_extra.js";
