// Reads a GNU ld linker map and sums what each output section puts in flash and RAM.

export interface SectionUse {
  name: string;
  address: number;
  size: number;
  /** Where the bytes live at run time. */
  region: "flash" | "ram";
  /** Initialised RAM (.data) also occupies flash for its load image. */
  alsoFlash: boolean;
}

export interface MemoryUse {
  sections: SectionUse[];
  flashBytes: number;
  ramBytes: number;
}

const SECTION_LINE = /^(\.[\w.$-]+)(?:\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)(?:\s+load address 0x[0-9a-f]+)?)?\s*$/i;
const CONTINUATION = /^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s*$/i;

function classify(name: string, address: number, ramStart: number | undefined): Pick<SectionUse, "region" | "alsoFlash"> {
  const isRamName = /^\.(data|bss|noinit|heap|stack|ram|tdata|tbss|uninitialized|iram)/.test(name);
  const inRam = ramStart !== undefined ? address >= ramStart : isRamName;
  if (!inRam) return { region: "flash", alsoFlash: false };
  // .iram: code the ESP32-C3's ROM loads into SRAM from the flash image.
  return { region: "ram", alsoFlash: /^\.(data|tdata|ram_func|time_critical|iram)/.test(name) };
}

/**
 * Parses the "Linker script and memory map" part of a GNU ld map. `ramStart` tells RAM
 * addresses from flash ones on a microcontroller (e.g. 0x20000000); without it, section
 * names decide. Debug and comment sections are ignored.
 */
export function parseMapFile(text: string, ramStart?: number): MemoryUse {
  const start = text.indexOf("Linker script and memory map");
  const lines = (start >= 0 ? text.slice(start) : text).split("\n");
  const sections: SectionUse[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = SECTION_LINE.exec(lines[i]!);
    if (!m) continue;
    const name = m[1]!;
    let addr = m[2];
    let size = m[3];
    if (addr === undefined) {
      const next = CONTINUATION.exec(lines[i + 1] ?? "");
      if (!next) continue;
      addr = next[1];
      size = next[2];
      i++;
    }
    const address = parseInt(addr!, 16);
    const bytes = parseInt(size!, 16);
    if (bytes === 0 || /^\.(debug|comment|stab|ARM\.attributes|note\.gnu|gnu\.|interp|dynsym|dynstr|rela?\.|riscv\.attributes)/.test(name)) continue;
    sections.push({ name, address, size: bytes, ...classify(name, address, ramStart) });
  }
  const flashBytes = sections.reduce((s, x) => s + (x.region === "flash" || x.alsoFlash ? x.size : 0), 0);
  const ramBytes = sections.reduce((s, x) => s + (x.region === "ram" ? x.size : 0), 0);
  return { sections, flashBytes, ramBytes };
}
