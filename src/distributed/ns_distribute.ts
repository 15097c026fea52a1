// tf.distribute: the cluster resolvers (tf.distribute.clusterResolver.TFConfigClusterResolver).
import { TFConfigClusterResolver } from "./cluster_spec.js";

export const clusterResolver = { TFConfigClusterResolver } as const;
export { TFConfigClusterResolver };
