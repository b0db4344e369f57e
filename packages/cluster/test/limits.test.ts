import { MemoryNetwork, VirtualClock } from "@grapevine/transport-memory";
import { describe, expect, it } from "vitest";
import { Cluster, LimitError, seededRng } from "../src/index.js";

async function member(name: string, extra: Record<string, unknown> = {}) {
  const clock = new VirtualClock();
  const network = new MemoryNetwork({ clock });
  return Cluster.start({
    name,
    transports: [await network.bind(`mem://${name}`)],
    clock,
    rng: seededRng(name),
    generation: 1,
    ...extra,
  });
}

function limitError(fn: () => unknown): LimitError {
  try {
    fn();
  } catch (error) {
    if (error instanceof LimitError) return error;
    throw error;
  }
  throw new Error("no LimitError thrown");
}

describe("limits at the library API: a typed error naming the limit and the size, nothing applied", () => {
  it("tags and metadata over 1,024 B", async () => {
    const a = await member("a", { tags: { role: "web" } });
    const err = limitError(() => a.setTags({ big: "x".repeat(2_000) }));
    expect(err).toMatchObject({ code: "too-large", field: "tags", limit: 1_024 });
    expect(err.actual).toBeGreaterThan(2_000);
    expect(err.message).toContain("1024");
    expect(a.member("a")?.tags).toEqual({ role: "web" });
    expect(limitError(() => a.setMeta(new Uint8Array(1_025)))).toMatchObject({
      field: "meta",
      actual: 1_025,
    });
    await a.shutdown();
  });

  it("keys and values over their limits", async () => {
    const a = await member("a", { maxValueBytes: 100 });
    expect(limitError(() => a.set("k".repeat(257), "v"))).toMatchObject({
      field: "key",
      limit: 256,
    });
    expect(limitError(() => a.set("k", new Uint8Array(101)))).toMatchObject({
      field: "value",
      limit: 100,
      actual: 101,
    });
    expect(a.entries()).toEqual([]);
    await a.shutdown();
  });

  it("initial tags over the limit fail at creation", async () => {
    await expect(member("a", { tags: { big: "x".repeat(2_000) } })).rejects.toBeInstanceOf(
      LimitError,
    );
  });
});
