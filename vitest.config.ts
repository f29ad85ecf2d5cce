import { configDefaults, defineConfig } from "vitest/config";

// The suites that open a database run twice when TEST_DATABASE_URL names a PostgreSQL server
// (an admin URL; .ci/run starts a throwaway one): once on embedded PGlite, once on the server.
// The project name (|embedded|, |server|) stands before every file and test in the output.
const DATABASE_SUITES = ["test/store/**/*.test.ts", "test/services/**/*.test.ts", "test/e2e/**/*.test.ts", "test/reliability/**/*.test.ts"];
// Several bot processes on one server: only meaningful there.
const SERVER_ONLY = ["test/multi/**/*.test.ts"];

const serverUrl = process.env.TEST_DATABASE_URL?.trim() || undefined;
// Vitest evaluates this file once more for each project that extends it: say it once.
if (!serverUrl && !process.env.DD_NO_SERVER_NOTICE) {
  process.env.DD_NO_SERVER_NOTICE = "1";
  process.stdout.write(
    "PostgreSQL server runs skipped: TEST_DATABASE_URL is not set, so the database suites run on embedded PGlite only and test/multi is skipped (.ci/run starts a server).\n",
  );
}

export default defineConfig({
  test: {
    // A guard against hangs, not a speed target: on CI's 2 cores, with the database suites
    // running twice side by side, multi-round race tests on PGlite took just over 30 s.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // PGlite and the e2e apps are memory-hungry; 2 cores on CI.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          exclude: [...configDefaults.exclude, ...DATABASE_SUITES, ...SERVER_ONLY],
          env: { TEST_DB: "", TEST_DATABASE_URL: "" },
        },
      },
      {
        extends: true,
        test: {
          name: "embedded",
          // Without a server, test/multi runs here so that its skipped tests say why.
          include: serverUrl ? DATABASE_SUITES : [...DATABASE_SUITES, ...SERVER_ONLY],
          env: { TEST_DB: "embedded", TEST_DATABASE_URL: "" },
        },
      },
      ...(serverUrl
        ? [
            {
              extends: true as const,
              test: {
                name: "server",
                include: [...DATABASE_SUITES, ...SERVER_ONLY],
                env: { TEST_DB: "server", TEST_DATABASE_URL: serverUrl },
              },
            },
          ]
        : []),
    ],
  },
});
