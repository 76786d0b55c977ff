// mulberry32 for the attack harnesses: the library's seeded generator, the same sequence everywhere.
export { rng as prng } from "../../host-tools/src/lib/rng.js";
