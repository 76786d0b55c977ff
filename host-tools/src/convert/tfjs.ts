// Reads a TensorFlow.js Layers model (model.json + binary weight shards) and
// lowers its Keras layers to the converter's float graph. Everything read is
// checked: the topology, each weight's presence, dtype and shape, and the
// shard byte counts against the manifest; errors name the file, layer, weight.
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { InputError } from "../lib/errors.js";
import { type Act, type GOp, type Graph, numel, padding } from "./graph.js";

export interface Weight { shape: number[]; data: Float32Array }

export interface LayersModel {
  file: string;
  topology: { class_name: string; config: unknown };
  weights: Map<string, Weight>;
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

export const SUPPORTED_LAYERS = [
  "InputLayer", "Dense", "Conv1D", "Conv2D", "DepthwiseConv2D", "AveragePooling1D", "AveragePooling2D",
  "MaxPooling1D", "MaxPooling2D", "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalMaxPooling1D",
  "GlobalMaxPooling2D", "Flatten", "Reshape", "Add", "Concatenate", "BatchNormalization", "Activation", "ReLU",
  "Softmax", "Dropout", "SpatialDropout1D", "SpatialDropout2D", "GaussianNoise", "GaussianDropout", "AlphaDropout",
];

/** Reads model.json and its shards; validates the manifest against the bytes. */
export function readLayersModel(file: string): LayersModel {
  if (!existsSync(file) || !statSync(file).isFile()) throw new InputError(`model ${file} does not exist`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new InputError(`${file}: not JSON (${(e as Error).message})`);
  }
  if (!isObj(json)) throw new InputError(`${file}: expected a JSON object`);
  if (json.format !== undefined && json.format !== "layers-model") {
    throw new InputError(`${file}: format is "${String(json.format)}", only TF.js "layers-model" files can be converted`,
      "graph models (tf.saved_model converted with tfjs-converter) have no Keras layers to read");
  }
  let topo = json.modelTopology;
  if (isObj(topo) && isObj(topo.model_config)) topo = topo.model_config;
  if (!isObj(topo) || typeof topo.class_name !== "string") throw new InputError(`${file}: modelTopology is missing or has no class_name`);
  const manifest = json.weightsManifest;
  if (!Array.isArray(manifest)) throw new InputError(`${file}: weightsManifest is missing`);
  const dir = path.dirname(file);
  const weights = new Map<string, Weight>();
  manifest.forEach((group: unknown, gi) => {
    if (!isObj(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights)) {
      throw new InputError(`${file}: weightsManifest[${gi}] needs "paths" and "weights" arrays`);
    }
    const parts: Buffer[] = [];
    for (const p of group.paths) {
      if (typeof p !== "string") throw new InputError(`${file}: weightsManifest[${gi}].paths holds a non-string`);
      const shard = path.resolve(dir, p);
      if (!existsSync(shard)) throw new InputError(`weight shard ${shard} (listed in ${file}) does not exist`);
      parts.push(readFileSync(shard));
    }
    const bytes = Buffer.concat(parts);
    let off = 0;
    for (const w of group.weights as unknown[]) {
      if (!isObj(w) || typeof w.name !== "string" || !Array.isArray(w.shape) ||
          !w.shape.every((d) => Number.isInteger(d) && (d as number) >= 0)) {
        throw new InputError(`${file}: weightsManifest[${gi}] has a malformed weight entry`);
      }
      if (w.dtype !== "float32") {
        throw new InputError(`${file}: weight ${w.name} has dtype ${String(w.dtype)}; only float32 weights can be converted`);
      }
      if (w.quantization !== undefined) throw new InputError(`${file}: weight ${w.name} is stored quantized; save the model with float32 weights`);
      const shape = w.shape as number[];
      const n = numel(shape);
      if (off + 4 * n > bytes.length) {
        throw new InputError(`weights group ${gi} of ${file}: shards ${group.paths.join(", ")} hold ${bytes.length} bytes, but the manifest needs at least ${off + 4 * n} (at weight ${w.name})`);
      }
      const data = new Float32Array(n);
      const dv = new DataView(bytes.buffer, bytes.byteOffset + off, 4 * n);
      for (let i = 0; i < n; i++) data[i] = dv.getFloat32(4 * i, true);
      off += 4 * n;
      if (weights.has(w.name)) throw new InputError(`${file}: weight ${w.name} appears twice in the manifest`);
      weights.set(w.name, { shape, data });
    }
    if (off !== bytes.length) {
      throw new InputError(`weights group ${gi} of ${file}: shards hold ${bytes.length} bytes but the manifest describes ${off}`);
    }
  });
  return { file, topology: topo as LayersModel["topology"], weights };
}

interface Layer { name: string; cls: string; config: Json; inbound: string[] }

function layersOf(m: LayersModel): { layers: Layer[]; inputs: string[]; outputs: string[] } {
  const t = m.topology;
  const cfg = t.config;
  if (t.class_name === "Sequential") {
    const list = Array.isArray(cfg) ? cfg : isObj(cfg) && Array.isArray(cfg.layers) ? cfg.layers : undefined;
    if (!list) throw new InputError(`${m.file}: Sequential model without a layer list`);
    const layers: Layer[] = [];
    let prev: string | undefined;
    for (const [i, l] of (list as unknown[]).entries()) {
      if (!isObj(l) || typeof l.class_name !== "string" || !isObj(l.config)) throw new InputError(`${m.file}: layer ${i} is malformed`);
      const name = typeof l.config.name === "string" ? l.config.name : `layer${i}`;
      if (i === 0 && l.class_name !== "InputLayer") {
        const bis = l.config.batch_input_shape ?? (Array.isArray(l.config.input_shape) ? [null, ...l.config.input_shape] : undefined);
        if (!bis) throw new InputError(`${m.file}: the first layer (${name}) has no batch_input_shape`);
        layers.push({ name: `${name}__input`, cls: "InputLayer", config: { batch_input_shape: bis }, inbound: [] });
        prev = `${name}__input`;
      }
      layers.push({ name, cls: l.class_name, config: l.config, inbound: prev && l.class_name !== "InputLayer" ? [prev] : [] });
      prev = name;
    }
    const first = layers[0];
    if (!first || !prev) throw new InputError(`${m.file}: the model has no layers`);
    return { layers, inputs: [first.name], outputs: [prev] };
  }
  if (t.class_name !== "Model" && t.class_name !== "Functional") {
    throw new InputError(`${m.file}: model class ${t.class_name} is not supported (Sequential, Model or Functional)`);
  }
  if (!isObj(cfg) || !Array.isArray(cfg.layers)) throw new InputError(`${m.file}: model config has no layers`);
  const names = (v: unknown, what: string): string[] => {
    if (!Array.isArray(v)) throw new InputError(`${m.file}: ${what} is missing`);
    return v.map((e) => {
      if (!Array.isArray(e) || typeof e[0] !== "string") throw new InputError(`${m.file}: ${what} is malformed`);
      if (e[1] !== 0 || (e[2] ?? 0) !== 0) throw new InputError(`${m.file}: ${what} refers to node ${e[1]} of ${e[0]}: shared layers are not supported`);
      return e[0];
    });
  };
  const layers = (cfg.layers as unknown[]).map((l, i): Layer => {
    if (!isObj(l) || typeof l.class_name !== "string" || !isObj(l.config)) throw new InputError(`${m.file}: layer ${i} is malformed`);
    const name = typeof l.name === "string" ? l.name : String(l.config.name);
    const nodes = Array.isArray(l.inbound_nodes) ? l.inbound_nodes : [];
    if (nodes.length > 1) throw new InputError(`layer ${name}: called ${nodes.length} times; shared layers are not supported`);
    const inbound = nodes.length ? names(nodes[0], `inbound_nodes of ${name}`) : [];
    return { name, cls: l.class_name, config: l.config, inbound };
  });
  return { layers, inputs: names(cfg.input_layers, "input_layers"), outputs: names(cfg.output_layers, "output_layers") };
}

const pair = (v: unknown, what: string, layer: string, dflt?: [number, number]): [number, number] => {
  if (v === undefined || v === null) {
    if (dflt) return dflt;
    throw new InputError(`layer ${layer}: ${what} is missing`);
  }
  const a = Array.isArray(v) ? v : [v, v];
  const r = a.length === 1 ? [a[0], a[0]] : a;
  if (r.length !== 2 || !r.every((x) => Number.isInteger(x) && (x as number) > 0)) throw new InputError(`layer ${layer}: bad ${what} ${JSON.stringify(v)}`);
  return r as [number, number];
};
const single = (v: unknown, what: string, layer: string, dflt?: number): number => {
  if ((v === undefined || v === null) && dflt !== undefined) return dflt;
  const x = Array.isArray(v) ? v[0] : v;
  if (!Number.isInteger(x) || (x as number) <= 0) throw new InputError(`layer ${layer}: bad ${what} ${JSON.stringify(v)}`);
  return x as number;
};

type ActKind = "NONE" | "RELU" | "RELU6" | "SOFTMAX" | "LOGISTIC" | "TANH";
function activationKind(a: unknown, layer: string): ActKind {
  const name = typeof a === "string" ? a : isObj(a) && typeof a.class_name === "string" ? a.class_name : a === undefined || a === null ? "linear" : "?";
  switch (name.toLowerCase()) {
    case "linear": return "NONE";
    case "relu": return "RELU";
    case "relu6": return "RELU6";
    case "softmax": return "SOFTMAX";
    case "sigmoid": return "LOGISTIC";
    case "tanh": return "TANH";
    default: throw new InputError(`layer ${layer}: activation "${name}" is not supported (linear, relu, relu6, softmax, sigmoid, tanh)`);
  }
}

/** Lowers the Keras layers to the float graph (BN folded, Dropout removed, ReLU/ReLU6 fused). */
export function lowerModel(m: LayersModel): Graph {
  const { layers, inputs, outputs } = layersOf(m);
  const g: Graph = { tensors: [], ops: [], inputs: [], outputs: [] };
  const out = new Map<string, number>(); // layer -> its output tensor
  const consumers = new Map<string, number>();
  for (const l of layers) for (const i of l.inbound) consumers.set(i, (consumers.get(i) ?? 0) + 1);
  for (const o of outputs) consumers.set(o, (consumers.get(o) ?? 0) + 1);
  const producer = new Map<number, GOp>();
  const tensor = (name: string, shape: number[]): number => {
    if (shape.some((d) => !Number.isInteger(d) || d <= 0)) throw new InputError(`tensor ${name}: shape [${shape.join(", ")}] is not valid`);
    g.tensors.push({ name, shape });
    return g.tensors.length - 1;
  };
  const emit = <T extends GOp>(op: T): T => {
    g.ops.push(op);
    producer.set(op.out, op);
    return op;
  };
  const shapeOf = (t: number) => g.tensors[t]!.shape;
  const weight = (l: Layer, w: string, shape: number[] | undefined): Weight => {
    const key = `${l.name}/${w}`;
    const found = m.weights.get(key);
    if (!found) throw new InputError(`layer ${l.name}: weight ${key} is not in the weights manifest of ${m.file}`);
    if (shape && (found.shape.length !== shape.length || found.shape.some((d, i) => d !== shape[i]))) {
      throw new InputError(`layer ${l.name}: weight ${key} has shape [${found.shape.join(", ")}], the layer needs [${shape.join(", ")}]`);
    }
    return found;
  };
  const reshape = (l: Layer, t: number, shape: number[], suffix: string): number => {
    if (numel(shape) !== numel(shapeOf(t))) {
      throw new InputError(`layer ${l.name}: cannot reshape [${shapeOf(t).slice(1).join(", ")}] to [${shape.slice(1).join(", ")}]`);
    }
    const o = tensor(`${l.name}${suffix}`, shape);
    emit({ kind: "RESHAPE", in: [t], out: o, layer: l.name });
    return o;
  };
  const activation = (l: Layer, t: number, kind: ActKind): number => {
    if (kind === "NONE") return t;
    if (kind === "SOFTMAX" && l.config.axis !== undefined && l.config.axis !== -1 && l.config.axis !== shapeOf(t).length - 1) {
      throw new InputError(`layer ${l.name}: softmax over axis ${String(l.config.axis)}; only the last axis is supported`);
    }
    const o = tensor(`${l.name}/${kind.toLowerCase()}`, [...shapeOf(t)]);
    emit({ kind, in: [t], out: o, layer: l.name });
    return o;
  };
  const rank = (l: Layer, t: number, r: number, what: string) => {
    if (shapeOf(t).length !== r) {
      throw new InputError(`layer ${l.name} (${l.cls}): input has shape [null, ${shapeOf(t).slice(1).join(", ")}], ${what}`);
    }
  };

  const pending = [...layers];
  let guard = 0;
  while (pending.length) {
    const l = pending.shift()!;
    if (!l.inbound.every((i) => out.has(i))) {
      for (const i of l.inbound) if (!layers.some((x) => x.name === i)) throw new InputError(`layer ${l.name}: input layer ${i} does not exist`);
      pending.push(l);
      if (++guard > layers.length * layers.length + 10) throw new InputError(`${m.file}: the layer graph has a cycle`);
      continue;
    }
    const ins = l.inbound.map((i) => out.get(i)!);
    const x = ins[0]!;
    const c = l.config;
    const need = (n: number) => {
      if (ins.length !== n) throw new InputError(`layer ${l.name} (${l.cls}): expected ${n} input(s), got ${ins.length}`);
    };
    const act = () => activationKind(c.activation, l.name);
    if (l.cls !== "InputLayer") need(l.cls === "Add" || l.cls === "Concatenate" ? ins.length : 1);
    switch (l.cls) {
      case "InputLayer": {
        const bis = c.batch_input_shape ?? c.batchInputShape;
        if (!Array.isArray(bis) || bis.slice(1).some((d) => !Number.isInteger(d) || d <= 0)) {
          throw new InputError(`layer ${l.name}: input shape ${JSON.stringify(bis)} must be fully known (except the batch)`);
        }
        const t = tensor(l.name, [1, ...(bis.slice(1) as number[])]);
        g.inputs.push(t);
        out.set(l.name, t);
        continue;
      }
      case "Dense": {
        rank(l, x, 2, "Dense needs a flat input (add a Flatten layer)");
        const depth = shapeOf(x)[1]!;
        const units = single(c.units, "units", l.name);
        const k = weight(l, "kernel", [depth, units]).data;
        const w = new Float32Array(units * depth);
        for (let i = 0; i < depth; i++) for (let o = 0; o < units; o++) w[o * depth + i] = k[i * units + o]!;
        const b = c.use_bias === false ? new Float32Array(units) : Float32Array.from(weight(l, "bias", [units]).data);
        const o = tensor(l.name, [1, units]);
        emit({ kind: "FULLY_CONNECTED", in: [x], out: o, w, b, units, depth, act: "NONE", layer: l.name });
        out.set(l.name, activation(l, o, act()));
        continue;
      }
      case "Conv1D":
      case "Conv2D":
      case "DepthwiseConv2D": {
        const oneD = l.cls === "Conv1D";
        rank(l, x, oneD ? 3 : 4, oneD ? "Conv1D needs [steps, channels]" : `${l.cls} needs [height, width, channels]`);
        if (c.data_format !== undefined && c.data_format !== null && c.data_format !== "channelsLast" && c.data_format !== "channels_last") {
          throw new InputError(`layer ${l.name}: data_format ${String(c.data_format)} is not supported (channelsLast only)`);
        }
        if (c.padding !== "valid" && c.padding !== "same") throw new InputError(`layer ${l.name}: padding "${String(c.padding)}" is not supported (valid, same)`);
        const same = c.padding === "same";
        const inp = oneD ? reshape(l, x, [1, 1, ...shapeOf(x).slice(1)], "/expand") : x;
        const [, H, W, C] = shapeOf(inp) as [number, number, number, number];
        const ks = oneD ? [1, single(c.kernel_size, "kernel_size", l.name)] as [number, number] : pair(c.kernel_size, "kernel_size", l.name);
        const stride = oneD ? [1, single(c.strides, "strides", l.name, 1)] as [number, number] : pair(c.strides, "strides", l.name, [1, 1]);
        const dilation = oneD ? [1, single(c.dilation_rate, "dilation_rate", l.name, 1)] as [number, number] : pair(c.dilation_rate, "dilation_rate", l.name, [1, 1]);
        const ph = padding(same, H, ks[0], stride[0], dilation[0]);
        const pw = padding(same, W, ks[1], stride[1], dilation[1]);
        if (ph.out <= 0 || pw.out <= 0) throw new InputError(`layer ${l.name}: the kernel is larger than the input`);
        let op: GOp;
        if (l.cls === "DepthwiseConv2D") {
          const mult = single(c.depth_multiplier, "depth_multiplier", l.name, 1);
          const kw = weight(l, "depthwise_kernel", [ks[0], ks[1], C, mult]).data;
          const b = c.use_bias === false ? new Float32Array(C * mult) : Float32Array.from(weight(l, "bias", [C * mult]).data);
          const o = tensor(l.name, [1, ph.out, pw.out, C * mult]);
          op = { kind: "DEPTHWISE_CONV_2D", in: [inp], out: o, w: Float32Array.from(kw), b, wShape: [1, ks[0], ks[1], C * mult], mult, stride, dilation, same, act: "NONE", layer: l.name };
        } else {
          const filters = single(c.filters, "filters", l.name);
          if (c.groups !== undefined && c.groups !== 1) throw new InputError(`layer ${l.name}: grouped convolution is not supported`);
          const k = weight(l, "kernel", oneD ? [ks[1], C, filters] : [ks[0], ks[1], C, filters]).data;
          // [KH, KW, C, O] -> [O, KH, KW, C]
          const w = new Float32Array(k.length);
          const khw = ks[0] * ks[1];
          for (let p = 0; p < khw; p++) for (let ci = 0; ci < C; ci++) for (let o = 0; o < filters; o++) {
            w[(o * khw + p) * C + ci] = k[(p * C + ci) * filters + o]!;
          }
          const b = c.use_bias === false ? new Float32Array(filters) : Float32Array.from(weight(l, "bias", [filters]).data);
          const o = tensor(oneD ? `${l.name}/conv2d` : l.name, [1, ph.out, pw.out, filters]);
          op = { kind: "CONV_2D", in: [inp], out: o, w, b, wShape: [filters, ks[0], ks[1], C], stride, dilation, same, act: "NONE", layer: l.name };
        }
        emit(op);
        // The activation goes before the reshape back to [steps, channels], so it can fuse.
        const a = activation(l, op.out, act());
        out.set(l.name, oneD ? reshape(l, a, [1, pw.out, shapeOf(op.out)[3]!], "") : a);
        continue;
      }
      case "AveragePooling1D": case "MaxPooling1D": case "AveragePooling2D": case "MaxPooling2D":
      case "GlobalMaxPooling1D": case "GlobalMaxPooling2D": {
        const oneD = l.cls.endsWith("1D");
        const global = l.cls.startsWith("Global");
        rank(l, x, oneD ? 3 : 4, oneD ? "1D pooling needs [steps, channels]" : "2D pooling needs [height, width, channels]");
        const inp = oneD ? reshape(l, x, [1, 1, ...shapeOf(x).slice(1)], "/expand") : x;
        const [, H, W, C] = shapeOf(inp) as [number, number, number, number];
        let filter: [number, number], stride: [number, number], same = false;
        if (global) {
          filter = [H, W];
          stride = [1, 1];
        } else {
          if (c.data_format !== undefined && c.data_format !== null && c.data_format !== "channelsLast" && c.data_format !== "channels_last") {
            throw new InputError(`layer ${l.name}: data_format ${String(c.data_format)} is not supported (channelsLast only)`);
          }
          if (c.padding !== undefined && c.padding !== "valid" && c.padding !== "same") throw new InputError(`layer ${l.name}: padding "${String(c.padding)}" is not supported`);
          same = c.padding === "same";
          filter = oneD ? [1, single(c.pool_size, "pool_size", l.name)] : pair(c.pool_size, "pool_size", l.name);
          stride = oneD ? [1, single(c.strides, "strides", l.name, filter[1])] : pair(c.strides, "strides", l.name, filter);
        }
        const ph = padding(same, H, filter[0], stride[0], 1);
        const pw = padding(same, W, filter[1], stride[1], 1);
        if (ph.out <= 0 || pw.out <= 0) throw new InputError(`layer ${l.name}: the pool is larger than the input`);
        const o = tensor(oneD || global ? `${l.name}/pool2d` : l.name, [1, ph.out, pw.out, C]);
        emit({ kind: l.cls.includes("Max") ? "MAX_POOL_2D" : "AVERAGE_POOL_2D", in: [inp], out: o, filter, stride, same, act: "NONE", layer: l.name });
        out.set(l.name, global ? reshape(l, o, [1, C], "") : oneD ? reshape(l, o, [1, pw.out, C], "") : o);
        continue;
      }
      case "GlobalAveragePooling1D": case "GlobalAveragePooling2D": {
        const oneD = l.cls.endsWith("1D");
        rank(l, x, oneD ? 3 : 4, oneD ? "needs [steps, channels]" : "needs [height, width, channels]");
        const s = shapeOf(x);
        const o = tensor(l.name, [1, s[s.length - 1]!]);
        emit({ kind: "MEAN", in: [x], out: o, axes: oneD ? [1] : [1, 2], layer: l.name });
        out.set(l.name, o);
        continue;
      }
      case "Flatten":
        out.set(l.name, reshape(l, x, [1, numel(shapeOf(x))], ""));
        continue;
      case "Reshape": {
        const ts = c.target_shape ?? c.targetShape;
        if (!Array.isArray(ts) || !ts.every((d) => Number.isInteger(d) && (d > 0 || d === -1)) || ts.filter((d) => d === -1).length > 1) {
          throw new InputError(`layer ${l.name}: bad target_shape ${JSON.stringify(ts)}`);
        }
        const known = numel((ts as number[]).filter((d) => d > 0));
        const total = numel(shapeOf(x));
        const shape = [1, ...(ts as number[]).map((d) => (d === -1 ? total / known : d))];
        out.set(l.name, reshape(l, x, shape, ""));
        continue;
      }
      case "Add": {
        if (ins.length < 2) throw new InputError(`layer ${l.name}: Add needs at least 2 inputs`);
        for (const t of ins) {
          if (shapeOf(t).join() !== shapeOf(x).join()) {
            throw new InputError(`layer ${l.name}: inputs [${shapeOf(x).join(", ")}] and [${shapeOf(t).join(", ")}] differ; broadcasting Add is not supported`);
          }
        }
        let acc = x;
        for (let i = 1; i < ins.length; i++) {
          const o = tensor(i === ins.length - 1 ? l.name : `${l.name}/${i}`, [...shapeOf(x)]);
          emit({ kind: "ADD", in: [acc, ins[i]!], out: o, act: "NONE", layer: l.name });
          acc = o;
        }
        out.set(l.name, acc);
        continue;
      }
      case "Concatenate": {
        const r = shapeOf(x).length;
        const ax0 = c.axis === undefined ? -1 : c.axis;
        if (!Number.isInteger(ax0)) throw new InputError(`layer ${l.name}: bad axis ${JSON.stringify(c.axis)}`);
        const axis = (ax0 as number) < 0 ? r + (ax0 as number) : (ax0 as number);
        if (axis <= 0 || axis >= r) throw new InputError(`layer ${l.name}: cannot concatenate along axis ${String(ax0)} of a rank-${r} tensor`);
        const shape = [...shapeOf(x)];
        shape[axis] = 0;
        for (const t of ins) {
          const s = shapeOf(t);
          if (s.length !== r || s.some((d, i) => i !== axis && d !== shapeOf(x)[i])) {
            throw new InputError(`layer ${l.name}: input shapes [${shapeOf(x).join(", ")}] and [${s.join(", ")}] do not concatenate on axis ${axis}`);
          }
          shape[axis] += s[axis]!;
        }
        const o = tensor(l.name, shape);
        emit({ kind: "CONCATENATION", in: ins, out: o, axis, layer: l.name });
        out.set(l.name, o);
        continue;
      }
      case "BatchNormalization": {
        const s = shapeOf(x);
        const ax = c.axis === undefined ? -1 : Array.isArray(c.axis) && c.axis.length === 1 ? c.axis[0] : c.axis;
        if (ax !== -1 && ax !== s.length - 1) throw new InputError(`layer ${l.name}: batch normalisation over axis ${JSON.stringify(c.axis)}; only the channel (last) axis folds`);
        const C = s[s.length - 1]!;
        const eps = typeof c.epsilon === "number" ? c.epsilon : 1e-3;
        const gamma = c.scale === false ? undefined : weight(l, "gamma", [C]).data;
        const beta = c.center === false ? undefined : weight(l, "beta", [C]).data;
        const mean = weight(l, "moving_mean", [C]).data;
        const variance = weight(l, "moving_variance", [C]).data;
        // Fold into the producer: look through the reshape a Conv1D adds after its conv.
        let p = producer.get(x);
        if (p?.kind === "RESHAPE" && p.layer === l.inbound[0]) p = producer.get(p.in[0]!);
        const from = l.inbound[0]!;
        if (!p || (p.kind !== "FULLY_CONNECTED" && p.kind !== "CONV_2D" && p.kind !== "DEPTHWISE_CONV_2D") ||
            p.layer !== from || p.act !== "NONE" || g.ops.some((o) => o.layer !== from && o.in.includes(x)) || (consumers.get(from) ?? 0) > 1 ||
            activationKind(layers.find((q) => q.name === from)!.config.activation, from) !== "NONE") {
          throw new InputError(`layer ${l.name}: BatchNormalization can only be folded into a directly preceding Dense/Conv/DepthwiseConv layer with a linear activation and no other consumers`);
        }
        const per = p.kind === "DEPTHWISE_CONV_2D" ? 1 : p.w.length / C;
        for (let ch = 0; ch < C; ch++) {
          const k = (gamma ? gamma[ch]! : 1) / Math.sqrt(variance[ch]! + eps);
          p.b[ch] = (p.b[ch]! - mean[ch]!) * k + (beta ? beta[ch]! : 0);
          if (p.kind === "DEPTHWISE_CONV_2D") for (let i = ch; i < p.w.length; i += C) p.w[i]! *= k;
          else for (let i = ch * per; i < (ch + 1) * per; i++) p.w[i]! *= k;
        }
        out.set(l.name, x);
        continue;
      }
      case "Activation":
        out.set(l.name, activation(l, x, act()));
        continue;
      case "ReLU": {
        const mv = c.max_value ?? c.maxValue;
        const slope = c.negative_slope ?? c.negativeSlope ?? 0;
        const thr = c.threshold ?? 0;
        if (slope !== 0 || thr !== 0 || (mv !== null && mv !== undefined && mv !== 6)) {
          throw new InputError(`layer ${l.name}: ReLU with max_value ${String(mv)}, negative_slope ${String(slope)}, threshold ${String(thr)} is not supported (plain ReLU or ReLU6)`);
        }
        out.set(l.name, activation(l, x, mv === 6 ? "RELU6" : "RELU"));
        continue;
      }
      case "Softmax":
        out.set(l.name, activation(l, x, "SOFTMAX"));
        continue;
      case "Dropout": case "SpatialDropout1D": case "SpatialDropout2D": case "GaussianNoise": case "GaussianDropout": case "AlphaDropout":
        out.set(l.name, x); // identity at inference
        continue;
      default:
        throw new InputError(`layer ${l.name} (${l.cls}) is not supported by wasmcu convert`,
          `supported layers: ${SUPPORTED_LAYERS.join(", ")}`);
    }
  }
  for (const i of inputs) if (!g.inputs.includes(out.get(i)!)) throw new InputError(`${m.file}: input layer ${i} is not an InputLayer`);
  g.outputs = outputs.map((o) => {
    const t = out.get(o);
    if (t === undefined) throw new InputError(`${m.file}: output layer ${o} does not exist`);
    return t;
  });
  simplifyReshapes(g);
  while (fuseActivations(g) && simplifyReshapes(g));
  return g;
}

/** Folds a RELU/RELU6 into the op before it when that op's output feeds only the
 *  activation, also across one RESHAPE (Conv1D's reshape back to [steps, channels]):
 *  relu(reshape(x)) = reshape(relu(x)). Returns whether anything changed. */
export function fuseActivations(g: Graph): boolean {
  const only = (t: number, user: GOp) => !g.outputs.includes(t) && g.ops.every((o) => o === user || !o.in.includes(t));
  let changed = false;
  for (let i = 0; i < g.ops.length; i++) {
    const a = g.ops[i]!;
    if (a.kind !== "RELU" && a.kind !== "RELU6") continue;
    let t = a.in[0]!;
    let p = g.ops.find((o) => o.out === t);
    let through: GOp | undefined;
    if (p?.kind === "RESHAPE" && only(t, a)) {
      through = p;
      t = p.in[0]!;
      p = g.ops.find((o) => o.out === t);
    }
    if (!p || !(p.kind === "FULLY_CONNECTED" || p.kind === "CONV_2D" || p.kind === "DEPTHWISE_CONV_2D" || p.kind === "ADD") || p.act !== "NONE") continue;
    if (!only(t, through ?? a) || (!through && g.outputs.includes(a.in[0]!))) continue;
    (p as { act: Act }).act = a.kind;
    if (through) through.out = a.out;
    else p.out = a.out;
    g.ops.splice(i, 1);
    i--;
    changed = true;
  }
  return changed;
}

/** Merges RESHAPE chains and drops RESHAPEs that do not change the shape. */
export function simplifyReshapes(g: Graph): boolean {
  let changed = false;
  const shape = (t: number) => g.tensors[t]!.shape.join();
  for (let i = 0; i < g.ops.length; i++) {
    const r = g.ops[i]!;
    if (r.kind !== "RESHAPE") continue;
    const src = r.in[0]!;
    const p = g.ops.find((o) => o.out === src);
    if (p?.kind === "RESHAPE" && !g.outputs.includes(src) && g.ops.every((o) => o === r || !o.in.includes(src))) {
      r.in = [p.in[0]!];
      g.ops.splice(g.ops.indexOf(p), 1);
      changed = true;
      i = -1;
      continue;
    }
    if (shape(src) === shape(r.out) && !(g.outputs.includes(r.out) && (g.inputs.includes(src) || g.outputs.includes(src)))) {
      for (const o of g.ops) o.in = o.in.map((t) => (t === r.out ? src : t));
      g.outputs = g.outputs.map((t) => (t === r.out ? src : t));
      g.ops.splice(i, 1);
      changed = true;
      i = -1;
    }
  }
  return changed;
}
