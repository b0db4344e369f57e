import { seededRng } from "@grapevine/protocol";
import { ClusterState } from "@grapevine/state";

const text = new TextEncoder();
const budget = 1400 - 64; // bytes for digest or delta parts in one packet (see "Budgets")

const a = new ClusterState({ self: "a", generation: 1, rng: seededRng("a") });
const b = new ClusterState({ self: "b", generation: 1, rng: seededRng("b") });

// Local writes: each takes the next version of this node's keys.
a.set("http", text.encode("10.0.0.1:8080"), 0);
a.set("role", text.encode("db"), 0);

// Piggy-backed dissemination: the latest write alone, as a `state-delta`. b lacks version 1,
// so this one is set aside as a gap (not an error) for anti-entropy to fill.
const latest = a.localDelta(a.version - 1, budget);
console.log("gap:", b.apply(latest ? [latest] : [], 0).gaps);

// Anti-entropy (scuttlebutt): b sends its digest, a answers with what b lacks, b applies it.
const syn = b.digest(budget);
const delta = a.deltaFor(syn.entries, syn.complete, budget);
for (const change of b.apply(delta, 10).changes) {
  const value = change.current ? new TextDecoder().decode(change.current.value) : "(deleted)";
  console.log(`${change.owner}/${change.key} = ${value} @v${change.version}`);
}

// Deletes are tombstones, collected after the grace period by tick().
a.delete("role", 20);
console.log("role on a:", a.get("a", "role"), "| keys under h:", a.byPrefix("h").length);
console.log("next tick at:", a.tick(20).nextTickAt);
