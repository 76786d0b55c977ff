// Signed over-the-air updates, seen from the app. A newly installed image first runs on
// trial: it should check what it needs (sensors answer, the model loads, the link works)
// and then call confirm(). An image that never confirms is rolled back after a watchdog
// reset or a few boots (see firmware/ota/README.md).
//
//   if (ota.state() == ota.State.Trial && selfTestPassed()) ota.confirm();

@external("wasmcu", "ota_state")
declare function ota_state(): i32;
@external("wasmcu", "ota_confirm")
declare function ota_confirm(): i32;

export const enum State {
  /** Installed with `wasmcu deploy` (unsigned, for development): nothing to confirm. */
  Development = 0,
  /** A signed image that is already confirmed. */
  Confirmed = 1,
  /** A signed image on trial: confirm() it or it is rolled back. */
  Trial = 2,
}

export function state(): State {
  return <State>ota_state();
}

/** Makes the running trial image permanent. True when it is (or already was) confirmed, or
 * for a development image; false when the device refused (the reason is logged). */
export function confirm(): bool {
  return ota_confirm() >= 0;
}
