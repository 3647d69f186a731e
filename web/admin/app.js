// Admin page (/admin): ministry-admin sign-in (common/staff-signin.js, with MFA challenges), then three tabs:
// certificates (find, history, audit, correct, revoke), the audit trail, the dashboard and the signing keys. The token lives in
// sessionStorage only; every API call sends it and a 401 sends the user back to sign-in.
import { ApiError, Session } from "/common/api.js";
import { setUpStaffSignIn } from "/common/staff-signin.js";
import { setUpAudit } from "/admin/audit.js";
import { setUpCertificates } from "/admin/certificates.js";
import { setUpDashboard } from "/admin/dashboard.js";
import { setUpKeys } from "/admin/keys.js";

const $ = (id) => document.getElementById(id);
export const ADMIN_GROUP = "ministry-admin";
const session = new Session("vaxcert.admin.session");
const EXPIRED = "Your session has ended. Sign in again to continue.";
const NOT_ADMIN = "This page needs the ministry-admin role, which your account does not have. "
  + "Ask the system administrator for it, or use the facility page to search and print certificates.";

function notice(text) {
  $("notice").textContent = text || "";
}

function error(text) {
  $("error").textContent = text || "";
}

/** Shared by the sections: the current token (or sign out), and the handling of 401/403 answers. */
const ctx = {
  error,
  notice,
  token() {
    const token = session.token;
    if (!token) signOut(EXPIRED);
    return token;
  },
  /** true when the error was about the session or the role (and has been dealt with). */
  authFailure(e) {
    if (e instanceof ApiError && e.status === 401) {
      signOut(EXPIRED);
      return true;
    }
    if (e instanceof ApiError && e.status === 403) {
      signOut();
      error(NOT_ADMIN);
      return true;
    }
    return false;
  },
  openCertificate: (hcid) => certificates.open(hcid),
  showTab: (name) => selectTab(name),
};

const certificates = setUpCertificates(ctx);
const audit = setUpAudit(ctx);
const dashboard = setUpDashboard(ctx);
const keys = setUpKeys(ctx);

// ------------------------------------------------------------------ sign in / out

function showConsole() {
  const value = session.get();
  $("signed-in").textContent = `Signed in as ${value ? value.username : "administrator"} (ministry-admin).`;
  $("login").hidden = true;
  $("console").hidden = false;
  selectTab(tabFromHash() || "certificates", { focus: false });
  $("find-heading").focus();
}

function signOut(message) {
  session.clear();
  certificates.clear();
  audit.clear();
  dashboard.clear();
  keys.clear();
  signIn.reset();
  $("console").hidden = true;
  $("login").hidden = false;
  error("");
  notice(message || "");
  $("login-heading").focus();
}

session.onExpire = () => signOut(EXPIRED);

const signIn = setUpStaffSignIn({
  root: $("login"),
  error,
  notice,
  onSignedIn({ token, expiresIn, groups, username }) {
    if (!groups.includes(ADMIN_GROUP)) {
      // The password was right, but the account is not an administrator: keep nothing.
      error(`Signed in as ${username}, but ${NOT_ADMIN.charAt(0).toLowerCase()}${NOT_ADMIN.slice(1)}`);
      $("username").focus();
      return;
    }
    session.start(token, expiresIn, { username });
    showConsole();
  },
});

$("sign-out").addEventListener("click", () => {
  session.end("/v1/staff/session");
  signOut("You have signed out.");
});

// ------------------------------------------------------------------ tabs (WAI-ARIA tabs, automatic activation)

const TABS = ["certificates", "audit", "dashboard", "keys"];

function tabFromHash() {
  const name = location.hash.replace(/^#/, "");
  return TABS.includes(name) ? name : null;
}

function selectTab(name, { focus = false } = {}) {
  for (const tab of TABS) {
    const selected = tab === name;
    const button = $(`tab-${tab}`);
    button.setAttribute("aria-selected", String(selected));
    button.tabIndex = selected ? 0 : -1;
    $(`panel-${tab}`).hidden = !selected;
    if (selected && focus) button.focus();
  }
  if (location.hash !== `#${name}`) history.replaceState(null, "", name === "certificates" ? location.pathname : `#${name}`);
  if (name === "dashboard") dashboard.show();
  if (name === "keys") keys.show();
}

for (const name of TABS) {
  const button = $(`tab-${name}`);
  button.addEventListener("click", () => selectTab(name));
  button.addEventListener("keydown", (event) => {
    const at = TABS.indexOf(name);
    const next = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: TABS.length - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    selectTab(TABS[(next + TABS.length) % TABS.length], { focus: true });
  });
}

window.addEventListener("hashchange", () => {
  const name = tabFromHash();
  if (name && !$("console").hidden) selectTab(name);
});

if (session.get()) {
  session.watch();
  showConsole();
}
