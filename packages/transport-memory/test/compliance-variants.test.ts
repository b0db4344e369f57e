import { runTransportCompliance } from "@grapevine/transport-compliance";
import { MemoryNetwork, VirtualClock } from "../src/index.js";

// The plain real-time run is compliance.test.ts (the compliance README's example); these are the
// same suite on the virtual clock and over a lossy network.
let names = 0;
const fresh = (): string => `mem://node-${++names}`;

{
  const clock = new VirtualClock();
  const network = new MemoryNetwork({ clock, latency: { meanMs: 20, jitterMs: 15 } });
  let stop: (() => void) | undefined;
  runTransportCompliance("memory transport, virtual clock", {
    create: () => network.bind(fresh()),
    createAt: (address) => network.bind(address),
    addressOfNobody: () => "mem://nobody",
    setup: () => {
      stop = clock.startAutoAdvance();
    },
    teardown: () => stop?.(),
  });
}

{
  const network = new MemoryNetwork({ loss: 0.02 });
  runTransportCompliance("memory transport, 2% loss (lossy mode)", {
    create: () => network.bind(fresh()),
    createAt: (address) => network.bind(address),
    addressOfNobody: () => "mem://nobody",
    lossy: true,
    dialTimeoutMs: 500,
  });
}
