// The link to the ESP32-C3 firmware in esp32c3-sim (UART0 RX by interrupt into the ring, 128-byte
// RX FIFO): the clean-line tests of the rp2040-sim suite (test/helpers/link-suite.ts), unpaced
// and in real time; a deploy needs no retransmission and UART0 drops no byte. Emulated only.
import { linkSuite } from "../../helpers/link-suite.js";
import { esp32c3Sim } from "../../helpers/sim-boards.js";

linkSuite(esp32c3Sim(), { noise: false });
