// kws01 (keyword spotting) on rp2040-sim through the runner's sessions; see mlperf-sim.ts.
import { sessionsTest } from "./mlperf-sim.js";

sessionsTest("kws01", { iterations: 2, warmups: 1 });
