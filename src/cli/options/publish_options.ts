/**
 * Flags that decide where and under which names images are published, shared by build,
 * resolve, apply, create and run (ko's `AddPublishArg`).
 */
import { dedupe } from "../flag_values.ts";
import type { KoCommand } from "../ko_command.ts";
import type { PublishOptions } from "../../commands/options.ts";

/** Declares the publish flags on a command. */
export function addPublishOptions(cmd: KoCommand): void {
  cmd
    .flag({
      names: "-t, --tags",
      kind: "strings",
      default: ["latest"],
      description:
        "Tags for the published images (with -B or --bare, images of one repository overwrite each other's tags)",
    })
    .flag({
      names: "--tag-only",
      kind: "bool",
      description:
        "Refer to images by tag only, without the digest (needs exactly one tag, not latest)",
    })
    .flag({
      names: "--push",
      kind: "bool",
      default: true,
      description: "Push images to KO_DOCKER_REPO; --push=false builds without pushing",
    })
    .flag({
      names: "-L, --local",
      kind: "bool",
      description: "Load images into the local Docker daemon instead of pushing them",
    })
    .flag({
      names: "--insecure-registry",
      kind: "bool",
      description: "Allow plain HTTP and unverified TLS when talking to KO_DOCKER_REPO",
    })
    .flag({
      names: "--oci-layout-path",
      kind: "string",
      complete: "dir",
      description: "Also write images into an OCI image layout at this path",
    })
    .flag({
      names: "--tarball",
      kind: "string",
      complete: "file",
      description: "Also write images to this tarball, loadable with docker load",
    })
    .flag({
      names: "--image-refs",
      kind: "string",
      complete: "file",
      description: "Write the references of published images to this file, one per line",
    })
    .flag({
      names: "-P, --preserve-import-paths",
      kind: "bool",
      description: "Name images KO_DOCKER_REPO/<full import path>",
    })
    .flag({
      names: "-B, --base-import-paths",
      kind: "bool",
      description: "Name images KO_DOCKER_REPO/<last element of the import path>, without a hash",
    })
    .flag({
      names: "--bare",
      kind: "bool",
      description: "Name images KO_DOCKER_REPO exactly, with nothing appended",
    })
    .flag({
      names: "--sign-key",
      kind: "string",
      complete: "file",
      description:
        "Sign images and attest their provenance and SBOM with this cosign private key (also KO_SIGN_KEY, .ko.yaml sign.key; password from COSIGN_PASSWORD)",
    });
}

/** Reads the publish flags of a parsed command (see validateOptions for cross-flag rules). */
export function readPublishOptions(cmd: KoCommand): PublishOptions {
  return {
    tags: dedupe(cmd.flagValue<string[]>("tags")),
    tagOnly: cmd.flagValue<boolean>("tag-only"),
    push: cmd.flagValue<boolean>("push"),
    local: cmd.flagValue<boolean>("local"),
    insecureRegistry: cmd.flagValue<boolean>("insecure-registry"),
    ociLayoutPath: cmd.flagValue<string>("oci-layout-path"),
    tarball: cmd.flagValue<string>("tarball"),
    imageRefs: cmd.flagValue<string>("image-refs"),
    preserveImportPaths: cmd.flagValue<boolean>("preserve-import-paths"),
    baseImportPaths: cmd.flagValue<boolean>("base-import-paths"),
    bare: cmd.flagValue<boolean>("bare"),
    signKey: cmd.flagValue<string>("sign-key"),
  };
}
