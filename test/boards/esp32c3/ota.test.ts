// Signed OTA updates on the emulated ESP32-C3 (esp32c3-sim): adopt, delta patch, rollback by
// a real watchdog reset, and power cuts during an update (test/helpers/sim-ota.ts). Leaner
// than rp2040-sim's run to keep CI's budget: the cuts are every 8th flash operation from 0 (the
// sector erases and page programs of the new image, a deterministic spread over the copy)
// plus the last three (the install, trial and confirm records, where a cut decides which
// image boots). Cycle counts are the sim's cost model (emulated), not silicon's.
import { simOtaTests } from "../../helpers/sim-ota.js";
import { noUartDropsTest } from "../../helpers/uart-drops.js";
import { esp32c3Sim } from "../../helpers/sim-boards.js";

simOtaTests(esp32c3Sim(), { cutEvery: 8 });
// As on rp2040-sim: no retransmission count is asserted (an OTA push polls its long commands
// while the emulated core works); nothing sent is lost, which the last test checks.
noUartDropsTest(false, "esp32c3-sim");
