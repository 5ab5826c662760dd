/**
 * Whether and with what a run signs: the key from `--sign-key`, else `KO_SIGN_KEY`, else
 * `.ko.yaml` `sign.key`, opened (and decrypted) when the run is set up, so a bad key or
 * password stops it before anything is built or pushed. The signing code (and its
 * cryptography packages) loads only for a signed run.
 */
import type { KoConfig } from "../config/ko_config.ts";
import { unsignedReason } from "../publish/make_publisher.ts";
import type { ImageSigning } from "../sign/image_signing.ts";
import type { SignKeySetting } from "../sign/key_file.ts";
import { warn } from "../util/log.ts";
import { dirname } from "../util/posix_path.ts";
import type { VerbContext } from "./context.ts";
import type { PublishOptions } from "./options.ts";

/**
 * The run's signing, or undefined when no key is given, or when the publisher keeps no
 * signatures (ko.local, kind.local, `--push=false` without a layout: said in one line).
 */
export async function openSigning(
  ctx: VerbContext,
  options: PublishOptions,
  config: Pick<KoConfig, "file" | "signKey">,
): Promise<ImageSigning | undefined> {
  const key = signKeySetting(ctx, options, config);
  if (!key) return undefined;
  const reason = unsignedReason({ ...options, dockerRepo: ctx.env.KO_DOCKER_REPO });
  if (reason) {
    warn(`${key.source}: ${reason}`);
    return undefined;
  }
  const [{ openSigningKey }, { terminalPrompt }, { ImageSigning }] = await Promise.all([
    import("../sign/key_file.ts"),
    import("../sign/password.ts"),
    import("../sign/image_signing.ts"),
  ]);
  const terminal = ctx.inheritable?.stdin === true && Deno.stdin.isTerminal();
  const signer = await openSigningKey(key, {
    env: ctx.env,
    ...(terminal ? { prompt: terminalPrompt((text) => ctx.stderr.write(text)) } : {}),
  });
  return new ImageSigning(signer);
}

/** The configured key, by precedence: the flag, the environment, the configuration file. */
function signKeySetting(
  ctx: VerbContext,
  options: PublishOptions,
  config: Pick<KoConfig, "file" | "signKey">,
): SignKeySetting | undefined {
  if (options.signKey) return { ref: options.signKey, source: "--sign-key", baseDir: ctx.cwd };
  const fromEnv = ctx.env.KO_SIGN_KEY;
  if (fromEnv) return { ref: fromEnv, source: "KO_SIGN_KEY", baseDir: ctx.cwd };
  if (config.signKey && config.file) {
    return {
      ref: config.signKey.value,
      source: `${config.signKey.place}: sign.key`,
      baseDir: dirname(config.file),
    };
  }
  return undefined;
}
