import {
  isGrapevineError,
  memberEventType,
  parseAddress,
  randomIndex,
  schemeOf,
  seededRng,
} from "@grapevine/protocol";

// One seed, one run: pick gossip targets the same way every time.
const rng = seededRng("gossip");
const peers = ["udp://10.0.0.5:7946", "ws://gossip.example:8080/g", "mem://n3"];
const picks = [0, 1, 2].map(() => peers[randomIndex(rng, peers.length)]);
console.log(`picked ${picks.join(", ")}`);

// Addresses are URLs with the transport's scheme.
const ours = new Set(["udp", "mem"]);
console.log(`reachable: ${peers.filter((a) => ours.has(schemeOf(a) ?? "")).join(", ")}`);
console.log(`canonical: ${parseAddress("UDP://[::1]:7946").url}`);

// Errors carry a code a program can switch on.
try {
  parseAddress("10.0.0.5:7946");
} catch (err) {
  if (isGrapevineError(err, "invalid-address")) console.log(`refused: ${err.code}`);
}

// The detector's changes and the events applications subscribe to.
console.log(`a "join" is delivered as "${memberEventType("join")}"`);
