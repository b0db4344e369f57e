import type { MemberView } from "../views.js";

/** How each agent sees each member: `statuses[observer][member]`. */
export type MembershipMatrix = Map<string, Map<string, string>>;

const COLORS: Record<string, string> = {
  alive: "\u001b[32m",
  suspect: "\u001b[33m",
  dead: "\u001b[31m",
  left: "\u001b[90m",
};
const RESET = "\u001b[0m";

/** An agent the demo watches: its name and HTTP API. */
export interface Observer {
  readonly name: string;
  readonly http: string;
}

/**
 * What every running agent believes about every member, refreshed by polling
 * `GET /v1/members` on each. Drawn as a matrix: one row per observer, one column per member.
 */
export class MembershipView {
  readonly matrix: MembershipMatrix = new Map();

  constructor(private readonly names: readonly string[]) {}

  /** Refreshes the view of each observer; an agent that does not answer keeps its last view. */
  async poll(observers: readonly Observer[]): Promise<void> {
    const live = new Set(observers.map((o) => o.name));
    for (const name of [...this.matrix.keys()]) if (!live.has(name)) this.matrix.delete(name);
    await Promise.all(
      observers.map(async (o) => {
        try {
          const res = await fetch(`${o.http}/v1/members`, { signal: AbortSignal.timeout(1000) });
          if (!res.ok) return;
          const { members } = (await res.json()) as { members: MemberView[] };
          this.matrix.set(o.name, new Map(members.map((m) => [m.name, m.status])));
        } catch {
          // Not answering (starting, leaving or killed): keep the last view.
        }
      }),
    );
  }

  /** How `observer` sees `member` (`-` when it does not know it). */
  status(observer: string, member: string): string {
    return this.matrix.get(observer)?.get(member) ?? "-";
  }

  /** True when every one of `observers` sees `member` with one of `statuses`. */
  allSee(observers: readonly string[], member: string, statuses: readonly string[]): boolean {
    return observers.every((o) => statuses.includes(this.status(o, member)));
  }

  /** The matrix as text lines, coloured when `color`. */
  render(color: boolean): string[] {
    const width = Math.max(8, ...this.names.map((n) => n.length)) + 2;
    const cell = (text: string) => {
      const padded = text.padEnd(width);
      return color && COLORS[text] ? `${COLORS[text]}${padded}${RESET}` : padded;
    };
    const header = `${"sees →".padEnd(width)}${this.names.map((n) => n.padEnd(width)).join("")}`;
    const rows = this.names.map((observer) => {
      const known = this.matrix.has(observer);
      const cells = this.names.map((m) => cell(known ? this.status(observer, m) : " "));
      return `${observer.padEnd(width)}${known ? cells.join("") : "(not running)"}`.trimEnd();
    });
    return [header.trimEnd(), ...rows];
  }

  /** Every (observer, member, status) as a flat map, to diff successive polls. */
  flatten(): Map<string, string> {
    const out = new Map<string, string>();
    for (const [observer, view] of this.matrix) {
      for (const [member, status] of view) out.set(`${observer}\u0000${member}`, status);
    }
    return out;
  }
}
