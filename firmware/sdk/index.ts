// The wasmcu SDK for AssemblyScript apps: import what you need from here.
import * as gpio from "./gpio";
import * as time from "./time";
import * as log from "./log";
import * as model from "./model";
import * as ina219 from "./ina219";
import * as ota from "./ota";
import * as power from "./power";
import * as i2c from "./i2c";
import * as mpu6050 from "./mpu6050";
export { gpio, time, log, model, ina219, ota, power, i2c, mpu6050 };
