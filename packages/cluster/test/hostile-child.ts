// A two-member cluster on UDP loopback in its own process, for hostile-input cases that may
// take the process down (an uncaught exception would otherwise abort the test runner too).
// Prints `{"port": <target's port>}` once converged; exits when its stdin closes.
import { allAlive, startLiveCluster, waitFor } from "./hostile-helpers.js";

const members = await startLiveCluster(["t2", "b2"]);
await waitFor(
  () =>
    allAlive(
      members.map((m) => m.cluster),
      ["t2", "b2"],
    ),
  15_000,
  "convergence",
);
process.stdout.write(`${JSON.stringify({ port: members[0]!.port })}\n`);
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
