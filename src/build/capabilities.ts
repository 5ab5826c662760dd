/**
 * Linux file capabilities for the `linux_capabilities` build option: parsing the terms
 * (capability names, or `cap_from_text(3)` clauses such as `net_bind_service=ep`) and encoding
 * the `security.capability` extended attribute the kernel reads (`vfs_cap_data`, revision 2),
 * which the binary layer carries as a PAX record.
 */
import { errorMessage, KoError } from "../util/errors.ts";

/** PAX record key that carries the `security.capability` xattr in a tar entry. */
export const CAPABILITY_PAX_KEY = "SCHILY.xattr.security.capability";

/** Capability names without `cap_`, indexed by their bit number (Linux order, bits 0–40). */
export const CAPABILITY_NAMES: readonly string[] = [
  "chown",
  "dac_override",
  "dac_read_search",
  "fowner",
  "fsetid",
  "kill",
  "setgid",
  "setuid",
  "setpcap",
  "linux_immutable",
  "net_bind_service",
  "net_broadcast",
  "net_admin",
  "net_raw",
  "ipc_lock",
  "ipc_owner",
  "sys_module",
  "sys_rawio",
  "sys_chroot",
  "sys_ptrace",
  "sys_pacct",
  "sys_admin",
  "sys_boot",
  "sys_nice",
  "sys_resource",
  "sys_time",
  "sys_tty_config",
  "mknod",
  "lease",
  "audit_write",
  "audit_control",
  "setfcap",
  "mac_override",
  "mac_admin",
  "syslog",
  "wake_alarm",
  "block_suspend",
  "audit_read",
  "perfmon",
  "bpf",
  "checkpoint_restore",
];

const ALL_BITS = (1n << 64n) - 1n;

/** Every known capability (bits 0–40) as a mask. */
export const ALL_KNOWN_CAPABILITIES: bigint = (1n << BigInt(CAPABILITY_NAMES.length)) - 1n;

/** File capabilities: 64-bit permitted and inheritable masks, and the effective flag. */
export interface FileCaps {
  permitted: bigint;
  inheritable: bigint;
  /** Raise the permitted capabilities into the effective set on execve. */
  effective: boolean;
}

/**
 * The mask of one capability: a name (case-insensitive, optional `cap_` prefix), `all` for
 * every known one, or a bit number 0–63. Throws a KoError for anything else.
 */
export function parseCapability(s: string): bigint {
  if (/^[0-9]+$/.test(s) && Number(s) < 64) return 1n << BigInt(Number(s));
  let name = s.toLowerCase();
  if (name === "all") return ALL_KNOWN_CAPABILITIES;
  if (name.startsWith("cap_")) name = name.slice(4);
  const bit = CAPABILITY_NAMES.indexOf(name);
  if (bit >= 0) return 1n << BigInt(bit);
  throw new KoError(
    `unknown capability ${JSON.stringify(s)}: expected a name such as net_bind_service, ` +
      `"all", or a number 0-63`,
  );
}

/**
 * Parses `linux_capabilities` terms. A plain name adds to the permitted set; a clause
 * `caps<op>flags…` follows setcap: `=` clears the listed capabilities from every set and then
 * adds them to the flagged ones, `+` adds, `-` removes; flags are `p`, `i`, `e`; an empty list
 * before `=` means all. Returns undefined when neither permitted nor inheritable ends up
 * non-empty (nothing to write). Throws a KoError quoting a bad term.
 */
export function parseCapabilities(terms: readonly string[]): FileCaps | undefined {
  let permitted = 0n;
  let inheritable = 0n;
  let effective = 0n;
  for (const term of terms) {
    const op = term.search(/[+\-=]/);
    if (op < 0) {
      permitted |= parseCapability(term);
      continue;
    }
    let caps = term.slice(0, op);
    const actions = term.slice(op);
    if (caps === "" && actions[0] === "=") caps = "all";
    let mask = 0n;
    for (const name of caps.split(",")) {
      try {
        mask |= parseCapability(name);
      } catch (e) {
        throw new KoError(
          `invalid capability clause ${JSON.stringify(term)}: ${errorMessage(e)}`,
        );
      }
    }
    let keep = 0n;
    for (const c of actions) {
      switch (c) {
        case "+":
          keep = ALL_BITS;
          break;
        case "-":
          keep = ALL_BITS & ~mask;
          break;
        case "=":
          keep = ALL_BITS;
          permitted &= ~mask;
          inheritable &= ~mask;
          effective &= ~mask;
          break;
        case "p":
          permitted = (permitted | mask) & keep;
          break;
        case "i":
          inheritable = (inheritable | mask) & keep;
          break;
        case "e":
          effective = (effective | mask) & keep;
          break;
        default:
          throw new KoError(
            `invalid capability clause ${JSON.stringify(term)}: unknown flag ${
              JSON.stringify(c)
            }: expected p, i or e after =, + or -`,
          );
      }
    }
  }
  if (permitted === 0n && inheritable === 0n) return undefined;
  return { permitted, inheritable, effective: effective !== 0n };
}

/**
 * The `security.capability` xattr value (Linux `vfs_cap_data`, VFS_CAP_REVISION_2): 20 bytes,
 * little endian: `0x02000000 | effective`, permitted low 32 bits, inheritable low, permitted
 * high, inheritable high.
 */
export function encodeCapabilityXattr(caps: FileCaps): Uint8Array {
  const out = new Uint8Array(20);
  const view = new DataView(out.buffer);
  const lo = (m: bigint) => Number(m & 0xffffffffn);
  const hi = (m: bigint) => Number((m >> 32n) & 0xffffffffn);
  view.setUint32(0, 0x02000000 | (caps.effective ? 1 : 0), true);
  view.setUint32(4, lo(caps.permitted), true);
  view.setUint32(8, lo(caps.inheritable), true);
  view.setUint32(12, hi(caps.permitted), true);
  view.setUint32(16, hi(caps.inheritable), true);
  return out;
}
