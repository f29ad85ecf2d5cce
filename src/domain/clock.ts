// The time as the bot sees it. Every use case reads it through its context (ServiceContext.now),
// and the reminders' scheduler through the same clock, so tests and the sandbox can move time
// forward (src/sandbox/clock.ts) without touching the machine's clock. Request signatures and
// database leases keep the real time.

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = Object.freeze({ now: () => new Date() });
