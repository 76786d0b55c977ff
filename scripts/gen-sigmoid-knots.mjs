#!/usr/bin/env node
// Generates the knots of the int16 sigmoid/tanh interpolation table in firmware/nn/src/quant.c.
//
// The int16 LOGISTIC and TANH kernels interpolate linearly between 256 knots of
// sigmoid(x) on a grid of 1/24, in Q0.16. A chord between two knots lies below the
// convex-then-concave curve by the midpoint error e_i = (s(x_i) + s(x_i+1))/2 - s(x_i + 1/48);
// each knot is lowered by half of it so the interpolation error is balanced:
//   knot_i = round(65536 * (s(i/24) - e_i / 2)),   knot_255 = 65535 (saturation).
// These are the values the reference kernels' outputs depend on; the table is this
// formula's output, and test/firmware/nn/sigmoid-knots.test.ts checks that it still is.
//   node scripts/gen-sigmoid-knots.mjs   prints the C initialiser
const s = (x) => 1 / (1 + Math.exp(-x));

export function sigmoidKnots() {
  const knots = [];
  for (let i = 0; i < 256; i++) {
    if (i === 255) {
      knots.push(65535);
      continue;
    }
    const x = i / 24;
    const err = (s(x) + s(x + 1 / 24)) / 2 - s(x + 1 / 48);
    knots.push(Math.min(65535, Math.round(65536 * (s(x) - err / 2))));
  }
  return knots;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const k = sigmoidKnots();
  const rows = [];
  for (let i = 0; i < k.length; i += 13) rows.push("    " + k.slice(i, i + 13).join(", "));
  process.stdout.write(`static const uint16_t kSigmoidKnots[256] = {\n${rows.join(",\n")}};\n`);
}
