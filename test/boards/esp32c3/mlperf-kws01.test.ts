// kws01 (keyword spotting) on esp32c3-sim through the runner's sessions, with rp2040-sim's
// reduced counts (infer 2 1 in performance mode); see test/helpers/mlperf-sim.ts. Throughput
// is on the sim's clock (its cost model: emulated), not silicon's.
import { sessionsTest } from "../../helpers/mlperf-sim.js";
import { noUartDropsTest } from "../../helpers/uart-drops.js";
import { esp32c3Sim } from "../../helpers/sim-boards.js";

sessionsTest(esp32c3Sim(), "kws01", { iterations: 2, warmups: 1 });
noUartDropsTest(false, "esp32c3-sim");
