// Where Debian's python3-vega-datasets put the real series (scripts/apt-packages.txt installs it).
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";

export function vegaFile(name: string): string {
  const usual = path.join("/usr/lib/python3/dist-packages/vega_datasets/_data", name);
  if (existsSync(usual)) return usual;
  let listed = "";
  try {
    listed = execFileSync("dpkg", ["-L", "python3-vega-datasets"], { encoding: "utf8" });
  } catch {
    throw new Error("python3-vega-datasets is not installed: apt-get install python3-vega-datasets (see scripts/apt-packages.txt)");
  }
  const hit = listed.split("\n").find((l) => l.endsWith(`/${name}`));
  if (!hit) throw new Error(`python3-vega-datasets has no ${name}`);
  return hit;
}
