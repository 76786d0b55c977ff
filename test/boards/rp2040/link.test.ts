// The link to the RP2040 firmware in rp2040js: the shared link suite (test/helpers/link-suite.ts).
import { linkSuite } from "../../helpers/link-suite.js";
import { rp2040Sim } from "../../helpers/sim-boards.js";

linkSuite(rp2040Sim(), { noise: true });
