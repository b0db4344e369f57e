/**
 * A graceful leave reaches every live member even where gossip alone can miss one: in a small
 * cluster the leave notice gets a few copies on random targets.
 */
import { decode } from "@grapevine/codec";
import { describe, expect, it } from "vitest";
import { CoreNet, converge } from "./harness.js";

const NAMES = ["a", "b", "c", "d", "e"];

describe("leave", () => {
  it("the leaver tells every live member directly, so each lists it left without any gossip", () => {
    const net = new CoreNet(NAMES, 7);
    converge(net);
    net.runFair(2_000);
    net.inFlight.length = 0;
    net.step("e", (now, core) => core.leave(now));
    // Only what the leave step itself sent: each other member gets a notice of its own.
    const notices = net.inFlight.filter((m) => {
      if (m.kind !== "datagram" || m.from !== "e") return false;
      const r = decode(m.bytes);
      return (
        r.ok &&
        r.envelope.messages.some((x) => x.type === "dead" && x.name === "e" && x.from === "e")
      );
    });
    expect(new Set(notices.map((m) => m.to))).toEqual(new Set(["a", "b", "c", "d"]));
    // Those alone (no gossip after them) make every member list the leaver left.
    net.inFlight.length = 0;
    for (const m of notices) net.deliver(m);
    for (const name of ["a", "b", "c", "d"]) {
      expect(net.core(name).member("e")?.status).toBe("left");
    }
  });
});
