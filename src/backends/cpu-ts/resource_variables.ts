// Resource variables: VarHandleOp and the ops that read and update through a handle: TypeScript kernels.
export {};
