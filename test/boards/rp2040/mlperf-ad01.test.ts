// ad01 (anomaly detection, float32 windows) on rp2040-sim through the runner's sessions; see test/helpers/mlperf-sim.ts.
import { sessionsTest } from "../../helpers/mlperf-sim.js";
import { noUartDropsTest } from "../../helpers/uart-drops.js";
import { rp2040Sim } from "../../helpers/sim-boards.js";

sessionsTest(rp2040Sim(), "ad01", { iterations: 2, warmups: 1 });
noUartDropsTest();
