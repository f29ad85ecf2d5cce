// `npm start` caps V8's heap (`--max-old-space-size` in package.json's start script; see the
// README, "Memory limit"): without a cap V8 grows its heap under fast requests far past what the
// bot keeps alive. A cap too small for what the bot loaded at start (large restricted-party lists)
// would end in an out-of-memory crash under load, so the start says so while there is time.

export interface HeapReading {
  /** bytes in use on V8's heap (v8.getHeapStatistics().used_heap_size) */
  usedBytes: number;
  /** the heap's limit (heap_size_limit) */
  limitBytes: number;
}

/** A warning for the operator when the heap is already over half its limit, else undefined. */
export function heapWarning({ usedBytes, limitBytes }: HeapReading): string | undefined {
  if (limitBytes <= 0 || usedBytes <= limitBytes / 2) return undefined;
  const mb = (n: number) => Math.round(n / 1048576);
  return (
    `memory: the bot already uses ${mb(usedBytes)} MB of its ${mb(limitBytes)} MB heap limit after starting; ` +
    `under load it may run out of memory. Raise --max-old-space-size in package.json's start script (README, "Memory limit").`
  );
}
