// ad01 (anomaly detection, float32 windows) on esp32c3-sim through the runner's sessions, with
// rp2040-sim's reduced counts (infer 2 1); see test/helpers/mlperf-sim.ts. Emulated, not silicon.
import { sessionsTest } from "../../helpers/mlperf-sim.js";
import { noUartDropsTest } from "../../helpers/uart-drops.js";
import { esp32c3Sim } from "../../helpers/sim-boards.js";

sessionsTest(esp32c3Sim(), "ad01", { iterations: 2, warmups: 1 });
noUartDropsTest(false, "esp32c3-sim");
