// The RP2040's flash timing, for rp2040-sim (optional: rp2040js charges no wait
// states for flash). An XIP access is looked up in the XIP cache; a miss becomes
// a QSPI transaction whose length follows from the SSI registers boot2 wrote, and
// its duration stalls the core. Parameters and their sources are documented in
// boards/rp2040/README.md ("Flash timing model"):
//   cache (datasheet 2.6.3.1): 16 KiB, 2-way set associative, 8-byte lines, 1-cycle hit;
//     aliases 0x10 cached+allocating, 0x11 cached+no-allocate, 0x12 uncached+allocating,
//     0x13 uncached+no-allocate; a write to 0x10.. invalidates a matching line;
//     FLUSH (2.6.3.2) clears the tags in just over 1024 cycles.
//   transaction (4.10.13, SPI_CTRLR0/CTRLR0/BAUDR): instruction, address (+ mode bits)
//     and wait cycles and data, each in SCK clocks on 1, 2 or 4 lanes; SCK = clk_sys / BAUDR.
// Assumptions (no datasheet figure): least-recently-used replacement within a set, a
// fixed transaction overhead of TRANSACTION_OVERHEAD cycles, a line refill reads the
// whole 8-byte line, a non-allocating miss reads one 32-bit word.

export const CACHE_BYTES = 16 * 1024;
export const CACHE_WAYS = 2;
export const LINE_BYTES = 8;
export const CACHE_SETS = CACHE_BYTES / LINE_BYTES / CACHE_WAYS;
/** clk_sys cycles per transaction besides the SCK clocks: chip select and bus hand-over (an estimate). */
export const TRANSACTION_OVERHEAD = 4;
/** A cache flush stalls XIP for just over 1024 cycles (one tag clear per set). */
export const FLUSH_CYCLES = 1024;

/** The XIP read transaction as the SSI registers describe it. */
export interface XipReadMode {
  /** The command byte (SPI_CTRLR0.XIP_CMD), or the mode bits appended to the address when no instruction is sent. */
  cmd: number;
  /** Data lanes: 1 standard, 2 dual, 4 quad (CTRLR0.SPI_FRF). */
  lanes: number;
  instClocks: number;
  addrClocks: number;
  waitClocks: number;
  /** clk_sys cycles per SCK clock (BAUDR). */
  baudr: number;
}

const INST_BITS = [0, 4, 8, 16];

/** Decodes CTRLR0, SPI_CTRLR0 and BAUDR (datasheet 4.10.13) into a read transaction. */
export function readModeFromSsi(ctrlr0: number, spiCtrlr0: number, baudr: number): XipReadMode {
  const frf = (ctrlr0 >>> 21) & 3;
  const lanes = frf === 2 ? 4 : frf === 1 ? 2 : 1;
  const transType = spiCtrlr0 & 3; // 0: inst+addr on 1 lane; 1: addr on `lanes`; 2: both on `lanes`
  const instBits = INST_BITS[(spiCtrlr0 >>> 8) & 3]!;
  const addrBits = ((spiCtrlr0 >>> 2) & 0xf) * 4;
  const wide = lanes > 1;
  return {
    cmd: spiCtrlr0 >>> 24,
    lanes,
    instClocks: wide && transType === 2 ? instBits / lanes : instBits,
    addrClocks: wide && transType >= 1 ? addrBits / lanes : addrBits,
    waitClocks: (spiCtrlr0 >>> 11) & 0x1f,
    baudr: (baudr & 0xfffe) || 2, // BAUDR is even; 0 stops SCK, which XIP never uses
  };
}

/** Stall of one transaction reading `bytes` bytes: the documented miss cost. */
export function transactionCycles(mode: XipReadMode, bytes: number): number {
  const dataClocks = (bytes * 8) / mode.lanes;
  return (mode.instClocks + mode.addrClocks + mode.waitClocks + dataClocks) * mode.baudr + TRANSACTION_OVERHEAD;
}

export interface FlashRegion {
  name: string;
  /** Flash offset and size in bytes. */
  offset: number;
  size: number;
}

export interface XipRegionStats {
  name: string;
  accesses: number;
  hits: number;
  misses: number;
  stallCycles: number;
}

const PAGE_SHIFT = 12;
const WINDOW = 1 << 24;

/** The XIP cache and the QSPI transaction cost; `access` returns the stall of one bus read. */
export class FlashTimingModel {
  enabled = true;
  /** Streaming (XIP_STREAM_*) bytes read, which bypass the cache and do not stall the core. */
  streamedBytes = 0;
  flushes = 0;
  private mode: XipReadMode;
  private lineCost = 0;
  private wordCost = 0;
  private readonly tags = new Int32Array(CACHE_SETS * CACHE_WAYS).fill(-1);
  /** Per set: the way used least recently. */
  private readonly lru = new Uint8Array(CACHE_SETS);
  private readonly regionOfPage = new Uint8Array(WINDOW >>> PAGE_SHIFT);
  private readonly names: string[];
  private readonly accesses: Float64Array;
  private readonly hits: Float64Array;
  private readonly misses: Float64Array;
  private readonly stalls: Float64Array;

  constructor(regions: FlashRegion[], mode: XipReadMode) {
    // Regions sharing a name (the two app slots) share counters.
    this.names = ["other"];
    for (const r of regions) {
      let i = this.names.indexOf(r.name);
      if (i < 0) i = this.names.push(r.name) - 1;
      for (let off = r.offset; off < r.offset + r.size && off < WINDOW; off += 1 << PAGE_SHIFT) {
        this.regionOfPage[off >>> PAGE_SHIFT] = i;
      }
    }
    const n = this.names.length;
    this.accesses = new Float64Array(n);
    this.hits = new Float64Array(n);
    this.misses = new Float64Array(n);
    this.stalls = new Float64Array(n);
    this.mode = mode;
    this.setMode(mode);
  }

  /** The SSI was reconfigured: later misses cost what the new read mode costs. */
  setMode(mode: XipReadMode): void {
    this.mode = mode;
    this.lineCost = transactionCycles(mode, LINE_BYTES);
    this.wordCost = transactionCycles(mode, 4);
  }

  get readMode(): XipReadMode {
    return this.mode;
  }

  /** A read of XIP address `address` (any alias 0x10..0x13); returns the cycles the core waits. */
  access(address: number): number {
    const offset = address & (WINDOW - 1);
    const r = this.regionOfPage[offset >>> PAGE_SHIFT]!;
    this.accesses[r]!++;
    const alias = (address >>> 24) & 3;
    const cached = this.enabled && alias < 2;
    const allocate = this.enabled && (alias & 1) === 0;
    const line = offset >>> 3;
    const set = line & (CACHE_SETS - 1);
    const tag = line >>> 10; // log2(CACHE_SETS)
    const i = set * CACHE_WAYS;
    if (cached) {
      if (this.tags[i] === tag) {
        this.lru[set] = 1;
        this.hits[r]!++;
        return 0;
      }
      if (this.tags[i + 1] === tag) {
        this.lru[set] = 0;
        this.hits[r]!++;
        return 0;
      }
    }
    let cost = this.wordCost;
    if (allocate) {
      const way = this.tags[i] === tag ? 0 : this.tags[i + 1] === tag ? 1 : this.lru[set]!;
      this.tags[i + way] = tag;
      this.lru[set] = way ^ 1;
      cost = this.lineCost;
    }
    this.misses[r]!++;
    this.stalls[r]! += cost;
    return cost;
  }

  /** A write to the 0x10.. alias: the matching line, if cached, is dropped. */
  invalidate(address: number): void {
    const line = (address & (WINDOW - 1)) >>> 3;
    const i = (line & (CACHE_SETS - 1)) * CACHE_WAYS;
    const tag = line >>> 10;
    if (this.tags[i] === tag) this.tags[i] = -1;
    if (this.tags[i + 1] === tag) this.tags[i + 1] = -1;
  }

  /** FLUSH: every tag cleared; returns the stall. */
  flush(): number {
    this.tags.fill(-1);
    this.flushes++;
    return FLUSH_CYCLES;
  }

  /** Hits and accesses over all regions, for CTR_HIT / CTR_ACC. */
  get totals(): { hits: number; accesses: number } {
    let hits = 0;
    let accesses = 0;
    for (let r = 0; r < this.names.length; r++) {
      hits += this.hits[r]!;
      accesses += this.accesses[r]!;
    }
    return { hits, accesses };
  }

  /** Counters per region (those with accesses). */
  stats(): XipRegionStats[] {
    return this.names
      .map((name, r) => ({
        name, accesses: this.accesses[r]!, hits: this.hits[r]!, misses: this.misses[r]!, stallCycles: this.stalls[r]!,
      }))
      .filter((s) => s.accesses > 0);
  }
}

/** One report line per region, as rp2040-sim prints them: `xip: REGION ACCESSES HITS MISSES STALL CYCLE`. */
export function xipReportLines(stats: XipRegionStats[], cycle: number): string[] {
  return stats.map((s) => `xip: ${s.name} ${s.accesses} ${s.hits} ${s.misses} ${s.stallCycles} ${cycle}`);
}

/** The counters' change per region from `before` to `after` (regions with reads in between). */
export function xipDelta(before: readonly XipRegionStats[], after: readonly XipRegionStats[]): XipRegionStats[] {
  return after.map((a) => {
    const b = before.find((x) => x.name === a.name);
    return {
      name: a.name, accesses: a.accesses - (b?.accesses ?? 0), hits: a.hits - (b?.hits ?? 0), misses: a.misses - (b?.misses ?? 0),
      stallCycles: a.stallCycles - (b?.stallCycles ?? 0),
    };
  }).filter((d) => d.accesses > 0);
}

/** Parses one `xip:` line back (launch.ts, benches). */
export function parseXipLine(line: string): (XipRegionStats & { cycle: number }) | undefined {
  const m = /^xip: (\S+) (\d+) (\d+) (\d+) (\d+) (\d+)$/.exec(line);
  if (!m) return undefined;
  return {
    name: m[1]!, accesses: Number(m[2]), hits: Number(m[3]), misses: Number(m[4]), stallCycles: Number(m[5]), cycle: Number(m[6]),
  };
}
