import { equal, match } from "node:assert/strict";
import { KoError } from "../../src/util/errors.ts";
import { isVerbose } from "../../src/util/log.ts";
import { failure, ko } from "./harness.ts";

Deno.test("an unimplemented verb fails with one line and exit code 1", async () => {
  const run = await ko(["resolve", "-f", "x.yaml"], {
    handlers: { resolve: () => Promise.reject(new KoError("ko resolve is not implemented yet")) },
  });
  equal(run.code, 1);
  equal(run.stderr, "Error: ko resolve is not implemented yet\n");
  equal(run.stdout, "");
});

Deno.test("a KoError from a handler keeps its exit code and prints no stack", async () => {
  const run = await ko(["build"], {
    handlers: { build: () => Promise.reject(new KoError("pushing: denied", { exitCode: 3 })) },
  });
  equal(run.code, 3);
  equal(run.stderr, "Error: pushing: denied\n");
});

Deno.test("with -v an unexpected error also prints its stack", async () => {
  const boom = () => Promise.reject(new TypeError("undefined is not a function"));
  const quiet = await ko(["build"], { handlers: { build: boom } });
  equal(quiet.code, 1);
  equal(quiet.stderr, "Error: undefined is not a function\n");
  const loud = await ko(["-v", "build"], { handlers: { build: boom } });
  equal(loud.code, 1);
  match(
    loud.stderr,
    /^Error: undefined is not a function\nTypeError: undefined is not a function\n\s+at /,
  );
});

Deno.test("-v turns debug logging on for the run and off again afterwards", async () => {
  let during = false;
  const run = await ko(["build", "--verbose"], {
    handlers: {
      build: () => {
        during = isVerbose();
        return Promise.resolve();
      },
    },
  });
  equal(run.code, 0);
  equal(during, true);
  equal(isVerbose(), false);
});

Deno.test("error messages never show credentials", async () => {
  const run = await ko(["build"], {
    handlers: {
      build: () => Promise.reject(new KoError("GET failed: Authorization: Bearer abc.def.ghi")),
    },
  });
  equal(run.stderr, "Error: GET failed: Authorization: Bearer <redacted>\n");
});

Deno.test("a credential field inside an error message is redacted, not a crash", async () => {
  const run = await ko(["login", "ghcr.io", "-u", "me", "-p", "s3cret"], {
    handlers: {
      login: () =>
        Promise.reject(
          new KoError(
            'helper failed, out: `{"ServerURL":"ghcr.io","Username":"me","Secret":"s3cret"}`',
          ),
        ),
    },
  });
  equal(run.code, 1);
  equal(
    run.stderr,
    'Error: helper failed, out: `{"ServerURL":"ghcr.io","Username":"me","Secret":"<redacted>"}`\n',
  );
});

Deno.test("an unknown command suggests a close one", async () => {
  const run = await failure(["biuld"]);
  equal(
    run.stderr,
    'Error: unknown command "biuld" for "ko" (did you mean "build"?)\nRun \'ko --help\' for usage.\n',
  );
  match((await failure(["zzz"])).stderr, /^Error: unknown command "zzz" for "ko"\n/);
});

Deno.test("usage is not printed on errors, stdout stays empty", async () => {
  const run = await failure(["build", "--nope"]);
  equal(run.stdout, "");
  equal(run.stderr.split("\n").length, 3); // error line, hint line, final newline
});

Deno.test("an aborted signal makes a run exit 130 even if the handler ignores it", async () => {
  const controller = new AbortController();
  const run = await ko(["build"], {
    signal: controller.signal,
    handlers: {
      build: () => {
        controller.abort();
        return Promise.resolve();
      },
    },
  });
  equal(run.code, 130);
  equal(run.stderr, "Error: interrupted\n");
});
