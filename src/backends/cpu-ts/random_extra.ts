// More random ops: Multinomial, RandomGamma, RandomPoisson, the Stateless* family: TypeScript kernels.
export {};
