// blink: toggles the board's LED pin and logs each change.
import { gpio, log, time } from "../../sdk/index";

// The board's LED, whichever board: the log lines below are the same on all of them.
const LED: i32 = gpio.led();
let on = false;
let count = 0;

export function setup(): void {
  gpio.pinMode(LED, gpio.PinMode.Output);
  log.info("blink: started on the board's LED");
}

export function loop(): void {
  on = !on;
  gpio.digitalWrite(LED, on);
  count++;
  log.info("blink #" + count.toString() + ": led " + (on ? "on" : "off") + " at " + time.millis().toString() + " ms");
  time.sleep(500);
}
