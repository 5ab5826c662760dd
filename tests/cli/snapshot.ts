/**
 * Golden-file assertions: compares text with tests/cli/__snapshots__/<name>; running the test
 * with UPDATE_SNAPSHOTS=1 rewrites the file instead.
 */
import { equal } from "node:assert/strict";

const dir = new URL("./__snapshots__/", import.meta.url);

/** Asserts that `actual` equals the stored snapshot `name` (or stores it when updating). */
export async function assertSnapshot(name: string, actual: string): Promise<void> {
  const file = new URL(name, dir);
  if (Deno.env.get("UPDATE_SNAPSHOTS") === "1") {
    await Deno.mkdir(dir, { recursive: true });
    await Deno.writeTextFile(file, actual);
    return;
  }
  let expected: string;
  try {
    expected = await Deno.readTextFile(file);
  } catch {
    throw new Error(`no snapshot ${name}: run the test with UPDATE_SNAPSHOTS=1 to create it`);
  }
  equal(actual, expected, `snapshot ${name} differs (UPDATE_SNAPSHOTS=1 updates it)`);
}
