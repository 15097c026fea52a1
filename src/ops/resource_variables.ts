// Resource variables: VarHandleOp and the ops that read and update through a handle: builders, registrations (shape fn, gradient).
export {};
