// Every CLI command is a thin module exporting `register(program)`; add new ones here.
import type { Command } from "commander";
import * as boards from "./boards.js";
import * as build from "./build.js";
import * as deploy from "./deploy.js";
import * as doctor from "./doctor.js";
import * as monitor from "./monitor.js";
import * as run from "./run.js";
import * as vm from "./vm.js";

export const commands: { register(program: Command): void }[] = [boards, build, deploy, doctor, monitor, run, vm];
