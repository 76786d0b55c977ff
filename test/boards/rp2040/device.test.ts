// The real device firmware on the emulated RP2040: the shared device suite (test/helpers/device-suite.ts).
import { deviceSuite } from "../../helpers/device-suite.js";
import { rp2040Sim } from "../../helpers/sim-boards.js";

deviceSuite(rp2040Sim(), { microSpeechCases: [0, 8] });
