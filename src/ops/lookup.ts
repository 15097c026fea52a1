// Lookup tables: HashTableV2 and its initializers, finds and sizes, tf.lookup's index tables: builders, registrations (shape fn, gradient).
export {};
