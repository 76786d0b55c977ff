// vww01 (person detection) on rp2040-sim: one window of the runner's accuracy session (a whole
// session loads 892 db commands a window, minutes each with paced writes on the emulator). Its
// 27648 bytes, more than the rp2040's MLPerf buffer (8 KiB), go to the engine RAM vww01 leaves
// free (112 KiB arena, 84656 B used). See mlperf-sim.ts.
import { oneWindowTest } from "./mlperf-sim.js";

// Deploying the 333 KB model and loading 27648 bytes with paced writes took more than the test
// runner's 10 minutes here: run it by hand (WASMCU_MLPERF_VWW_SIM=1) until the emulated UART
// takes the runner's unpaced writes.
oneWindowTest("vww01", "vww01 on rp2040-sim: its 27648-byte input is kept in the engine RAM the model leaves free, and the result is the reference's",
  process.env.WASMCU_MLPERF_VWW_SIM ? false : "over 10 minutes on the emulator with paced writes; set WASMCU_MLPERF_VWW_SIM=1");
