/**
 * The one plain-HTTP rule (scheme.ts): which registries may be spoken to over plain HTTP, and
 * which of those are asked over plain HTTP first.
 */
import { equal } from "node:assert/strict";
import {
  allowsPlainHttp,
  internalAddress,
  registryHost,
  triesPlainHttpFirst,
} from "../../src/registry/scheme.ts";

/** On this machine: plain HTTP allowed, and asked first. */
const LOOPBACK = [
  "localhost",
  "localhost:5000",
  "LOCALHOST:5000",
  "registry.localhost",
  "registry.localhost:5000",
  "reg.localhost:80",
  "127.0.0.1",
  "127.0.0.1:5000",
  "127.1.2.3:5000",
  "127.1.2.3:80",
  "::1",
  "[::1]",
  "[::1]:5000",
  "0:0:0:0:0:0:0:1",
];

/** RFC 1918 addresses: plain HTTP allowed as a fallback, HTTPS asked first. */
const PRIVATE = [
  "10.0.0.1",
  "10.0.0.1:5000",
  "10.255.255.255:5000",
  "172.16.0.1",
  "172.31.255.255:443",
  "192.168.1.10:5000",
];

/** HTTPS only, unless named by --insecure-registry. */
const PUBLIC = [
  "ghcr.io",
  "index.docker.io",
  "localhost.example.com",
  "mylocalhost",
  "128.0.0.1",
  "172.15.0.1",
  "172.32.0.1",
  "192.169.0.1",
  "11.0.0.1",
  "8.8.8.8:53",
  "0.0.0.0:5000",
  "127.0.0.256",
  "[::2]:5000",
  "[2001:db8::1]:5000",
  "localhost:abc",
  "",
];

Deno.test("allowsPlainHttp: loopback and RFC 1918 hosts, with or without port", () => {
  for (const r of [...LOOPBACK, ...PRIVATE]) equal(allowsPlainHttp(r), true, r);
  for (const r of PUBLIC) equal(allowsPlainHttp(r), false, r);
});

Deno.test("triesPlainHttpFirst: only registries on this machine", () => {
  for (const r of LOOPBACK) equal(triesPlainHttpFirst(r), true, r);
  for (const r of [...PRIVATE, ...PUBLIC]) equal(triesPlainHttpFirst(r), false, r);
});

Deno.test("allowsPlainHttp honours --insecure-registry for the registry it names only", () => {
  equal(allowsPlainHttp("reg.internal:5000", ["reg.internal:5000"]), true);
  equal(allowsPlainHttp("Reg.Internal:5000", ["https://reg.internal:5000/"]), true);
  equal(allowsPlainHttp("reg.internal", ["reg.internal:443"]), true);
  // Another port of the same host is another registry (a base image's, say).
  equal(allowsPlainHttp("reg.internal:5000", ["reg.internal"]), false);
  equal(allowsPlainHttp("reg.internal", ["reg.internal:5000"]), false);
  equal(allowsPlainHttp("reg.internal:5000", ["other:5000"]), false);
  equal(allowsPlainHttp("registry.internal.example", ["registry.internal.example"]), true);
  equal(allowsPlainHttp("registry.internal.example"), false);
  equal(allowsPlainHttp("ghcr.io"), false);
  equal(triesPlainHttpFirst("reg.internal:5000"), false, "insecure is a fallback, not a first try");
});

Deno.test("registryHost strips ports and brackets", () => {
  equal(registryHost("[::1]:5000"), "::1");
  equal(registryHost("Host:443"), "host");
});

Deno.test("internalAddress: loopback, private and link-local addresses, as URLs spell them", () => {
  const kinds: Record<string, string | undefined> = {
    "127.0.0.2": "loopback",
    "localhost": "loopback",
    "0.0.0.0": "loopback",
    "[::1]": "loopback",
    "[::]": "loopback",
    "10.1.2.3": "private",
    "172.31.0.1": "private",
    "192.168.1.1": "private",
    "[fd00::1]": "private",
    "[fc12:3456::1]": "private",
    "169.254.169.254": "link-local",
    "[fe80::1]": "link-local",
    "172.32.0.1": undefined,
    "8.8.8.8": undefined,
    "[2001:db8::1]": undefined,
    "registry.example": undefined,
    "fd.example": undefined,
  };
  for (const [host, kind] of Object.entries(kinds)) equal(internalAddress(host), kind, host);
  // WHATWG URLs normalise other spellings (decimal, hex, IPv4-mapped) before the check.
  for (const spelled of ["2130706434", "0x7f000002", "[::ffff:127.0.0.2]", "[::ffff:a9fe:a9fe]"]) {
    const { hostname } = new URL(`http://${spelled}/`);
    equal(internalAddress(hostname) !== undefined, true, `${spelled} → ${hostname}`);
  }
});
