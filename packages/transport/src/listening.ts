/** What {@link whenListening} needs of a server or socket: Node's `net.Server`, `dgram.Socket`. */
export interface Listenable {
  once(event: "error", listener: (err: Error) => void): unknown;
  once(event: "listening", listener: () => void): unknown;
  off(event: "error", listener: (err: Error) => void): unknown;
  off(event: "listening", listener: () => void): unknown;
}

/**
 * Calls `start` (a `listen` or `bind`) and settles when `target` emits `listening` (resolves) or
 * `error` (rejects with it), leaving no listener behind either way.
 */
export function whenListening(target: Listenable, start: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      target.off("listening", onListening);
      reject(err);
    };
    const onListening = (): void => {
      target.off("error", onError);
      resolve();
    };
    target.once("error", onError);
    target.once("listening", onListening);
    start();
  });
}

/** The port a listening server reports, or `fallback` when it reports none (a pipe). */
export function listeningPort(server: { address(): unknown }, fallback: number): number {
  const address = server.address() as { port?: unknown } | null;
  return typeof address === "object" && address !== null && typeof address.port === "number"
    ? address.port
    : fallback;
}
