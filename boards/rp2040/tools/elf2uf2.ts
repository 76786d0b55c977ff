// Build step: writes the .uf2 for an rp2040 firmware ELF.
//   node --import tsx boards/rp2040/tools/elf2uf2.ts IN.elf OUT.uf2
import { readFileSync, writeFileSync } from "node:fs";
import { toRp2040Uf2 } from "../../../host-tools/src/build/uf2.js";

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  process.stderr.write("usage: elf2uf2.ts IN.elf OUT.uf2\n");
  process.exit(2);
}
try {
  writeFileSync(output, toRp2040Uf2(readFileSync(input)));
} catch (e) {
  process.stderr.write(`elf2uf2: ${input}: ${(e as Error).message}\n`);
  process.exit(1);
}
