import { equal } from "node:assert/strict";
import {
  allowsPlainHttp,
  isLinkLocalHost,
  isLocalRegistry,
  registryHost,
} from "../../src/registry/scheme.ts";

Deno.test("isLocalRegistry recognises localhost, *.localhost, 127.0.0.0/8 and ::1 with or without port", () => {
  for (
    const r of [
      "localhost",
      "localhost:5000",
      "reg.localhost:80",
      "127.0.0.1",
      "127.1.2.3:5000",
      "[::1]:5000",
      "::1",
    ]
  ) {
    equal(isLocalRegistry(r), true, r);
  }
  for (const r of ["ghcr.io", "10.0.0.1:5000", "localhost.example.com", "128.0.0.1"]) {
    equal(isLocalRegistry(r), false, r);
  }
});

Deno.test("allowsPlainHttp honours --insecure-registry entries with or without port", () => {
  equal(allowsPlainHttp("reg.internal:5000", ["reg.internal:5000"]), true);
  equal(allowsPlainHttp("reg.internal:5000", ["reg.internal"]), true);
  equal(allowsPlainHttp("reg.internal:5000", ["other:5000"]), false);
  equal(allowsPlainHttp("ghcr.io"), false);
});

Deno.test("registryHost strips ports and brackets; isLinkLocalHost spots metadata hosts", () => {
  equal(registryHost("[::1]:5000"), "::1");
  equal(registryHost("Host:443"), "host");
  equal(isLinkLocalHost("169.254.169.254"), true);
  equal(isLinkLocalHost("[fe80::1]"), true);
  equal(isLinkLocalHost("127.0.0.1"), false);
});
