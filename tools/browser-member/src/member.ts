/*
 * The example page's script: a browser tab that joins a Grapevine cluster as a dial-only member.
 * Configured by the URL fragment (never sent to a server): `#seed=ws://127.0.0.1:7947/gossip`
 * (repeatable), `name=tab-1`, `key=<base64>` (the cluster key, for an encrypted cluster) and
 * `preset=lan|wan|local`. It shows the members and their keys, and lets one set a key.
 */
import { associatedData, Cluster, WebCryptoKeyring } from "@grapevine/cluster";
import { WIRE_VERSION } from "@grapevine/codec";
import { bindWs } from "@grapevine/transport-ws";
import type { MemberPage } from "./member-api.js";

declare global {
  interface Window {
    grapevineMember: MemberPage<Cluster<WebCryptoKeyring>>;
  }
}

const params = new URLSearchParams(location.hash.slice(1));
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

async function start(): Promise<number> {
  const seeds = params.getAll("seed");
  if (seeds.length === 0) throw new Error("no seed: open this page with #seed=ws://host:port/path");
  const name = params.get("name") ?? `tab-${Math.random().toString(16).slice(2, 10)}`;
  const key = params.get("key");
  const preset = (params.get("preset") ?? "lan") as "lan" | "wan" | "local";
  const cluster = await Cluster.start({
    name,
    preset,
    transports: [await bindWs()],
    ...(key ? { keyring: await WebCryptoKeyring.create([key]) } : {}),
  });
  page.cluster = cluster;
  cluster.on("*", () => scheduleRender());
  $("self").textContent = `${name} (${cluster.addresses.join(", ")})`;
  const joined = await cluster.join(seeds);
  scheduleRender();
  return joined;
}

let renderQueued = false;
function scheduleRender(): void {
  if (renderQueued) return;
  renderQueued = true;
  setTimeout(() => {
    renderQueued = false;
    render();
  }, 50);
}

function render(): void {
  const cluster = page.cluster;
  if (!cluster) return;
  const rows = cluster.members().map((m) => {
    const keys = cluster
      .entries(m.name)
      .map((e) => `${e.key}=${new TextDecoder().decode(e.value)}`)
      .join(", ");
    return `<tr data-member="${escapeHtml(m.name)}" data-status="${m.status}"><td>${escapeHtml(m.name)}</td><td class="${m.status}">${m.status}</td><td>${escapeHtml(keys)}</td></tr>`;
  });
  $("members").innerHTML = rows.join("");
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const page: MemberPage<Cluster<WebCryptoKeyring>> = {
  cluster: undefined,
  ready: Promise.resolve(0),
  set(key, value) {
    page.cluster?.set(key, value);
    scheduleRender();
  },
  getText: (key, owner) => page.cluster?.getText(key, owner),
  members: () => page.cluster?.members().map((m) => ({ name: m.name, status: m.status })) ?? [],
  seal: async (text) => {
    const keyring = page.cluster?.keyring;
    if (!keyring) throw new Error("no keyring: open the page with #key=<base64>");
    const sealed = await keyring.seal(
      new TextEncoder().encode(text),
      associatedData(WIRE_VERSION, ""),
    );
    return btoa(String.fromCharCode(...sealed));
  },
  open: async (sealed) => {
    const keyring = page.cluster?.keyring;
    if (!keyring) throw new Error("no keyring: open the page with #key=<base64>");
    const bytes = Uint8Array.from(atob(sealed), (c) => c.charCodeAt(0));
    const opened = await keyring.open(bytes, associatedData(WIRE_VERSION, ""));
    return opened.ok ? new TextDecoder().decode(opened.plaintext) : undefined;
  },
  leave: async () => {
    await page.cluster?.leave();
    $("self").textContent += " — left";
  },
};
(page as { ready: Promise<number> }).ready = start();
page.ready.catch((err: unknown) => {
  $("self").textContent = `failed: ${String(err)}`;
});
window.grapevineMember = page;

$<HTMLFormElement>("set").addEventListener("submit", (event) => {
  event.preventDefault();
  page.set($<HTMLInputElement>("key").value, $<HTMLInputElement>("value").value);
});
$<HTMLButtonElement>("leave").addEventListener("click", () => void page.leave());
