// The four-stage watchdog both the timer groups' MWDTs and the RTC WDT are built on
// (TRM "Watchdog Timers"): when enabled, stage N counts ticks up to its hold value, then
// takes its action (0 none, 1 interrupt, 2 CPU reset, 3 system/core reset, 4 RTC reset:
// RTC WDT only) and the next stage starts; after stage 3 comes stage 0 again. A feed
// restarts stage 0. Writes to the configuration are refused while the write-protect
// register does not hold the key.

export const WDT_KEY = 0x50d83aa1;

export const enum WdtAction { None = 0, Interrupt = 1, ResetCpu = 2, ResetSystem = 3, ResetRtc = 4 }

export class StagedWatchdog {
  enabled = false;
  readonly actions = [0, 0, 0, 0];
  readonly holds = [0, 0, 0, 0];
  cyclesPerTick = 1;
  private stage = 0;
  private stageStart = 0;
  private protectKey = 0;

  constructor(private readonly onAction: (action: WdtAction) => void) {}

  get unlocked(): boolean {
    return this.protectKey === WDT_KEY;
  }

  writeProtect(value: number): void {
    this.protectKey = value >>> 0;
  }

  get protectValue(): number {
    return this.protectKey;
  }

  feed(now: number): void {
    this.stage = 0;
    this.stageStart = now;
  }

  /** Cycle at which the current stage expires, or Infinity. */
  nextEvent(): number {
    if (!this.enabled) return Infinity;
    for (let i = 0; i < 4; i++) {
      if (this.actions[(this.stage + i) % 4] !== WdtAction.None) {
        return this.stageStart + this.stageCycles(this.stage) + this.cyclesOfStagesBetween(i);
      }
    }
    return Infinity;
  }

  private stageCycles(stage: number): number {
    return Math.max(1, this.holds[stage]!) * this.cyclesPerTick;
  }

  private cyclesOfStagesBetween(skip: number): number {
    let c = 0;
    for (let i = 1; i <= skip; i++) c += this.stageCycles((this.stage + i) % 4);
    return c;
  }

  advance(now: number): void {
    while (this.enabled) {
      const end = this.stageStart + this.stageCycles(this.stage);
      if (end > now) return;
      const action = this.actions[this.stage]! as WdtAction;
      this.stage = (this.stage + 1) % 4;
      this.stageStart = end;
      if (action !== WdtAction.None) this.onAction(action);
      if (action >= WdtAction.ResetCpu) return; // the reset put everything back
    }
  }

  reset(now: number): void {
    this.enabled = false;
    this.actions.fill(0);
    this.holds.fill(0);
    this.stage = 0;
    this.stageStart = now;
    this.protectKey = 0;
  }
}
