// Placeholder: filled in by the family that owns it.
export {};
