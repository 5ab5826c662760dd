/**
 * `ko login`: stores the credentials for a registry in the Docker config file (or its
 * credential helper) and logs `logged in via <config file>` (ko-behaviour 1.8). `docker.io`
 * is stored as `https://index.docker.io/v1/`.
 */
import type { LoginHandler } from "./options.ts";
import { storeCredentials } from "../registry/credentials.ts";
import { KoError } from "../util/errors.ts";
import { info } from "../util/log.ts";

/** The `ko login` handler. */
export const runLogin: LoginHandler = async (ctx, args, options) => {
  const registry = args[0] ?? "";
  if (registry === "") throw new KoError("ko login needs a registry, e.g. ko login ghcr.io");
  const path = await storeCredentials(registry, options.username, options.password, {
    env: (name) => ctx.env[name],
  });
  info(`logged in via ${path}`);
};
