/**
 * The image ko makes from a base and a Go binary (ko-behaviour 5.6–5.11): the kodata layer,
 * then the binary at `/ko-app/<name>` (then Delve at `/ko-app/dlv` with `--debug`), the config
 * pointed at the binary (run under Delve with `--debug`), and the base annotations on the
 * manifest.
 */
import type { ConfigFile } from "../oci/config.ts";
import { ZERO_TIME } from "../oci/go_json.ts";
import type { Layer } from "../layer/layer.ts";
import type { LayerEntry } from "../layer/entry.ts";
import type { Image } from "../image/image.ts";
import { mutateImage } from "../image/mutate.ts";
import { lastElement } from "../util/go_path.ts";
import { CAPABILITY_PAX_KEY } from "./capabilities.ts";
import { KODATA_ROOT } from "./kodata.ts";
import { WINDOWS_RAWSD } from "./windows.ts";
import { DELVE_ARGS, DELVE_PATH } from "./delve.ts";

/** The directory the binary goes to. */
export const APP_DIR = "/ko-app";
/** The author ko writes into configs. */
const KO_AUTHOR = "github.com/ko-build/ko";

/** The binary's file name: the import path's last element, or `ko-app` when there is none. */
export function appName(importPath: string): string {
  const base = lastElement(importPath);
  return base === "." || base === "/" ? "ko-app" : base;
}

/** The tar entries of the binary layer (Linux: `ko-app` dir then `/ko-app/<name>`). */
export function binaryEntries(
  name: string,
  binaryPath: string,
  os: string,
  capabilityXattr?: Uint8Array,
): LayerEntry[] {
  if (os === "windows") {
    return [
      { type: "dir", name: "Hives", mode: 0o555 },
      { type: "dir", name: "Files", mode: 0o555 },
      { type: "dir", name: "Files/ko-app", mode: 0o555 },
      {
        type: "file",
        name: `Files${APP_DIR}/${name}`,
        mode: 0o555,
        path: binaryPath,
        paxRecords: { "MSWINDOWS.rawsd": WINDOWS_RAWSD },
      },
    ];
  }
  return [
    { type: "dir", name: "ko-app", mode: 0o555 },
    {
      type: "file",
      name: `${APP_DIR}/${name}`,
      mode: 0o555,
      path: binaryPath,
      ...(os === "linux" && capabilityXattr
        ? { paxRecords: { [CAPABILITY_PAX_KEY]: capabilityXattr } }
        : {}),
    },
  ];
}

/** Everything that goes into the app image besides the base and the two layers. */
interface AppImageOptions {
  /** The import path without `ko://`. */
  readonly importPath: string;
  /** The target OS (`linux`, `windows`). */
  readonly os: string;
  /** `KO_DATA_DATE_EPOCH` as an RFC 3339 time, else zero. */
  readonly kodataCreated?: string;
  /** `SOURCE_DATE_EPOCH` as an RFC 3339 time: config `created` and the binary's history. */
  readonly created?: string;
  /** `--image-user`. */
  readonly user?: string;
  /** `--image-label` values. */
  readonly labels?: Readonly<Record<string, string>>;
  /** Manifest annotations (base name and digest, `--image-annotation`). */
  readonly annotations?: Readonly<Record<string, string>>;
}

/**
 * Appends the kodata and binary layers (and Delve's, when given) to a base and points the
 * config at the binary.
 */
export function appImage(
  base: Image,
  layers: { kodata: Layer; binary: Layer; delve?: Layer },
  o: AppImageOptions,
): Image {
  const name = appName(o.importPath);
  const appPath = `${APP_DIR}/${name}`;
  const createdBy = `ko build ko://${o.importPath}`;
  const debug = layers.delve !== undefined && o.os !== "windows";
  return mutateImage(base, {
    layers: [
      {
        layer: layers.kodata,
        history: {
          author: "ko",
          created: o.kodataCreated ?? ZERO_TIME,
          created_by: createdBy,
          comment: "kodata contents, at $KO_DATA_PATH",
        },
      },
      {
        layer: layers.binary,
        history: {
          author: "ko",
          created: o.created ?? ZERO_TIME,
          created_by: createdBy,
          comment: `go build output, at ${appPath}`,
        },
      },
      ...(debug
        ? [{
          layer: layers.delve!,
          history: {
            author: "ko",
            created: o.created ?? ZERO_TIME,
            created_by: createdBy,
            comment: `Delve debugger, at ${DELVE_PATH}`,
          },
        }]
        : []),
    ],
    editConfig: (cfg) => editConfig(cfg, name, o, debug),
    ...(o.annotations ? { annotations: o.annotations } : {}),
  });
}

function editConfig(cfg: ConfigFile, name: string, o: AppImageOptions, debug: boolean): void {
  const c = cfg.config;
  delete c.Cmd;
  if (o.os === "windows") {
    c.Entrypoint = [`C:\\ko-app\\${name}`];
    c.Env = appendToPath(c.Env ?? [], "C:\\ko-app");
    c.Env.push(`KO_DATA_PATH=C:\\var\\run\\ko`);
  } else {
    c.Entrypoint = debug
      ? [DELVE_PATH, ...DELVE_ARGS, `${APP_DIR}/${name}`]
      : [`${APP_DIR}/${name}`];
    c.Env = appendToPath(c.Env ?? [], APP_DIR);
    c.Env.push(`KO_DATA_PATH=${KODATA_ROOT}`);
  }
  cfg.author = KO_AUTHOR;
  if (o.labels && Object.keys(o.labels).length) c.Labels = { ...(c.Labels ?? {}), ...o.labels };
  if (o.user) c.User = o.user;
  if (o.created) cfg.created = o.created;
}

/** Appends `:<dir>` to the first well-formed `PATH=` entry, or adds `PATH=<dir>`. */
export function appendToPath(env: readonly string[], dir: string): string[] {
  const out = [...env];
  for (let i = 0; i < out.length; i++) {
    const eq = out[i]!.indexOf("=");
    if (eq < 0) continue;
    if (out[i]!.slice(0, eq) === "PATH") {
      out[i] = `PATH=${out[i]!.slice(eq + 1)}:${dir}`;
      return out;
    }
  }
  out.push(`PATH=${dir}`);
  return out;
}
