// ad01 (anomaly detection, float32 windows) on rp2040-sim through the runner's sessions; see mlperf-sim.ts.
import { sessionsTest } from "./mlperf-sim.js";

sessionsTest("ad01", { iterations: 2, warmups: 1 });
