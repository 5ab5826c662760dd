import { deepEqual, equal, throws } from "node:assert/strict";
import {
  ALL_KNOWN_CAPABILITIES,
  CAPABILITY_NAMES,
  CAPABILITY_PAX_KEY,
  encodeCapabilityXattr,
  type FileCaps,
  parseCapabilities,
  parseCapability,
} from "../../src/build/capabilities.ts";
import { KoError } from "../../src/util/errors.ts";
import { programsMissing, requires, rootMissing } from "../helpers/requires.ts";

const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

/**
 * `security.capability` values the Linux kernel stored for `setcap cap_<name>=eip FILE`, read
 * back with `getfattr -n security.capability --only-values` (libcap2-bin 2.66, Linux 6.18).
 */
const KERNEL_EIP_XATTRS: readonly [string, string][] = [
  ["chown", "AQAAAgEAAAABAAAAAAAAAAAAAAA="],
  ["dac_override", "AQAAAgIAAAACAAAAAAAAAAAAAAA="],
  ["dac_read_search", "AQAAAgQAAAAEAAAAAAAAAAAAAAA="],
  ["fowner", "AQAAAggAAAAIAAAAAAAAAAAAAAA="],
  ["fsetid", "AQAAAhAAAAAQAAAAAAAAAAAAAAA="],
  ["kill", "AQAAAiAAAAAgAAAAAAAAAAAAAAA="],
  ["setgid", "AQAAAkAAAABAAAAAAAAAAAAAAAA="],
  ["setuid", "AQAAAoAAAACAAAAAAAAAAAAAAAA="],
  ["setpcap", "AQAAAgABAAAAAQAAAAAAAAAAAAA="],
  ["linux_immutable", "AQAAAgACAAAAAgAAAAAAAAAAAAA="],
  ["net_bind_service", "AQAAAgAEAAAABAAAAAAAAAAAAAA="],
  ["net_broadcast", "AQAAAgAIAAAACAAAAAAAAAAAAAA="],
  ["net_admin", "AQAAAgAQAAAAEAAAAAAAAAAAAAA="],
  ["net_raw", "AQAAAgAgAAAAIAAAAAAAAAAAAAA="],
  ["ipc_lock", "AQAAAgBAAAAAQAAAAAAAAAAAAAA="],
  ["ipc_owner", "AQAAAgCAAAAAgAAAAAAAAAAAAAA="],
  ["sys_module", "AQAAAgAAAQAAAAEAAAAAAAAAAAA="],
  ["sys_rawio", "AQAAAgAAAgAAAAIAAAAAAAAAAAA="],
  ["sys_chroot", "AQAAAgAABAAAAAQAAAAAAAAAAAA="],
  ["sys_ptrace", "AQAAAgAACAAAAAgAAAAAAAAAAAA="],
  ["sys_pacct", "AQAAAgAAEAAAABAAAAAAAAAAAAA="],
  ["sys_admin", "AQAAAgAAIAAAACAAAAAAAAAAAAA="],
  ["sys_boot", "AQAAAgAAQAAAAEAAAAAAAAAAAAA="],
  ["sys_nice", "AQAAAgAAgAAAAIAAAAAAAAAAAAA="],
  ["sys_resource", "AQAAAgAAAAEAAAABAAAAAAAAAAA="],
  ["sys_time", "AQAAAgAAAAIAAAACAAAAAAAAAAA="],
  ["sys_tty_config", "AQAAAgAAAAQAAAAEAAAAAAAAAAA="],
  ["mknod", "AQAAAgAAAAgAAAAIAAAAAAAAAAA="],
  ["lease", "AQAAAgAAABAAAAAQAAAAAAAAAAA="],
  ["audit_write", "AQAAAgAAACAAAAAgAAAAAAAAAAA="],
  ["audit_control", "AQAAAgAAAEAAAABAAAAAAAAAAAA="],
  ["setfcap", "AQAAAgAAAIAAAACAAAAAAAAAAAA="],
  ["mac_override", "AQAAAgAAAAAAAAAAAQAAAAEAAAA="],
  ["mac_admin", "AQAAAgAAAAAAAAAAAgAAAAIAAAA="],
  ["syslog", "AQAAAgAAAAAAAAAABAAAAAQAAAA="],
  ["wake_alarm", "AQAAAgAAAAAAAAAACAAAAAgAAAA="],
  ["block_suspend", "AQAAAgAAAAAAAAAAEAAAABAAAAA="],
  ["audit_read", "AQAAAgAAAAAAAAAAIAAAACAAAAA="],
  ["perfmon", "AQAAAgAAAAAAAAAAQAAAAEAAAAA="],
  ["bpf", "AQAAAgAAAAAAAAAAgAAAAIAAAAA="],
  ["checkpoint_restore", "AQAAAgAAAAAAAAAAAAEAAAABAAA="],
];

/** More kernel-stored values: the setcap text, our terms, and the base64 xattr. */
const KERNEL_OTHER_XATTRS: readonly [setcap: string, terms: string[], xattr: string][] = [
  ["cap_chown=p", ["chown"], "AAAAAgEAAAAAAAAAAAAAAAAAAAA="],
  ["cap_chown=ep", ["chown=ep"], "AQAAAgEAAAAAAAAAAAAAAAAAAAA="],
  ["cap_chown=i", ["chown=i"], "AAAAAgAAAAABAAAAAAAAAAAAAAA="],
  ["cap_chown=pi cap_net_raw=p", ["cap_chown=pi", "NET_RAW"], "AAAAAgEgAAABAAAAAAAAAAAAAAA="],
  ["all=p", ["all"], "AAAAAv////8AAAAA/wEAAAAAAAA="],
  ["=ep", ["=ep"], "AQAAAv////8AAAAA/wEAAAAAAAA="],
];

Deno.test("parseCapability accepts names in any case, with or without cap_", () => {
  equal(parseCapability("chown"), 1n);
  equal(parseCapability("cap_chown"), 1n);
  equal(parseCapability("cAp_cHoWn"), 1n);
  equal(parseCapability("CAP_NET_BIND_SERVICE"), 1n << 10n);
  equal(parseCapability("checkpoint_restore"), 1n << 40n);
});

Deno.test("parseCapability accepts bit numbers 0-63 and all", () => {
  equal(parseCapability("0"), 1n);
  equal(parseCapability("63"), 1n << 63n);
  equal(parseCapability("007"), 1n << 7n);
  equal(parseCapability("all"), ALL_KNOWN_CAPABILITIES);
  equal(parseCapability("ALL"), (1n << 41n) - 1n);
});

Deno.test("parseCapability rejects unknown names and numbers past 63", () => {
  for (const bad of ["64", "unknown", "", "cap_all", "-1", "1e3", "cap_cap_chown"]) {
    throws(() => parseCapability(bad), KoError, bad);
  }
  throws(() => parseCapability("64"), { message: /^unknown capability "64": expected/ });
});

Deno.test("capability names are the standard Linux list, bits 0 to 40", () => {
  equal(CAPABILITY_NAMES.length, 41);
  equal(CAPABILITY_NAMES[0], "chown");
  equal(CAPABILITY_NAMES[31], "setfcap");
  equal(CAPABILITY_NAMES[32], "mac_override");
  deepEqual(CAPABILITY_NAMES, KERNEL_EIP_XATTRS.map(([n]) => n));
});

Deno.test("parseCapabilities follows setcap clause semantics", () => {
  const caps = (permitted: bigint, inheritable = 0n, effective = false): FileCaps => ({
    permitted,
    inheritable,
    effective,
  });
  const cases: [string[], FileCaps | undefined][] = [
    [[], undefined],
    [["chown", "dac_override", "dac_read_search"], caps(7n)],
    [["chown,dac_override,dac_read_search=p"], caps(7n)],
    [["chown,dac_override,dac_read_search=i"], caps(0n, 7n)],
    // Effective alone is not written: nothing is permitted or inheritable.
    [["chown,dac_override,dac_read_search=e"], undefined],
    [["chown,dac_override,dac_read_search=pe"], caps(7n, 0n, true)],
    [["=pe"], caps(ALL_KNOWN_CAPABILITIES, 0n, true)],
    // `=` first clears the listed capabilities from every set.
    [["chown=ie", "chown=p"], caps(1n)],
    [["chown=ie", "chown="], undefined],
    [["chown=ie", "chown+p"], caps(1n, 1n, true)],
    [["chown=pie", "dac_override,chown-p"], caps(0n, 1n, true)],
    [["net_raw+p-e"], caps(1n << 13n)],
    [["chown=p", "net_raw=p", "chown-p"], caps(1n << 13n)],
    [["63=i"], caps(0n, 1n << 63n)],
    [["="], undefined],
  ];
  for (const [terms, want] of cases) {
    deepEqual(parseCapabilities(terms), want, terms.join(":"));
  }
});

Deno.test("parseCapabilities rejects malformed clauses", () => {
  const cases: [string[], RegExp][] = [
    [["chown,=pie"], /^invalid capability clause "chown,=pie": unknown capability ""/],
    [["-pie"], /^invalid capability clause "-pie": unknown capability ""/],
    [["+pie"], /^invalid capability clause "\+pie": unknown capability ""/],
    [["chown=px"], /^invalid capability clause "chown=px": unknown flag "x"/],
    [["bogus=p"], /^invalid capability clause "bogus=p": unknown capability "bogus"/],
    [["64"], /^unknown capability "64"/],
  ];
  for (const [terms, message] of cases) {
    throws(
      () => parseCapabilities(terms),
      (e: unknown) => e instanceof KoError && message.test(e.message),
    );
  }
});

Deno.test("encodeCapabilityXattr matches the kernel's bytes for every capability with =eip", () => {
  for (const [name, want] of KERNEL_EIP_XATTRS) {
    const caps = parseCapabilities([`${name}=eip`])!;
    equal(b64(encodeCapabilityXattr(caps)), want, name);
  }
});

Deno.test("encodeCapabilityXattr matches the kernel's bytes for =p, =ep, =i and mixed sets", () => {
  for (const [setcap, terms, want] of KERNEL_OTHER_XATTRS) {
    equal(b64(encodeCapabilityXattr(parseCapabilities(terms)!)), want, setcap);
  }
});

Deno.test("encodeCapabilityXattr lays out 20 little-endian bytes with the high words last", () => {
  const bytes = encodeCapabilityXattr({
    permitted: 0x0000_0102_0304_0506n,
    inheritable: 0x8000_0000_0000_0001n,
    effective: true,
  });
  deepEqual(
    Array.from(bytes),
    [1, 0, 0, 2, 6, 5, 4, 3, 1, 0, 0, 0, 2, 1, 0, 0, 0, 0, 0, 0x80],
  );
  equal(CAPABILITY_PAX_KEY, "SCHILY.xattr.security.capability");
});

// The live cross-check needs root plus setcap and getfattr (Debian's libcap2-bin and attr).
Deno.test({
  ...requires(
    "encodeCapabilityXattr agrees with setcap on a real file (live kernel check)",
    programsMissing("setcap", "getfattr"),
    rootMissing(),
  ),
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "ko-caps-" });
    const file = `${dir}/bin`;
    try {
      await Deno.writeFile(file, new Uint8Array(0));
      const checks: [string, string[]][] = [
        ["cap_net_bind_service=ep", ["net_bind_service=ep"]],
        ["cap_chown,cap_kill=pi", ["chown,kill=pi"]],
        ["cap_bpf,cap_perfmon+eip", ["bpf,perfmon+eip"]],
        ["cap_setfcap=p", ["setfcap"]],
      ];
      for (const [setcap, terms] of checks) {
        const set = await new Deno.Command("setcap", { args: [setcap, file], stderr: "piped" })
          .output();
        equal(set.success, true, new TextDecoder().decode(set.stderr));
        const get = await new Deno.Command("getfattr", {
          args: ["-n", "security.capability", "--only-values", file],
          stdout: "piped",
          stderr: "null",
        }).output();
        equal(get.success, true);
        // Revision 3 (with a namespace root id) appears only inside user namespaces.
        equal(b64(get.stdout), b64(encodeCapabilityXattr(parseCapabilities(terms)!)), setcap);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
