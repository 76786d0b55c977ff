// Progress for long transfers: a bar on a terminal, a few plain lines when piped.
export interface Progress {
  update(done: number, total: number): void;
  finish(): void;
}

export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr, enabled = true): Progress {
  const t0 = Date.now();
  let lastPct = -1;
  let drawn = false; // a bar is on the terminal's current line
  const rate = (done: number) => {
    const s = (Date.now() - t0) / 1000;
    return s > 0 ? `${(done / 1024 / s).toFixed(1)} KiB/s` : "";
  };
  return {
    update(done, total) {
      if (!enabled) return;
      const pct = total ? Math.floor((done * 100) / total) : 100;
      if (stream.isTTY) {
        const width = 30;
        const fill = Math.round((pct / 100) * width);
        stream.write(`\r${label} [${"#".repeat(fill)}${".".repeat(width - fill)}] ${String(pct).padStart(3)}% ${done}/${total} B ${rate(done)}   `);
        drawn = true;
      } else if (pct >= lastPct + 25 || (pct === 100 && lastPct !== 100)) {
        stream.write(`${label}: ${pct}% (${done}/${total} bytes) ${rate(done)}\n`);
        lastPct = pct;
      }
    },
    finish() {
      // Ends the bar's line once, so that whatever follows (log lines, the result) starts clean.
      if (enabled && stream.isTTY && drawn) stream.write("\n");
      drawn = false;
    },
  };
}

/** Progress of a job counted in percent with a word for the current step (a firmware build:
 * "45% interp.c"): a bar redrawn in place on a terminal, a line per quarter when piped.
 * Nothing is printed until the first update, so a job with nothing to do stays quiet. */
export interface StepProgress {
  update(percent: number, step: string): void;
  /** Ends the bar's line (on a terminal) so that what follows starts on a line of its own. */
  finish(): void;
}

export function stepProgress(label: string, stream: NodeJS.WriteStream = process.stderr, enabled = true): StepProgress {
  const t0 = Date.now();
  let lastQuarter = -1;
  let drawn = false;
  return {
    update(percent, step) {
      if (!enabled) return;
      const pct = Math.max(0, Math.min(100, Math.round(percent)));
      if (stream.isTTY) {
        const width = 24;
        const fill = Math.round((pct / 100) * width);
        const secs = `${Math.round((Date.now() - t0) / 1000)} s`;
        const head = `\r${label} [${"#".repeat(fill)}${".".repeat(width - fill)}] ${String(pct).padStart(3)}% ${secs} `;
        const room = Math.max(0, (stream.columns || 80) - head.length);
        stream.write(`${head}${step.slice(0, room).padEnd(room)}`);
        drawn = true;
      } else {
        const quarter = Math.floor(pct / 25);
        if (quarter > lastQuarter) {
          stream.write(`${label}: ${pct}% (${step})\n`);
          lastQuarter = quarter;
        }
      }
    },
    finish() {
      if (enabled && stream.isTTY && drawn) stream.write("\n");
      drawn = false;
    },
  };
}
