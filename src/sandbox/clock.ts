// The sandbox's clock: the real time plus an offset that only grows, moved forward from the page
// ("+1 h", "+1 day", "+1 week") so that a person can see reminders come due without waiting
// days. The bot reads it for every use case and for its reminders' scheduler; the Slack stand-in
// dates its messages with it. The offset is kept in the data folder, so a restarted sandbox does
// not go back in time behind what it stored (`--reset` forgets it with the database).
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import type { Clock } from "../domain/clock.js";

export const CLOCK_FILE = "sandbox-clock.json";

/** Steps the page offers, by the name it sends. */
export const CLOCK_STEPS = { hour: 3_600_000, day: 86_400_000, week: 7 * 86_400_000 } as const;
export type ClockStep = keyof typeof CLOCK_STEPS;

/** Largest offset the sandbox accepts: ten years ahead. */
const MAX_OFFSET_MS = 10 * 365 * 86_400_000;

export interface ClockState {
  /** the simulated time, ISO 8601 UTC */
  now: string;
  /** how far ahead of the real time it is, in milliseconds */
  offsetMs: number;
}

export interface AdjustableClock extends Clock {
  readonly offsetMs: number;
  /** moves the clock forward by `ms` (> 0) and keeps the offset in the data folder */
  advance(ms: number): Promise<ClockState>;
  state(): ClockState;
}

const Saved = z.object({ offsetMs: z.number().int().min(0).max(MAX_OFFSET_MS) });

/**
 * The clock of a sandbox whose data lives in `dataDir` (null: nothing kept, for tests), starting
 * at the offset saved there. `realNow` is the machine's clock (tests pass their own).
 */
export async function openSandboxClock(dataDir: string | null, realNow: () => number = Date.now): Promise<AdjustableClock> {
  const file = dataDir === null ? null : join(dataDir, CLOCK_FILE);
  let offsetMs = 0;
  if (file) {
    const saved = await readFile(file, "utf8").then(
      (text) => Saved.safeParse(JSON.parse(text) as unknown),
      () => null,
    );
    if (saved?.success) offsetMs = saved.data.offsetMs;
  }
  const state = (): ClockState => ({ now: new Date(realNow() + offsetMs).toISOString(), offsetMs });
  return {
    get offsetMs() {
      return offsetMs;
    },
    now: () => new Date(realNow() + offsetMs),
    state,
    async advance(ms) {
      if (!Number.isFinite(ms) || ms <= 0) throw new RangeError("the sandbox clock only moves forward");
      if (offsetMs + ms > MAX_OFFSET_MS) throw new RangeError("the sandbox clock goes at most ten years ahead; start with --reset to begin again");
      offsetMs += Math.round(ms);
      if (file) await writeFile(file, `${JSON.stringify({ offsetMs })}\n`);
      return state();
    },
  };
}

/** Forgets the saved offset (`npm start -- --reset`). */
export async function forgetSandboxClock(dataDir: string): Promise<void> {
  await rm(join(dataDir, CLOCK_FILE), { force: true });
}
