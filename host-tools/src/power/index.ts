// Power and energy analysis: traces, clock alignment, per-phase results, the power-model fit, charts.
export * from "./trace.js";
export * from "./align.js";
export * from "./analysis.js";
export * from "./fit.js";
export * from "./results.js";
export * from "./charts.js";
export * from "./monitor-stream.js";
