import { useState } from "preact/hooks";
import type { MemberRow } from "./api.js";
import { formatAge } from "./format.js";

type Column = "name" | "status" | "incarnation" | "addresses" | "tags" | "since" | "rttMs";

const COLUMNS: readonly { readonly key: Column; readonly label: string }[] = [
  { key: "name", label: "Name" },
  { key: "status", label: "Status" },
  { key: "incarnation", label: "Incarnation" },
  { key: "addresses", label: "Addresses" },
  { key: "tags", label: "Tags" },
  { key: "since", label: "In state" },
  { key: "rttMs", label: "RTT" },
];

/** Worst first when sorting by status: what needs a look comes up. */
const STATUS_ORDER: Readonly<Record<string, number>> = { suspect: 0, dead: 1, left: 2, alive: 3 };

const tagText = (m: MemberRow) =>
  Object.entries(m.tags)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");

function compare(a: MemberRow, b: MemberRow, column: Column): number {
  switch (column) {
    case "status":
      return (STATUS_ORDER[a.status] ?? 9) - (STATUS_ORDER[b.status] ?? 9);
    case "incarnation":
      return a.incarnation - b.incarnation;
    case "rttMs":
      return (a.rttMs ?? Number.POSITIVE_INFINITY) - (b.rttMs ?? Number.POSITIVE_INFINITY);
    case "since":
      // Longest in its state first when ascending.
      return a.since.localeCompare(b.since);
    case "addresses":
      return a.addresses.join(",").localeCompare(b.addresses.join(","));
    case "tags":
      return tagText(a).localeCompare(tagText(b));
    default:
      return a.name.localeCompare(b.name);
  }
}

/**
 * The members table: status in colour, sortable by any column (click its head; again to
 * reverse), filtered by status and by text found in the name, addresses or tags.
 */
export function MembersTable(props: { members: readonly MemberRow[]; agentNow: number }) {
  const [sort, setSort] = useState<{ column: Column; descending: boolean }>({
    column: "name",
    descending: false,
  });
  const [text, setText] = useState("");
  const [status, setStatus] = useState("");
  const needle = text.trim().toLowerCase();
  const rows = props.members
    .filter((m) => status === "" || m.status === status)
    .filter(
      (m) =>
        needle === "" ||
        `${m.name} ${m.addresses.join(" ")} ${tagText(m)}`.toLowerCase().includes(needle),
    )
    .sort((a, b) => {
      const c = compare(a, b, sort.column) || a.name.localeCompare(b.name);
      return sort.descending ? -c : c;
    });
  const counts: Record<string, number> = { alive: 0, suspect: 0, dead: 0, left: 0 };
  for (const m of props.members) counts[m.status] = (counts[m.status] ?? 0) + 1;
  return (
    <section class="panel members" aria-labelledby="members-title">
      <header>
        <h2 id="members-title">Members</h2>
        <span class="counts">
          {Object.entries(counts).map(([s, n]) => (
            <span key={s} class={`badge ${s}`}>
              {n} {s}
            </span>
          ))}
        </span>
        <span class="filters">
          <input
            type="search"
            placeholder="filter name, address, tag"
            aria-label="filter members"
            value={text}
            onInput={(e) => setText((e.target as HTMLInputElement).value)}
          />
          <select
            aria-label="status filter"
            value={status}
            onChange={(e) => setStatus((e.target as HTMLSelectElement).value)}
          >
            <option value="">any status</option>
            <option value="alive">alive</option>
            <option value="suspect">suspect</option>
            <option value="dead">dead</option>
            <option value="left">left</option>
          </select>
        </span>
      </header>
      <table>
        <thead>
          <tr>
            {COLUMNS.map((c) => (
              <th
                key={c.key}
                aria-sort={
                  sort.column === c.key ? (sort.descending ? "descending" : "ascending") : "none"
                }
              >
                <button
                  type="button"
                  onClick={() =>
                    setSort((s) => ({
                      column: c.key,
                      descending: s.column === c.key ? !s.descending : false,
                    }))
                  }
                >
                  {c.label}
                  {sort.column === c.key ? (sort.descending ? " ▾" : " ▴") : ""}
                </button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((m) => (
            <tr key={m.name} data-member={m.name} data-status={m.status}>
              <td>
                {m.name}
                {m.local ? <span class="local"> (this agent)</span> : null}
              </td>
              <td>
                <span class={`badge ${m.status}`}>{m.status}</span>
              </td>
              <td class="num">{m.incarnation}</td>
              <td class="mono">{m.addresses.join(" ")}</td>
              <td>
                {Object.entries(m.tags).map(([k, v]) => (
                  <span key={k} class="tag">
                    {k}={v}
                  </span>
                ))}
              </td>
              <td class="num">{formatAge(props.agentNow - Date.parse(m.since))}</td>
              <td class="num">{m.rttMs === null ? "–" : `${m.rttMs.toFixed(1)} ms`}</td>
            </tr>
          ))}
          {rows.length === 0 ? (
            <tr>
              <td colSpan={COLUMNS.length} class="empty">
                no member matches
              </td>
            </tr>
          ) : null}
        </tbody>
      </table>
    </section>
  );
}
