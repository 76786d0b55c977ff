// Build diagnostics in the form editors and terminals link: `src/main.ts:6:14: error: ...`.
import { readFileSync } from "node:fs";
import { displayPath } from "../lib/paths.js";

export interface Diagnostic {
  severity: "error" | "warning";
  message: string;
  /** The file as printed (relative to the working directory when below it, else absolute). */
  file?: string;
  /** 1-based, when the position is known. */
  line?: number;
  column?: number;
  /** asc's code (e.g. "TS2304") or ours ("WASMCU_IMPORT", "WASMCU_EXPORT"). */
  code?: string;
}

/** `file:line:col: error: message [code]`, or without the parts that are not known. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.file === undefined ? "" : `${d.file}${d.line === undefined ? "" : `:${d.line}${d.column === undefined ? "" : `:${d.column}`}`}: `;
  return `${where}${d.severity}: ${d.message}${d.code ? ` [${d.code}]` : ""}`;
}

/** 1-based line and column of a character offset in a text. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: offset - start + 1 };
}

/** A diagnostic at a character offset of a file (read to find its line). */
export function diagnosticAt(file: string, offset: number | undefined, d: Omit<Diagnostic, "file" | "line" | "column">, text?: string): Diagnostic {
  if (offset === undefined) return { ...d, file: displayPath(file) };
  let body = text;
  if (body === undefined) {
    try {
      body = readFileSync(file, "utf8");
    } catch {
      return { ...d, file: displayPath(file) };
    }
  }
  return { ...d, file: displayPath(file), ...lineColumn(body, offset) };
}
