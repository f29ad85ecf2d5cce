// The matcher's index of the list set in force, built once per set and kept in memory: a set
// never changes once imported (a new import is a new set), so its index is derived data.
import { buildListIndex, type ListIndex, type ListSetSummary } from "../domain/party-matching.js";
import { listSetEntries, newestListSet } from "../store/lists.js";
import type { Db } from "../store/types.js";

export interface ListsInForce {
  set: ListSetSummary;
  index: ListIndex;
}

export interface ListIndexCache {
  /** The set in force and its index; null before any list was imported. One small query when the set is unchanged. */
  current(): Promise<ListsInForce | null>;
  /** The index of a given set (e.g. the one a screening was screened with). */
  forSet(set: ListSetSummary): Promise<ListIndex>;
}

export function createListIndexCache(db: Db): ListIndexCache {
  // by content hash: the same content is the same set
  let cached: { contentHash: string; index: Promise<ListIndex> } | undefined;
  const forSet = (set: ListSetSummary): Promise<ListIndex> => {
    if (cached?.contentHash === set.contentHash) return cached.index;
    const index = listSetEntries(db, set.id).then(buildListIndex);
    const entry = { contentHash: set.contentHash, index };
    cached = entry;
    // A failed load is not kept: the next call tries again.
    index.catch(() => {
      if (cached === entry) cached = undefined;
    });
    return index;
  };
  return {
    forSet,
    async current() {
      const set = await newestListSet(db);
      if (set === null) return null;
      return { set, index: await forSet(set) };
    },
  };
}
