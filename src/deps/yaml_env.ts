/**
 * The `yaml` package's parser reads `process.env.LOG_TOKENS` for every token and its
 * composer `process.env.LOG_STREAM` for every top-level token (debug switches). Under
 * Deno each such read is a call into the runtime, a large share of the time spent reading a
 * big file. This puts a forwarding object in front of `process.env` that answers those two
 * names from their value at start-up and hands everything else, reads and writes alike, to
 * the real environment.
 */
import process from "node:process";

const DEBUG_SWITCHES = new Set<string | symbol>(["LOG_TOKENS", "LOG_STREAM"]);

/** Installs the forwarding `process.env` once; later calls do nothing. */
export function pinYamlDebugSwitches(): void {
  const env = process.env as Record<string | symbol, string | undefined> & {
    [PINNED]?: true;
  };
  if (env[PINNED]) return;
  const pinned = new Map([...DEBUG_SWITCHES].map((k) => [k, env[k]]));
  const forward: ProxyHandler<Record<string | symbol, string | undefined>> = {
    get: (_, key) => key === PINNED ? true : pinned.has(key) ? pinned.get(key) : env[key],
    set: (_, key, value) => {
      pinned.delete(key);
      return Reflect.set(env, key, value);
    },
    has: (_, key) => Reflect.has(env, key),
    deleteProperty: (_, key) => {
      pinned.delete(key);
      return Reflect.deleteProperty(env, key);
    },
    ownKeys: () => Reflect.ownKeys(env),
    getOwnPropertyDescriptor: (_, key) => {
      const d = Reflect.getOwnPropertyDescriptor(env, key);
      return d && { ...d, configurable: true };
    },
    defineProperty: (_, key, d) => {
      pinned.delete(key);
      return Reflect.defineProperty(env, key, d);
    },
  };
  Object.defineProperty(process, "env", {
    value: new Proxy({}, forward),
    configurable: true,
    enumerable: true,
    writable: true,
  });
}

const PINNED = Symbol("yaml debug switches pinned");
