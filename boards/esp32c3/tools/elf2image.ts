// Build step: writes the ROM's image and the merged flash image for an esp32c3 firmware ELF.
//   node --import tsx boards/esp32c3/tools/elf2image.ts IN.elf OUT.bin OUT.merged.bin
import { readFileSync, writeFileSync } from "node:fs";
import { esp32c3Images } from "../../../host-tools/src/build/esp-image.js";

const [input, rom, merged] = process.argv.slice(2);
if (!input || !rom || !merged) {
  process.stderr.write("usage: elf2image.ts IN.elf OUT.bin OUT.merged.bin\n");
  process.exit(2);
}
try {
  const images = esp32c3Images(readFileSync(input));
  writeFileSync(rom, images.rom);
  writeFileSync(merged, images.merged);
} catch (e) {
  process.stderr.write(`elf2image: ${input}: ${(e as Error).message}\n`);
  process.exit(1);
}
