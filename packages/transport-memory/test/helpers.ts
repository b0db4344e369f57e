import type { Clock, Datagram, Transport } from "@grapevine/transport";

/** A datagram as a test saw it: when it arrived and what it carried. */
export interface Arrival {
  readonly at: number;
  readonly from: string;
  readonly data: Uint8Array;
}

/** Consumes `transport.datagrams()` in the background, stamping each with `clock.now()`. */
export function record(transport: Transport, clock: Clock): Arrival[] {
  const arrivals: Arrival[] = [];
  void (async () => {
    for await (const d of transport.datagrams() as AsyncIterable<Datagram>) {
      arrivals.push({ at: clock.now(), from: d.from, data: d.data });
    }
  })();
  return arrivals;
}

/** One byte, for datagrams whose content does not matter beyond an id. */
export function byte(value: number): Uint8Array {
  return Uint8Array.of(value & 0xff);
}
