import { RuntimeError } from "./errors.js";
import { SseParser } from "./sse-parser.js";

/**
 * Reads a Server-Sent Events answer, calling `onEvent` with each event's name and parsed JSON
 * data (events whose data is not JSON are skipped). Resolves when the stream ends.
 */
export async function readSse(
  res: Response,
  base: string,
  onEvent: (event: string, data: Record<string, unknown>) => void,
): Promise<void> {
  if (res.body === null) throw new RuntimeError(`agent at ${base} sent no stream`);
  const parser = new SseParser();
  const decoder = new TextDecoder();
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    for (const e of parser.push(decoder.decode(chunk, { stream: true }))) {
      let data: Record<string, unknown>;
      try {
        data = JSON.parse(e.data) as Record<string, unknown>;
      } catch {
        continue;
      }
      onEvent(e.event, data);
    }
  }
}

/** Throws the agent's error message when a stream route answered with an error. */
export async function expectStream(res: Response, base: string, path: string): Promise<void> {
  if (res.status === 200) return;
  let message = `agent at ${base} answered HTTP ${res.status} to ${path}`;
  try {
    const body = (await res.json()) as { error?: { message?: string } };
    if (body.error?.message) message = body.error.message;
  } catch {
    // Not JSON: the status says enough.
  }
  throw new RuntimeError(message);
}
