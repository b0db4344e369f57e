import { useState } from "preact/hooks";
import { currentToken, setToken } from "./api.js";
import { Health, Keyring } from "./health.js";
import { KvBrowser } from "./kv.js";
import { MembersTable } from "./members.js";
import { useDashboard } from "./state.js";
import { StatsPanel, useStats } from "./stats.js";
import { Timeline } from "./timeline.js";

/** Asks for the API token; it is kept in this tab's sessionStorage only. */
function TokenForm(props: { invalid: boolean; onToken: (token: string) => void }) {
  const [value, setValue] = useState("");
  return (
    <form
      class="panel login"
      onSubmit={(e) => {
        e.preventDefault();
        if (value.trim() !== "") props.onToken(value.trim());
      }}
    >
      <h2>This agent's API needs a token</h2>
      <p>
        {props.invalid
          ? "The token was refused (revoked or mistyped). Enter another."
          : "Enter an API token with scope read or more. It stays in this tab only and is sent to this agent alone."}
      </p>
      <input
        type="password"
        name="token"
        autocomplete="off"
        aria-label="API token"
        value={value}
        onInput={(e) => setValue((e.target as HTMLInputElement).value)}
      />
      <button type="submit">Connect</button>
    </form>
  );
}

/** The whole page. */
export function App() {
  const [session, setSession] = useState(0);
  const d = useDashboard(session);
  const stats = useStats(session);
  const o = d.overview;
  // The agent's clock now, from its last answer: ages are measured on one clock.
  const agentNow = o === undefined ? Date.now() : Date.parse(o.time) + (Date.now() - d.fetchedAt);
  return (
    <>
      <header class="top">
        <h1>
          Grapevine <span class="node">{o?.name ?? ""}</span>
        </h1>
        {d.error !== undefined ? <span class="error">{d.error}</span> : null}
        {currentToken() !== undefined ? (
          <button
            type="button"
            class="forget"
            onClick={() => {
              setToken(undefined);
              setSession((s) => s + 1);
            }}
          >
            Forget token
          </button>
        ) : null}
      </header>
      {d.needsToken ? (
        <TokenForm
          invalid={d.badToken}
          onToken={(token) => {
            setToken(token);
            setSession((s) => s + 1);
          }}
        />
      ) : (
        <main>
          <MembersTable members={d.members} agentNow={agentNow} />
          <div class="side">
            <Health overview={o} samples={d.samples} stream={d.stream} />
            <Keyring overview={o} />
          </div>
          <Timeline transitions={d.timeline} agentNow={agentNow} />
          <KvBrowser entries={d.kv} config={d.config} />
          <StatsPanel view={stats} />
        </main>
      )}
    </>
  );
}
