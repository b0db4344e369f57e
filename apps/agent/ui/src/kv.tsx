import { useState } from "preact/hooks";
import type { ConfigEntry, KvEntry } from "./api.js";
import { formatValue } from "./format.js";

/** Longest value shown in a cell; the whole value is in the cell's tooltip. */
const VALUE_CHARS = 80;

const clip = (text: string) =>
  text.length > VALUE_CHARS ? `${text.slice(0, VALUE_CHARS)}…` : text;

/**
 * The key-value browser: every node's keys with their versions, narrowed by owner and key prefix,
 * and the cluster-scoped configuration keys, which belong to no node.
 */
export function KvBrowser(props: { entries: readonly KvEntry[]; config: readonly ConfigEntry[] }) {
  const [owner, setOwner] = useState("");
  const [prefix, setPrefix] = useState("");
  const owners = [...new Set(props.entries.map((e) => e.node))].sort();
  const rows = props.entries
    .filter((e) => !e.deleted)
    .filter((e) => owner === "" || e.node === owner)
    .filter((e) => e.key.startsWith(prefix))
    .sort((a, b) => a.node.localeCompare(b.node) || a.key.localeCompare(b.key));
  const config = props.config
    .filter((e) => e.key.startsWith(prefix))
    .sort((a, b) => a.key.localeCompare(b.key));
  return (
    <section class="panel kv" aria-labelledby="kv-title">
      <header>
        <h2 id="kv-title">Keys</h2>
        <span class="filters">
          <select
            aria-label="owner"
            value={owner}
            onChange={(e) => setOwner((e.target as HTMLSelectElement).value)}
          >
            <option value="">every owner</option>
            {owners.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
          <input
            type="search"
            placeholder="key prefix"
            aria-label="key prefix"
            value={prefix}
            onInput={(e) => setPrefix((e.target as HTMLInputElement).value)}
          />
        </span>
      </header>
      <table>
        <thead>
          <tr>
            <th>Owner</th>
            <th>Key</th>
            <th>Value</th>
            <th class="num">Version</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((e) => {
            const text = formatValue(e.value, e.encoding);
            return (
              <tr key={`${e.node}/${e.key}`} data-owner={e.node} data-key={e.key}>
                <td>{e.node}</td>
                <td class="mono">{e.key}</td>
                <td class="mono value" title={text}>
                  {clip(text)}
                </td>
                <td class="num">{e.version}</td>
              </tr>
            );
          })}
          {rows.length === 0 ? (
            <tr>
              <td colSpan={4} class="empty">
                no keys
              </td>
            </tr>
          ) : null}
        </tbody>
      </table>
      <h3>Cluster configuration</h3>
      {config.length === 0 ? (
        <p class="empty">no configuration keys</p>
      ) : (
        <table>
          <tbody>
            {config.map((e) => {
              const text = formatValue(e.value, e.encoding);
              return (
                <tr key={e.key} data-config-key={e.key}>
                  <td class="mono">{e.key}</td>
                  <td class="mono value" title={text}>
                    {clip(text)}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
