// Derived data of an immutable object (a loaded rule set, one of its conditions), worked out on
// first use and kept for as long as the object lives. Rule sets never change once loaded, and
// the hot paths (scoring, validating a page, rendering) ask for the same lookups on every request.
export function perObject<K extends object, V>(build: (key: K) => V): (key: K) => V {
  const cache = new WeakMap<K, V>();
  return (key) => {
    if (cache.has(key)) return cache.get(key) as V;
    const value = build(key);
    cache.set(key, value);
    return value;
  };
}
