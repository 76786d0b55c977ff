// vww01 (person detection) on rp2040-sim through the runner's sessions; see test/helpers/mlperf-sim.ts. Each
// 27648-byte input (892 db commands), more than the rp2040's MLPerf buffer (8 KiB), goes to the
// engine RAM vww01 leaves free (112 KiB arena, 84656 B used). One inference per window: each
// takes seconds of wall time emulated.
import { sessionsTest } from "../../helpers/mlperf-sim.js";
import { noUartDropsTest } from "../../helpers/uart-drops.js";
import { rp2040Sim } from "../../helpers/sim-boards.js";

sessionsTest(rp2040Sim(), "vww01", { iterations: 1, warmups: 0 });
noUartDropsTest();
