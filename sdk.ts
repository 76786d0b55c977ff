// `import { gpio, log } from "wasmcu/sdk"`: asc resolves a package import to
// node_modules/<package>/<path>.ts, so this file is the SDK's entry for apps that
// install wasmcu from npm. The SDK itself is firmware/sdk/.
export * from "./firmware/sdk/index";
