// Keys tab: the trust list's keys (GET /v1/admin/keys), rotation of the signing key (POST /v1/admin/keys/rotate)
// and withdrawal of an old DSC (POST /v1/admin/keys/{kid}/withdraw), each behind a confirmation that says what
// happens to the certificates already issued.
import { call, el, fieldError, formatDate } from "/common/api.js";

const $ = (id) => document.getElementById(id);

const FRAMEWORKS = { hc1: "EU DCC / WHO (HC1)", divoc: "DIVOC", shc: "SMART Health Cards", icao: "ICAO VDS-NC" };

/** The kid in a path: base64url (no "/" to escape). */
function pathKid(kid) {
  return kid.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function setUpKeys(ctx) {
  const dialog = $("key-dialog");
  let action = null; // { kind: "rotate" } | { kind: "withdraw", key }
  let loaded = false;

  function state(k) {
    if (k.withdrawn) return el("span", { class: "badge badge--revoked" }, "Withdrawn");
    if (k.signing) return el("span", { class: "badge badge--active" }, "Signing");
    return el("span", { class: "badge badge--inactive" }, "Verifies only");
  }

  function render(keys) {
    const rows = keys.map((k) => {
      const own = k.origin === "OWN";
      const canWithdraw = own && k.role === "DSC" && !k.signing && !k.withdrawn;
      const withdraw = canWithdraw
        ? el("button", { type: "button", class: "button button--danger button--small", "aria-label": `Withdraw key ${k.kid}` }, "Withdraw…")
        : null;
      if (withdraw) withdraw.addEventListener("click", () => openDialog({ kind: "withdraw", key: k }, withdraw));
      return el("tr", { "data-kid": k.kid, "data-role": k.role, "data-signing": String(k.signing), "data-withdrawn": String(k.withdrawn) },
        el("td", { "data-label": "Role" }, k.role === "CSCA" ? "Country signing (CSCA)" : "Document signing (DSC)"),
        el("td", { "data-label": "Framework" }, FRAMEWORKS[k.framework] || k.framework || ""),
        el("td", { "data-label": "Country" }, `${k.country || ""}${own ? " (ours)" : ""}`),
        el("td", { "data-label": "Key ID" }, el("code", {}, k.kid)),
        el("td", { "data-label": "Valid" }, `${formatDate(k.notBefore)} to ${formatDate(k.notAfter)}`),
        el("td", { "data-label": "State" }, state(k)),
        el("td", { "data-label": "Action" }, withdraw || ""));
    });
    $("keys").replaceChildren(el("div", { class: "table-wrap" },
      el("table", { class: "responsive-table", id: "keys-table" },
        el("caption", {}, `${keys.length} key${keys.length === 1 ? "" : "s"} in the trust list`),
        el("thead", {}, el("tr", {}, ...["Role", "Framework", "Country", "Key ID", "Valid", "State", "Action"].map((h) => el("th", { scope: "col" }, h)))),
        el("tbody", {}, ...rows))));
  }

  async function load() {
    const token = ctx.token();
    if (!token) return;
    try {
      const data = await call("/v1/admin/keys", { token });
      render((data && data.keys) || []);
      loaded = true;
    } catch (e) {
      if (ctx.authFailure(e)) return;
      $("keys").replaceChildren(el("p", { class: "alert alert--error" }, `Could not load the keys: ${e.message}`));
    }
  }

  let opener = null;

  function openDialog(next, from) {
    action = next;
    opener = from;
    $("key-error").textContent = "";
    $("key-reason").value = "";
    fieldError($("key-reason"), "");
    const text = $("key-dialog-text");
    if (next.kind === "rotate") {
      $("key-dialog-heading").textContent = "Rotate the signing key?";
      text.replaceChildren(
        el("p", {}, "A new signing key and its document signing certificate (DSC), signed by our CSCA, are created. New certificates are signed with it within about 5 minutes."),
        el("p", {}, el("strong", {}, "Certificates already issued keep verifying: "), "the current DSC stays in the trust list until it expires or you withdraw it. Nobody needs a new certificate."));
      $("key-reason-label").textContent = "Reason (optional)";
      $("confirm-key").textContent = "Rotate the signing key";
      $("confirm-key").className = "button";
    } else {
      $("key-dialog-heading").textContent = "Withdraw this key?";
      text.replaceChildren(
        el("p", {}, "Key ", el("code", {}, next.key.kid), ` (valid ${formatDate(next.key.notBefore)} to ${formatDate(next.key.notAfter)}) is removed from the trust list.`),
        el("p", {}, el("strong", {}, "Certificates it signed stop verifying "), "(\"unknown issuer\") as soon as verifiers update their trust list, offline ones included. Their holders need corrected (re-issued) certificates. Only do this if the key is compromised or was issued in error."));
      $("key-reason-label").textContent = "Reason (required)";
      $("confirm-key").textContent = "Withdraw the key";
      $("confirm-key").className = "button button--danger";
    }
    dialog.showModal();
    $("key-reason").focus();
  }

  $("rotate-key").addEventListener("click", () => openDialog({ kind: "rotate" }, $("rotate-key")));
  $("cancel-key").addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => {
    if (opener && opener.isConnected) opener.focus();
    else $("keys-heading").focus();
  });

  $("key-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const reason = $("key-reason").value.trim();
    $("key-error").textContent = "";
    if (action.kind === "withdraw" && !reason) {
      fieldError($("key-reason"), "Give the reason for withdrawing the key.");
      return $("key-reason").focus();
    }
    fieldError($("key-reason"), "");
    const token = ctx.token();
    if (!token) return dialog.close();
    const button = $("confirm-key");
    button.disabled = true;
    try {
      const path = action.kind === "rotate" ? "/v1/admin/keys/rotate" : `/v1/admin/keys/${pathKid(action.key.kid)}/withdraw`;
      const result = await call(path, { method: "POST", token, body: reason ? { reason } : {} });
      const key = result && result.key;
      opener = null;
      dialog.close();
      ctx.error("");
      ctx.notice(action.kind === "rotate"
        ? `New signing key ${key ? key.kid : ""} created. New certificates are signed with it within 5 minutes; certificates already issued keep verifying.`
        : `Key ${key ? key.kid : ""} withdrawn. Certificates it signed no longer verify once verifiers update their trust list.`);
      await load();
      $("keys-heading").focus();
    } catch (e) {
      if (e.status === 401 || e.status === 403) {
        dialog.close();
        ctx.authFailure(e);
      } else if (e.status === 422 && e.problems.length) {
        fieldError($("key-reason"), e.problems.map((p) => `${p.problem}.`).join(" "));
        $("key-reason").focus();
      } else {
        $("key-error").textContent = e.message;
      }
    } finally {
      button.disabled = false;
    }
  });

  return {
    show() {
      if (!loaded) load();
    },
    clear() {
      loaded = false;
      $("keys").replaceChildren();
      if (dialog.open) dialog.close();
    },
  };
}
