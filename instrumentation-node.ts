import { env, EnvError } from "./lib/env";

try {
  env();
} catch (e) {
  if (!(e instanceof EnvError)) throw e;
  console.error(e.message);
  process.exit(1);
}
