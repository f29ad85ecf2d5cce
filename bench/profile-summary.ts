// `npx tsx bench/profile-summary.ts FILE.cpuprofile [--top N]`: where a V8 CPU profile (node
// --cpu-prof, e.g. from `npm run bench -- --profile`) spent its time: self time by function and
// by file or package, and inclusive time of the functions that matter most.
import { readFileSync } from "node:fs";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export function summariseProfile(profile: CpuProfile, top = 25): string[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

  const where = (f: CallFrame) => {
    const url = f.url.replace(/^file:\/\//, "");
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
    if (pkg) return pkg;
    const m = /\/work\/main\/(.*)$/.exec(url);
    return m?.[1] ?? (url || "(native/vm)");
  };
  const fn = (f: CallFrame) => `${f.functionName || "(anonymous)"} ${where(f)}${f.url && !where(f).startsWith("node:") ? `:${f.lineNumber + 1}` : ""}`;

  const selfByFn = new Map<string, number>();
  const selfByFile = new Map<string, number>();
  const inclusiveByFn = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    selfByFn.set(fn(node.callFrame), (selfByFn.get(fn(node.callFrame)) ?? 0) + us);
    selfByFile.set(where(node.callFrame), (selfByFile.get(where(node.callFrame)) ?? 0) + us);
    // inclusive: once per distinct function on the stack
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur);
      if (!n) break;
      const key = fn(n.callFrame);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusiveByFn.set(key, (inclusiveByFn.get(key) ?? 0) + us);
    }
  }
  const pct = (us: number) => `${((us / total) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms`;
  const list = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, us]) => `  ${pct(us)}  ${k}`);
  return [
    `sampled ${(total / 1000).toFixed(0)} ms of CPU over ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s`,
    "self time by file or package:",
    ...list(selfByFile, top),
    "self time by function:",
    ...list(selfByFn, top),
    "inclusive time by function:",
    ...list(inclusiveByFn, top * 2),
  ];
}

const file = process.argv[2];
if (file && import.meta.url === `file://${process.argv[1]}`) {
  const top = process.argv.includes("--top") ? Number(process.argv[process.argv.indexOf("--top") + 1]) : 25;
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  process.stdout.write(`${summariseProfile(profile, top).join("\n")}\n`);
}
