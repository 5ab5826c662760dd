/**
 * The live view (src/progress/live_view.ts) drawn into a recording terminal: lines redrawn in
 * place, cut to the width (no wrapping at 40 columns), colours only when asked, lines logged
 * meanwhile printed above it, and the cursor hidden while it draws and shown again after.
 */
import { equal, ok } from "node:assert/strict";
import { LiveView, type UnitView } from "../../src/progress/live_view.ts";

const ESC = "\x1b";
/** Any colour (SGR) escape sequence. */
const SGR = new RegExp(`${ESC}\\[[0-9;]*m`, "g");

/** A terminal that keeps what is written, and the screen lines it would show. */
function terminal() {
  let written = "";
  return {
    write: (text: string) => void (written += text),
    get written() {
      return written;
    },
    /** The visible lines after replaying cursor-up-and-clear sequences. */
    screen(): string[] {
      const lines: string[] = [];
      let row = 0;
      const parts = written.split(new RegExp(`(${ESC}\\[\\d+F${ESC}\\[J|${ESC}\\[\\?25[lh])`));
      for (const part of parts) {
        const up = new RegExp(`^${ESC}\\[(\\d+)F${ESC}\\[J$`).exec(part);
        if (up) {
          row -= Number(up[1]);
          lines.length = row;
          continue;
        }
        if (new RegExp(`^${ESC}\\[\\?25[lh]$`).test(part)) continue;
        for (const [i, piece] of part.split("\n").entries()) {
          if (i > 0) row++;
          if (piece !== "") lines[row] = (lines[row] ?? "") + piece;
        }
      }
      return lines.filter((l) => l !== undefined);
    },
  };
}

function unit(partial: Partial<UnitView> & { image: string }): UnitView {
  return { since: performance.now(), uploads: [], ...partial };
}

Deno.test("the view shows one line per image and platform, with phases and upload bytes", () => {
  const t = terminal();
  const view = new LiveView({ write: t.write, columns: () => 120, color: false });
  try {
    const amd64 = unit({ image: "ko://example.com/app/cmd/app", platform: "linux/amd64" });
    const arm64 = unit({ image: "ko://example.com/app/cmd/app", platform: "linux/arm64" });
    view.add(amd64);
    view.add(arm64);
    amd64.phase = "go build";
    arm64.phase = "uploading";
    arm64.uploads.push({
      digest: "sha256:ab",
      sent: 1_500_000,
      total: 3_000_000,
      start: performance.now() - 1000,
    });
    view.changed();
    view.above("2026/01/01 00:00:00 WARNING: something");
    const screen = t.screen();
    equal(screen.length, 3, screen.join("\n"));
    equal(screen[0], "2026/01/01 00:00:00 WARNING: something");
    ok(/^app linux\/amd64\s+go build\s/.test(screen[1]!), screen[1]);
    ok(/^app linux\/arm64\s+uploading\s+1\.5 MB\/3\.0 MB 1\.\d MB\/s/.test(screen[2]!), screen[2]);
    ok(t.written.startsWith("\x1b[?25l"), "the cursor is hidden while drawing");
  } finally {
    view.stop();
  }
  ok(t.written.endsWith("\x1b[?25h"), "and shown again");
  equal(t.screen().filter((l) => l.startsWith("app ")).length, 0, "the view is gone");
});

Deno.test("a narrow terminal gets lines cut to its width, never wrapped", () => {
  const t = terminal();
  const view = new LiveView({ write: t.write, columns: () => 40, color: true });
  try {
    const u = unit({
      image: "ko://example.com/a/very/long/import/path/name",
      platform: "linux/arm/v7",
    });
    view.add(u);
    u.phase = "uploading";
    u.uploads.push({ digest: "sha256:cd", sent: 10, total: 20_000_000, start: performance.now() });
    view.above("x".repeat(100));
    for (const line of t.screen()) {
      const visible = line.replace(SGR, "");
      ok(visible.length <= 39, `${visible.length}: ${visible}`);
    }
  } finally {
    view.stop();
  }
});

Deno.test("without colours no escape sequence but the cursor's is written", () => {
  const t = terminal();
  const view = new LiveView({ write: t.write, columns: () => 80, color: false });
  const u = unit({ image: "ko://example.com/app" });
  view.add(u);
  u.phase = "done";
  view.changed();
  view.above("line");
  view.stop();
  equal(SGR.test(t.written), false);
});
