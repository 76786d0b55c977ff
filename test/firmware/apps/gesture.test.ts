// The gesture app with the demo model (models/gesture.tflite): the same seeded windows give
// the same classifications on the host board and on the emulated RP2040; with an MPU-6050 on
// the bus, the windows come from it. The same suite runs on esp32c3-sim (test/boards/esp32c3).
import { gestureSuite } from "../../helpers/gesture.js";
import { rp2040Sim } from "../../helpers/sim-boards.js";
import { noUartDropsTest } from "../../helpers/uart-drops.js";

gestureSuite(rp2040Sim());

noUartDropsTest();
