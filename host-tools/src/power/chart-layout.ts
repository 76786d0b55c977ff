// Where the trace chart's words go, in pixels, before Vega draws anything: phase labels in
// rows above the plot (moved to another row or shortened rather than overlapped), the legend
// below the axis, and a time axis that skips long stretches with no phase in them. Text is
// measured the way Vega measures it without a canvas (0.8 × characters × font size), so the
// boxes here are the ones the drawn text is placed by.

/** Vega's width estimate for text when no canvas is loaded (vega-scenegraph estimateWidth). */
export function textWidth(text: string, fontSize: number): number {
  return Math.floor(0.8 * [...text].length * fontSize);
}

/** A rectangle in plot pixels: x right, y down, (0, 0) the plot's top left corner. */
export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export function overlaps(a: Box, b: Box, gap = 0): boolean {
  return a.x < b.x + b.w + gap && b.x < a.x + a.w + gap && a.y < b.y + b.h + gap && b.y < a.y + a.h + gap;
}

/** Lines of at most `width` pixels at `fontSize`, broken after "; ", ", " or a space. */
export function wrapToWidth(text: string, width: number, fontSize: number): string[] {
  const words = text.split(/(?<=[;,]? )/);
  const lines: string[] = [];
  let line = "";
  for (const w of words) {
    if (line && textWidth((line + w).trimEnd(), fontSize) > width) {
      lines.push(line.trimEnd());
      line = "";
    }
    line += w;
  }
  if (line.trim()) lines.push(line.trimEnd());
  return lines;
}

// ------------------------------------------------------------------ time axis with breaks

/** One stretch of time drawn linearly, [t0, t1] in ms, at pixels [x0, x1]. */
export interface TimeSegment {
  t0: number;
  t1: number;
  x0: number;
  x1: number;
}

/** A stretch with no phase in it longer than this share of the trace is cut out. */
export const BREAK_SHARE = 0.12;
/** Width of a cut-out stretch, pixels. */
export const BREAK_PX = 24;

/**
 * Segments of the time axis: [tStart, tEnd] drawn on [0, width], except stretches with no
 * phase in them longer than BREAK_SHARE of the whole, each drawn as a BREAK_PX gap (a 40 s
 * deploy between two models would otherwise squeeze every phase into a few pixels).
 */
export function timeSegments(tStart: number, tEnd: number, busy: readonly { t0: number; t1: number }[], width: number): TimeSegment[] {
  const span = Math.max(tEnd - tStart, 1e-9);
  const cut = BREAK_SHARE * span;
  // A little idle is kept on each side of a cut, so a band does not sit on the break.
  const pad = (idle: number) => Math.min(idle * 0.05, 0.01 * span);
  const sorted = [...busy].filter((b) => b.t1 > tStart && b.t0 < tEnd).sort((a, b) => a.t0 - b.t0);
  if (sorted.length === 0) return [{ t0: tStart, t1: tEnd, x0: 0, x1: width }];
  const first = sorted[0]?.t0 ?? tStart;
  const last = Math.max(...sorted.map((b) => b.t1), first);
  const start = first - tStart > cut ? first - pad(first - tStart) : tStart;
  const end = tEnd - last > cut ? last + pad(tEnd - last) : tEnd;
  const kept: { t0: number; t1: number }[] = [];
  let t0 = start, prevEnd = start;
  for (const b of sorted) {
    const idle = b.t0 - prevEnd;
    if (idle > cut) {
      kept.push({ t0, t1: prevEnd + pad(idle) });
      t0 = b.t0 - pad(idle);
    }
    prevEnd = Math.max(prevEnd, b.t1);
  }
  kept.push({ t0, t1: end });
  const drawn = width - BREAK_PX * (kept.length - 1);
  const total = kept.reduce((n, s) => n + (s.t1 - s.t0), 0) || 1;
  let x = 0;
  return kept.map((s) => {
    const w = (drawn * (s.t1 - s.t0)) / total;
    const seg = { t0: s.t0, t1: s.t1, x0: x, x1: x + w };
    x += w + BREAK_PX;
    return seg;
  });
}

/** Pixel of time t (clamped into the segment it falls in or the break after it). */
export function timeToPx(segs: readonly TimeSegment[], t: number): number {
  for (const s of segs) {
    if (t <= s.t1) return t <= s.t0 ? s.x0 : s.x0 + ((t - s.t0) * (s.x1 - s.x0)) / Math.max(s.t1 - s.t0, 1e-9);
  }
  return segs[segs.length - 1]!.x1;
}

// ------------------------------------------------------------------ phase labels

export const LABEL_FONT = 10;
export const LABEL_ROW = 14;
export const LABEL_ROWS = 4;
const LABEL_GAP = 6;
/** Shortest abbreviation tried, in characters before the ellipsis. */
const MIN_ABBREV = 3;

/** A labelled stretch: one or more back-to-back occurrences of a phase, in pixels. */
export interface LabelSpan {
  phase: string;
  text: string;
  x0: number;
  x1: number;
}

export interface PlacedLabel {
  phase: string;
  text: string;
  row: number;
  /** Centre x of the text; the box is what it covers. */
  cx: number;
  box: Box;
}

/** The label and its shorter forms, longest first: "hello_world_int8", "hello_world_…", ... "hel…". */
export function abbreviations(text: string): string[] {
  const chars = [...text];
  const out = [text];
  for (let n = chars.length - 1; n >= MIN_ABBREV; n--) out.push(`${chars.slice(0, n).join("")}…`);
  return out;
}

function labelBox(text: string, centre: number, row: number, width: number): Box | undefined {
  const w = textWidth(text, LABEL_FONT);
  if (w > width) return undefined;
  const x = Math.min(Math.max(centre - w / 2, 0), width - w);
  return { x, y: -(row + 1) * LABEL_ROW - 2, w, h: LABEL_ROW - 2 };
}

/**
 * Places one label per span in rows above the plot (row 0 nearest to it), widest spans first
 * so long phases always get theirs: the full text on the first row where it overlaps nothing,
 * else the longest abbreviation that fits on some row; a span with no room left gets none
 * (the legend still names its colour).
 */
export function placeLabels(spans: readonly LabelSpan[], width: number): PlacedLabel[] {
  const placed: PlacedLabel[] = [];
  const order = [...spans].sort((a, b) => b.x1 - b.x0 - (a.x1 - a.x0) || a.x0 - b.x0);
  for (const s of order) {
    const centre = (s.x0 + s.x1) / 2;
    found: for (const text of abbreviations(s.text)) {
      for (let row = 0; row < LABEL_ROWS; row++) {
        const box = labelBox(text, centre, row, width);
        if (!box) continue;
        if (placed.some((p) => p.row === row && overlaps(p.box, box, LABEL_GAP))) continue;
        placed.push({ phase: s.phase, text, row, cx: box.x + box.w / 2, box });
        break found;
      }
    }
  }
  return placed.sort((a, b) => a.box.x - b.box.x);
}

// ------------------------------------------------------------------ legend

export const LEGEND_FONT = 10;
const SWATCH = 10;
const LEGEND_ROW = 16;
const LEGEND_ITEM_GAP = 16;

export interface LegendItem {
  phase: string;
  /** The swatch, then the text's box. */
  swatch: Box;
  box: Box;
}

/** Legend entries in a grid of equal columns from (0, top), as many columns as fit `width`;
 * text is never cut. */
export function layoutLegend(phases: readonly string[], top: number, width: number): LegendItem[] {
  const itemW = (p: string) => SWATCH + 4 + textWidth(p, LEGEND_FONT);
  const colW = Math.max(0, ...phases.map(itemW)) + LEGEND_ITEM_GAP;
  const cols = Math.max(1, Math.floor((width + LEGEND_ITEM_GAP) / colW));
  return phases.map((phase, i) => {
    const x = (i % cols) * colW, y = top + Math.floor(i / cols) * LEGEND_ROW;
    return {
      phase,
      swatch: { x, y: y + 1, w: SWATCH, h: SWATCH },
      box: { x: x + SWATCH + 4, y, w: textWidth(phase, LEGEND_FONT), h: LEGEND_ROW - 4 },
    };
  });
}
