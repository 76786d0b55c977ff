// Every CLI command is a thin module exporting `register(program)`; add new ones here.
import type { Command } from "commander";
import * as bench from "./bench.js";
import * as board from "./board.js";
import * as boards from "./boards.js";
import * as build from "./build.js";
import * as convert from "./convert.js";
import * as dequantize from "./dequantize.js";
import * as deploy from "./deploy.js";
import * as doctor from "./doctor.js";
import * as flash from "./flash.js";
import * as keys from "./keys.js";
import * as model from "./model.js";
import * as monitor from "./monitor.js";
import * as newProject from "./new.js";
import * as ota from "./ota.js";
import * as ports from "./ports.js";
import * as power from "./power.js";
import * as quantize from "./quantize.js";
import * as run from "./run.js";
import * as sign from "./sign.js";
import * as vm from "./vm.js";

export const commands: { register(program: Command): void }[] = [bench, board, boards, build, convert, dequantize, deploy, doctor, flash, keys, model, monitor, newProject, ota, ports, power, quantize, run, sign, vm];
