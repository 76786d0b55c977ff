// vww01 (person detection) on rp2040-sim: one window of the runner's accuracy session (a whole
// session loads 892 db commands a window, minutes each with paced writes on the emulator). Its
// 27648 bytes, more than the rp2040's MLPerf buffer (8 KiB), go to the engine RAM vww01 leaves
// free (112 KiB arena, 84656 B used). See mlperf-sim.ts.
import { oneWindowTest } from "./mlperf-sim.js";

oneWindowTest("vww01", "vww01 on rp2040-sim: its 27648-byte input is kept in the engine RAM the model leaves free, and the result is the reference's");
