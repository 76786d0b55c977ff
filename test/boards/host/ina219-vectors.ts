// Register-level test vectors for the simulated INA219, worked out by hand from the
// datasheet (TI SBOS448). Both models run them: boards/host/ina219_sim.c (through
// ina219_sim_driver.c) and host-tools/src/sim/ina219.ts.
//
// A script line is one command; lines that print have their expected output beside them.
//   input SHUNT_V BUS_V     fixed inputs, volts
//   load F_HZ V N IDLE      power-model inputs
//   adv US                  move the clock
//   w REG VALUE             register write (pointer, MSB, LSB)
//   r REG                   pointer write, then a 2-byte read  -> "0xhhhh"
//   rb N                    read N bytes at the current pointer -> "hh hh ..."
//   raw B0 B1 ...           one write transfer of these bytes   -> "ok" | "nack"
// Every vector starts from a freshly created device at time 0 (power-on: config 0x399F,
// 32 V range, PGA /8, 12-bit, shunt and bus continuous, 532 + 532 us per cycle).
export type Step = string | [string, string];
export interface Vector {
  name: string;
  steps: Step[];
}

export const vectors: Vector[] = [
  {
    name: "power-on defaults, then the first conversion after 532 + 532 us sets CNVR",
    steps: [
      ["r 0", "0x399f"], ["r 5", "0x0000"], ["r 2", "0x0000"],
      "input 0.032 12",
      "adv 1063", ["r 2", "0x0000"],
      // 32 mV / 10 uV = 3200 = 0x0c80; 12 V / 4 mV = 3000, << 3 = 0x5dc0, | CNVR
      "adv 1", ["r 1", "0x0c80"], ["r 2", "0x5dc2"],
      // no calibration: current and power stay 0
      ["r 4", "0x0000"], ["r 3", "0x0000"],
      // reading power cleared CNVR
      ["r 2", "0x5dc0"],
    ],
  },
  {
    name: "0.1 ohm, 3.2 A, datasheet's rounded Current_LSB 100 uA: Cal 4096, 1.5 A at 12 V",
    steps: [
      "w 5 0x1000", ["r 5", "0x1000"],
      "input 0.15 12", "adv 1064",
      // 150 mV = 15000 counts; Current = 15000*4096/4096 = 15000 (1.5 A); Power = 15000*3000/5000 = 9000 (18 W at 2 mW)
      ["r 1", "0x3a98"], ["r 2", "0x5dc2"], ["r 4", "0x3a98"], ["r 3", "0x2328"], ["r 2", "0x5dc0"],
    ],
  },
  {
    name: "0.1 ohm, 3.2 A with the exact formula: Cal = trunc(0.04096/(3.2/32768*0.1)) = 4194",
    steps: [
      "w 5 4194", ["r 5", "0x1062"],
      "input 0.15 12", "adv 1064",
      // Current = trunc(15000*4194/4096) = 15358 (1.4998 A); Power = trunc(15358*3000/5000) = 9214
      ["r 4", "0x3bfe"], ["r 3", "0x23fe"],
    ],
  },
  {
    name: "0.1 ohm, 400 mA, 16 V range, PGA /1: Cal 33554, 250 mA at 5 V",
    steps: [
      // BRNG 0, PG 00, BADC 0011, SADC 0011, mode 111
      "w 0 0x019f", ["r 0", "0x019f"],
      "w 5 33554", ["r 5", "0x8312"],
      "input 0.025 5",
      "adv 1063", ["r 2", "0x0000"], "adv 1",
      // 25 mV = 2500; 5 V = 1250 -> 0x2710 | CNVR; Current = trunc(2500*33554/4096) = 20479; Power = trunc(20479*1250/5000) = 5119
      ["r 1", "0x09c4"], ["r 2", "0x2712"], ["r 4", "0x4fff"], ["r 3", "0x13ff"],
    ],
  },
  {
    name: "0.01 ohm, 20 A, PGA /8: Cal 6710, 12 A at 24 V",
    steps: [
      "w 5 6710", ["r 5", "0x1a36"],
      "input 0.12 24", "adv 1064",
      // 120 mV = 12000; 24 V = 6000 -> 0xbb80 | CNVR; Current = trunc(12000*6710/4096) = 19658; Power = trunc(19658*6000/5000) = 23589
      ["r 1", "0x2ee0"], ["r 2", "0xbb82"], ["r 4", "0x4cca"], ["r 3", "0x5c25"],
    ],
  },
  {
    name: "negative shunt voltage: two's complement shunt and current, power stays positive",
    steps: [
      "w 5 0x1000",
      "input -0.0505 3.3", "adv 1064",
      // -5050 = 0xec46; 3.3 V = 825 -> 0x19c8 | CNVR; Current = -5050; Power = trunc(5050*825/5000) = 833
      ["r 1", "0xec46"], ["r 2", "0x19ca"], ["r 4", "0xec46"], ["r 3", "0x0341"],
      // PGA /1 keeps small negative values: -12.3 mV = -1230 = 0xfb32
      "w 0 0x019f", "input -0.0123 3.3", "adv 1064", ["r 1", "0xfb32"],
    ],
  },
  {
    name: "shunt beyond the PGA range saturates at full scale and sets OVF; the next good conversion clears it",
    steps: [
      "w 0 0x019f", "w 5 33554",
      "input 0.05 5", "adv 1064",
      // +/-40 mV range: 4000 counts; OVF|CNVR in the bus register; Current = trunc(4000*33554/4096) = 32767
      ["r 1", "0x0fa0"], ["r 2", "0x2713"], ["r 4", "0x7fff"],
      "input -0.05 5", "adv 1064",
      // -4000 = 0xf060; Current = trunc(-32767.58) = -32767 = 0x8001
      ["r 1", "0xf060"], ["r 2", "0x2713"], ["r 4", "0x8001"],
      "input 0.01 5", "adv 1064", ["r 2", "0x2712"],
    ],
  },
  {
    name: "current beyond 16 bits (large Cal) saturates at 0x7fff and sets OVF",
    steps: [
      "w 5 0xffff", ["r 5", "0xfffe"],
      "input 0.1 12", "adv 1064",
      // 10000*65534/4096 = 159995 > 32767; Power = trunc(32767*3000/5000) = 19660
      ["r 1", "0x2710"], ["r 2", "0x5dc3"], ["r 4", "0x7fff"], ["r 3", "0x4ccc"],
    ],
  },
  {
    name: "128-sample averaging on both ADCs: CNVR after 68.10 + 68.10 ms",
    steps: [
      "input 0.032 12",
      "w 0 0x3fff", "adv 136199", ["r 2", "0x0000"],
      "adv 1", ["r 2", "0x5dc2"],
    ],
  },
  {
    name: "9-bit conversions take 84 us each and keep every 8th 12-bit code",
    steps: [
      "input 0.01234 5",
      "w 0 0x3807", "adv 167", ["r 2", "0x0000"],
      // 1234 counts -> 154*8 = 1232; 1250 counts -> 156*8 = 1248 -> 0x2700 | CNVR
      "adv 1", ["r 1", "0x04d0"], ["r 2", "0x2702"],
    ],
  },
  {
    name: "bus-only triggered mode converts once (532 us) and again only when triggered",
    steps: [
      "input 0.02 5",
      "w 0 0x399a", "adv 531", ["r 2", "0x0000"], "adv 1", ["r 2", "0x2712"],
      // the shunt is not converted in bus-only mode
      ["r 1", "0x0000"],
      "input 0.02 6", "adv 100000", ["r 2", "0x2712"],
      // re-writing the mode triggers again and clears CNVR
      "w 0 0x399a", ["r 2", "0x2710"], "adv 532", ["r 2", "0x2ee2"],
    ],
  },
  {
    name: "power-down keeps the registers and converts nothing; reset restores power-on values",
    steps: [
      "w 5 0x1000", "input 0.15 12", "adv 1064",
      "w 0 0x3998", ["r 0", "0x3998"], "input 0.01 3", "adv 100000",
      ["r 1", "0x3a98"], ["r 2", "0x5dc2"],
      "w 0 0x8000", ["r 0", "0x399f"], ["r 5", "0x0000"],
    ],
  },
  {
    name: "register pointer protocol: pointer persists, long reads repeat, bad pointers NACK, read-only writes ignored",
    steps: [
      "w 5 0x1234", ["raw 5", "ok"], ["rb 4", "12 34 12 34"],
      ["raw 6", "nack"], ["rb 2", "12 34"],
      ["raw 1 0x55 0x66", "ok"], ["r 1", "0x0000"],
      // a lone second byte is not a register write
      ["raw 5 0x77", "ok"], ["r 5", "0x1234"],
    ],
  },
];

/** Runs a script line against any model; returns its printed output or undefined. */
export interface ScriptTarget {
  input(shuntV: number, busV: number): void;
  load(fHz: number, v: number, n: number, idle: number): void;
  advance(us: number): void;
  write(bytes: number[]): boolean;
  read(n: number): number[];
}

export function runScriptLine(t: ScriptTarget, line: string): string | undefined {
  const [cmd, ...a] = line.trim().split(/\s+/);
  const num = (i: number) => Number(a[i]);
  const hex4 = (v: number) => "0x" + v.toString(16).padStart(4, "0");
  switch (cmd) {
    case "input": t.input(num(0), num(1)); return undefined;
    case "load": t.load(num(0), num(1), num(2), num(3)); return undefined;
    case "adv": t.advance(num(0)); return undefined;
    case "w": t.write([num(0), (num(1) >> 8) & 0xff, num(1) & 0xff]); return undefined;
    case "r": {
      if (!t.write([num(0)])) return "nack";
      const b = t.read(2);
      return hex4((b[0]! << 8) | b[1]!);
    }
    case "rb": return t.read(num(0)).map((b) => b.toString(16).padStart(2, "0")).join(" ");
    case "raw": return t.write(a.map(Number)) ? "ok" : "nack";
    default: throw new Error(`bad script line: ${line}`);
  }
}
