// ic01 (image classification, uint8 pixels) on rp2040-sim through the runner's sessions; see
// mlperf-sim.ts. One inference per window: each takes tens of seconds of wall time emulated.
import { sessionsTest } from "./mlperf-sim.js";

sessionsTest("ic01", { iterations: 1, warmups: 0 });
