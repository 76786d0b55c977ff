// The real device firmware on the emulated ESP32-C3 (esp32c3-sim, booted from its flash by the
// emulated ROM): the same suite as rp2040-sim (test/helpers/device-suite.ts). Emulated, never silicon.
import { deviceSuite } from "../../helpers/device-suite.js";
import { esp32c3Sim } from "../../helpers/sim-boards.js";

deviceSuite(esp32c3Sim(), { microSpeechCases: [0, 8] });
