// Seeded PRNG (mulberry32) for property tests: the same inputs on every run.
export { rng } from "../../../../host-tools/src/lib/rng.js";
