// Signed OTA updates on the emulated RP2040 (rp2040js): adopt, delta patch, rollback by a real
// watchdog reset, and power cuts at every third flash step of an update plus the last three
// (test/helpers/sim-ota.ts). Cycle counts are rp2040js's, not silicon's.
import { simOtaTests } from "../../helpers/sim-ota.js";
import { noUartDropsTest } from "../../helpers/uart-drops.js";
import { rp2040Sim } from "../../helpers/sim-boards.js";

simOtaTests(rp2040Sim(), { cutEvery: 3 });

// No retransmission count is asserted here: an OTA push repeats its long commands (update
// begin hashes the running image, finish verifies the signature; 3 s waits at most) as a poll
// while the emulated core works, and asks for status across the resets of a trial; nothing
// is lost on the way, which the last test checks.
noUartDropsTest();
