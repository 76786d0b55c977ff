// ad01 (anomaly detection, float32 windows) on rp2040-sim through the runner's sessions; see test/helpers/mlperf-sim.ts.
import { sessionsTest } from "../../helpers/mlperf-sim.js";
import { noUartDropsTest } from "../../helpers/uart-drops.js";

sessionsTest("rp2040-sim", "ad01", { iterations: 2, warmups: 1 });
noUartDropsTest();
