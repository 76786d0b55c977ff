// Energy per phase on rp2040-sim's measurement rig and the power-model fit over a clock,
// peripheral-set and supply sweep. SIMULATED: the current is a simulated INA219's, its load the emulated
// chip's activity (boards/host/INA219-MODEL.md); this checks the measurement pipeline
// (markers, alignment, integration, fit), not any silicon.
import { runDeviceBench } from "../../host-tools/src/bench/device-bench.ts";
import { runSweep } from "../../host-tools/src/bench/sweep.ts";
import { resolveBoard } from "../../host-tools/src/boards/registry.ts";
import { markdown } from "../../host-tools/src/commands/bench.ts";
import { fitPowerModel } from "../../host-tools/src/power/fit.ts";
import { DEFAULT_POWER_MODEL } from "../../host-tools/src/sim/ina219.ts";

const target = resolveBoard("rp2040-sim");
const r = await runDeviceBench({ target, models: [], runs: 3, phases: ["sha256-1k", "stream-encode", "fib24", "idle-100ms"] });
process.stdout.write(`## Energy per phase (SIMULATED)\n\n${markdown(r)}\n\n`);

const sweep = await runSweep({ target, models: [], runs: 1, phases: ["sha256-1k"], freqsHz: [48e6, 125e6], supplies: [3.0, 5.0], peripherals: [0, 7] });
const fit = fitPowerModel(sweep.runs);
const M = DEFAULT_POWER_MODEL;
process.stdout.write("## Power-model fit over 48/125 MHz × 3.0/5.0 V × 3/10 peripherals on (SIMULATED runs)\n\n| term | fitted | ± std. error | the sim's value | error |\n| --- | --- | --- | --- | --- |\n");
for (const c of fit.coefficients) {
  const truth = M[c.term];
  process.stdout.write(`| ${c.term} | ${c.value.toExponential(3)} ${c.unit} | ${c.stderr.toExponential(2)} | ${truth.toExponential(3)} | ${((c.value / truth - 1) * 100).toFixed(1)}% |\n`);
}
