// ic01 (image classification, uint8 pixels) on rp2040-sim through the runner's sessions; see
// test/helpers/mlperf-sim.ts. One inference per window: each takes tens of seconds of wall time emulated.
import { sessionsTest } from "../../helpers/mlperf-sim.js";
import { noUartDropsTest } from "../../helpers/uart-drops.js";
import { rp2040Sim } from "../../helpers/sim-boards.js";

sessionsTest(rp2040Sim(), "ic01", { iterations: 1, warmups: 0 });
noUartDropsTest();
