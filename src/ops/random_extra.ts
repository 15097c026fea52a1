// More random ops: Multinomial, RandomGamma, RandomPoisson, the Stateless* family: builders, registrations (shape fn, gradient).
export {};
