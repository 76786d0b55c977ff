// The gesture app on esp32c3-sim: the same seeded windows classify as on the host board, and
// the simulated MPU-6050 on I2C0 feeds it (test/helpers/gesture.ts, shared with rp2040-sim).
import { gestureSuite } from "../../helpers/gesture.js";
import { esp32c3Sim } from "../../helpers/sim-boards.js";
import { noUartDropsTest } from "../../helpers/uart-drops.js";

gestureSuite(esp32c3Sim());

noUartDropsTest(false, "esp32c3-sim");
