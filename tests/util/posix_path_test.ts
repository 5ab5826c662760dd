/** src/util/posix_path.ts against Node's `path.posix` on generated paths. */
import { equal } from "node:assert/strict";
import { posix } from "node:path";
import {
  dirname,
  isAbsolute,
  join,
  normalize,
  relative,
  resolve,
  sep,
} from "../../src/util/posix_path.ts";

const PIECES = ["", "/", "//", "a", "b", "c.d", ".", "..", "a/", "/a", "../x", "./y/", "é"];

/** Every path of up to three pieces, plus a few odd ones. */
function paths(): string[] {
  const out = new Set<string>(["", "/", ".", "..", "./", "../", "a/b/../../..", "/a/b/../../.."]);
  for (const x of PIECES) {
    for (const y of PIECES) {
      out.add(x + y);
      for (const z of PIECES) out.add(`${x}${y}/${z}`);
    }
  }
  return [...out];
}

Deno.test("normalize, dirname and isAbsolute agree with node:path", () => {
  for (const p of paths()) {
    equal(normalize(p), posix.normalize(p), `normalize(${JSON.stringify(p)})`);
    equal(dirname(p), posix.dirname(p), `dirname(${JSON.stringify(p)})`);
    equal(isAbsolute(p), posix.isAbsolute(p), `isAbsolute(${JSON.stringify(p)})`);
  }
  equal(sep, posix.sep);
});

Deno.test("join, resolve and relative agree with node:path", () => {
  const all = paths();
  for (const p of all) {
    for (const q of ["", "/", "a", "../b", "/c/d/", "./e"]) {
      const args = JSON.stringify([p, q]);
      equal(join(p, q), posix.join(p, q), `join${args}`);
      equal(join(q, p, q), posix.join(q, p, q), `join${args}`);
      equal(resolve(p, q), posix.resolve(p, q), `resolve${args}`);
      equal(resolve("/base/dir", p), posix.resolve("/base/dir", p), `resolve${args}`);
      equal(relative(p, q), posix.relative(p, q), `relative${args}`);
      equal(relative(q, p), posix.relative(q, p), `relative${args}`);
    }
  }
  equal(join(), posix.join());
  equal(resolve(), posix.resolve());
});
