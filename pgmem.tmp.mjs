import { PGlite } from "@electric-sql/pglite";
const dir = process.argv[2]; const extra = process.argv.slice(3);
const pg = new PGlite({ dataDir: dir, startParams: [...PGlite.defaultStartParams, "-c", "shared_buffers=16MB", ...extra] });
await pg.waitReady;
const m = process.memoryUsage();
console.log(extra.join(" "), "rss", (m.rss/1e6)|0, "ext", (m.external/1e6)|0, "heapu8", (pg.mod.HEAPU8.length/1e6)|0);
console.log((await pg.query("select sum(allocated_size)::int8 as shm from pg_shmem_allocations")).rows);
console.log(PGlite.defaultStartParams.join(" "));
await pg.close();
