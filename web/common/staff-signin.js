// Staff sign-in shared by the facility page and the admin page: username + password (POST /v1/staff/session),
// then whatever challenge Cognito asks for (POST /v1/staff/session/challenge), until a token comes back:
//   MFA_SETUP     first sign-in with TOTP required: the secret to add to an authenticator app, then a code
//   MFA_CODE      a code from the authenticator app
//   NEW_PASSWORD  a temporary password must be replaced (policy: 12+ characters, upper, lower, number, symbol)
// A challenge answer may lead to another challenge (NEW_PASSWORD -> MFA_SETUP). Nothing is stored until a token
// arrives; the page decides what to do with it (onSignedIn).
//
// The page provides, inside `root`: #login-heading, form#login-form with #username and #password.
import { call, el, fieldError, waitText } from "/common/api.js";

const CODE_PATTERN = /^\d{6}$/;

export const PASSWORD_RULES = [
  { id: "length", text: "At least 12 characters", test: (p) => p.length >= 12 },
  { id: "upper", text: "An upper-case letter (A-Z)", test: (p) => /[A-Z]/.test(p) },
  { id: "lower", text: "A lower-case letter (a-z)", test: (p) => /[a-z]/.test(p) },
  { id: "number", text: "A number (0-9)", test: (p) => /[0-9]/.test(p) },
  { id: "symbol", text: "A symbol, such as ! ? # % & *", test: (p) => /[^A-Za-z0-9\s]/.test(p) },
];

/** "JBSWY3DPEHPK3PXP" -> "JBSW Y3DP EHPK 3PXP" (easier to type into a phone). */
export function groupSecret(secret) {
  return String(secret || "").replace(/\s+/g, "").replace(/(.{4})(?=.)/g, "$1 ");
}

function sentence(text) {
  const s = String(text || "").trim();
  if (!s) return s;
  const capital = s.charAt(0).toUpperCase() + s.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/**
 * Wire the sign-in of a staff page.
 * @param root       the sign-in section (it gets a challenge panel appended)
 * @param error      (text) => show/clear the page's error (role=alert)
 * @param notice     (text) => show/clear the page's notice (role=status)
 * @param onSignedIn ({token, expiresIn, groups, username}) => void
 * @returns {reset()} back to the username/password step (on sign-out)
 */
export function setUpStaffSignIn({ root, error, notice, onSignedIn }) {
  const $ = (id) => document.getElementById(id);
  const form = $("login-form");
  const panel = el("div", { id: "challenge", class: "challenge" });
  panel.hidden = true;
  root.append(panel);
  let username = "";

  function reset(message) {
    panel.replaceChildren();
    panel.hidden = true;
    form.hidden = false;
    $("password").value = "";
    $("login-heading").hidden = false;
    if (message !== undefined) notice(message);
  }

  async function finish(result) {
    $("password").value = "";
    panel.replaceChildren();
    panel.hidden = true;
    form.hidden = false;
    notice("");
    error("");
    onSignedIn({ token: result.token, expiresIn: result.expiresIn, groups: result.groups || [], username });
  }

  function explain(e, focusTarget) {
    if (e.status === 429) error(`Too many attempts. Try again ${waitText(e.retryAfter)}.`);
    else error(sentence(e.message));
    if (focusTarget) focusTarget.focus();
  }

  // ---------------------------------------------------------------- step 1: username + password

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = $("username").value.trim();
    const password = $("password").value;
    fieldError($("username"), name ? "" : "Enter your username.");
    fieldError($("password"), password ? "" : "Enter your password.");
    if (!name) return $("username").focus();
    if (!password) return $("password").focus();
    error("");
    const button = event.submitter;
    if (button) button.disabled = true;
    try {
      username = name;
      const result = await call("/v1/staff/session", { method: "POST", body: { username: name, password } });
      await finish(result);
    } catch (e) {
      if (e.status === 401 && e.data && e.data.challenge) {
        showChallenge(e.data);
      } else if (e.status === 401 && /wrong username or password/i.test(e.message)) {
        error("Wrong username or password.");
        $("password").focus();
      } else {
        explain(e, $("password"));
      }
    } finally {
      if (button) button.disabled = false;
    }
  });

  // ---------------------------------------------------------------- step 2..n: challenges

  function showChallenge(data) {
    const builders = { MFA_CODE: mfaCode, MFA_SETUP: mfaSetup, NEW_PASSWORD: newPassword };
    const build = builders[data.challenge];
    if (!build || !data.session) {
      reset();
      error(`Sign-in needs a step this page does not support (${data.challenge || "unknown"}). Contact the administrator.`);
      $("username").focus();
      return;
    }
    error("");
    form.hidden = true;
    $("login-heading").hidden = true;
    const { heading, body, inputs, answer } = build(data);
    const submit = el("button", { type: "submit", class: "button" }, data.challenge === "NEW_PASSWORD" ? "Set password" : "Verify code");
    const cancel = el("button", { type: "button", class: "button button--secondary" }, "Start again");
    const challengeForm = el("form", { id: "challenge-form", novalidate: true, "data-challenge": data.challenge },
      // Lets password managers link a new password to the account.
      el("input", { type: "text", name: "username", autocomplete: "username", value: username, hidden: true, tabindex: "-1", "aria-hidden": "true" }),
      ...body,
      el("div", { class: "button-row" }, submit, cancel));
    const title = el("h2", { id: "challenge-heading", tabindex: "-1" }, heading);
    panel.replaceChildren(title, challengeForm);
    panel.setAttribute("aria-labelledby", "challenge-heading");
    panel.hidden = false;
    title.focus();

    cancel.addEventListener("click", () => {
      reset("");
      error("");
      $("password").focus();
    });

    challengeForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      error("");
      const fields = answer();
      if (!fields) return; // the builder showed what is wrong
      submit.disabled = true;
      try {
        const result = await call("/v1/staff/session/challenge", {
          method: "POST",
          // The server may name the account differently from what was typed (Cognito's own username).
          body: { username: data.username || username, session: data.session, challenge: data.challenge, ...fields },
        });
        await finish(result);
      } catch (e) {
        if (e.status === 401 && e.data && e.data.challenge) {
          showChallenge(e.data);
          return;
        }
        if (e.status === 422 && e.problems.length) {
          for (const p of e.problems) {
            const input = inputs[p.field];
            if (input) fieldError(input, sentence(p.problem));
          }
          error("Check the highlighted field.");
          (inputs[e.problems[0].field] || Object.values(inputs)[0]).focus();
        } else if (e.status === 401 && (e.reason === "wrong_code" || (!e.reason && data.challenge !== "NEW_PASSWORD"))) {
          // A wrong or reused code: the same challenge can be answered again.
          const input = inputs.code || Object.values(inputs)[0];
          fieldError(input, sentence(e.message));
          input.value = "";
          input.focus();
        } else if (e.status === 401) {
          // session_expired (Cognito gives a few minutes), locked, denied: back to the password.
          reset();
          error(sentence(e.message));
          $("password").focus();
        } else {
          explain(e, Object.values(inputs)[0]);
        }
      } finally {
        submit.disabled = false;
      }
    });
  }

  function codeField(id, label, hint) {
    const input = el("input", {
      id, name: "code", type: "text", inputmode: "numeric", pattern: "[0-9 ]*", maxlength: "7",
      autocomplete: "one-time-code", autocapitalize: "off", spellcheck: "false", class: "input--code",
      "aria-describedby": `${id}-hint`, required: true,
    });
    const field = el("div", { class: "field" },
      el("label", { for: id, class: "label" }, label),
      el("p", { id: `${id}-hint`, class: "hint" }, hint),
      input);
    const read = () => {
      const code = input.value.replace(/\s+/g, "");
      if (!CODE_PATTERN.test(code)) {
        fieldError(input, "Enter the 6 digits shown in your authenticator app.");
        input.focus();
        return null;
      }
      fieldError(input, "");
      return { code };
    };
    return { field, input, read };
  }

  function mfaCode(data) {
    const code = codeField("mfa-code", "6-digit code", "Open your authenticator app and enter the code it shows for this account.");
    return {
      heading: "Enter your sign-in code",
      body: [el("p", { class: "hint" }, sentence(data.message) || "Your account is protected with a second step."), code.field],
      inputs: { code: code.input },
      answer: code.read,
    };
  }

  function mfaSetup(data) {
    const secret = String(data.secretCode || "").replace(/\s+/g, "");
    const code = codeField("mfa-code", "6-digit code from the app", "After adding the account, enter the code the app shows to finish.");
    const copyStatus = el("span", { id: "secret-copy-status", class: "copy-status", role: "status" });
    const copy = el("button", { type: "button", class: "button button--secondary button--small", id: "copy-secret", "aria-describedby": "secret-code" }, "Copy code");
    const secretText = el("code", { id: "secret-code", class: "secret-code", "data-secret": secret }, groupSecret(secret));
    copy.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(secret);
        copyStatus.textContent = "Copied.";
      } catch {
        // No clipboard permission: select the text so Ctrl+C / long-press copy works.
        const range = document.createRange();
        range.selectNodeContents(secretText);
        const selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        copyStatus.textContent = "Selected: copy it with Ctrl+C or long-press.";
      }
    });
    const uri = typeof data.otpauthUri === "string" && data.otpauthUri.startsWith("otpauth://") ? data.otpauthUri : null;
    const steps = el("ol", { class: "setup-steps" },
      el("li", {}, "Install an authenticator app on your phone (for example Google Authenticator, Microsoft Authenticator or Authy)."),
      el("li", {},
        uri ? el("span", { class: "setup-line" }, "On the phone that has the app: ",
          el("a", { href: uri, id: "otpauth-link" }, "open in authenticator app"), ".") : null,
        el("span", { class: "setup-line" }, uri ? "Or type this setup key into the app:" : "Add an account in the app with this setup key:"),
        el("span", { class: "secret-row" }, secretText, copy, copyStatus)),
      el("li", {}, "Enter the 6-digit code the app shows."));
    return {
      heading: "Set up your authenticator app",
      body: [
        el("p", {}, "Your account needs a second sign-in step: a code from an authenticator app, which changes every 30 seconds."),
        steps,
        el("p", { class: "hint" }, "Keep the setup key private: anyone with it can make your codes."),
        code.field,
      ],
      inputs: { code: code.input },
      answer: code.read,
    };
  }

  function newPassword(data) {
    const input = el("input", { id: "new-password", name: "new-password", type: "password", autocomplete: "new-password", class: "input--narrow", "aria-describedby": "password-policy", required: true });
    const confirm = el("input", { id: "new-password-confirm", name: "new-password-confirm", type: "password", autocomplete: "new-password", class: "input--narrow", required: true });
    const items = PASSWORD_RULES.map((rule) => el("li", { "data-rule": rule.id, "data-met": "false" }, rule.text));
    const policy = el("ul", { id: "password-policy", class: "policy", "aria-label": "Password rules" }, ...items);
    input.addEventListener("input", () => {
      PASSWORD_RULES.forEach((rule, i) => {
        items[i].dataset.met = String(rule.test(input.value));
      });
    });
    const read = () => {
      const value = input.value;
      const missing = PASSWORD_RULES.filter((rule) => !rule.test(value));
      fieldError(input, missing.length ? `The password needs: ${missing.map((r) => r.text.toLowerCase()).join("; ")}.` : "");
      fieldError(confirm, !missing.length && confirm.value !== value ? "The two passwords are not the same." : "");
      if (missing.length) { input.focus(); return null; }
      if (confirm.value !== value) { confirm.focus(); return null; }
      return { newPassword: value };
    };
    return {
      heading: "Choose a new password",
      body: [
        el("p", {}, sentence(data.message) || "Your password must be changed before you continue."),
        el("div", { class: "field" },
          el("label", { for: "new-password", class: "label" }, "New password"),
          el("p", { class: "hint", id: "password-policy-title" }, "The password must have:"),
          policy,
          input),
        el("div", { class: "field" },
          el("label", { for: "new-password-confirm", class: "label" }, "New password again"),
          confirm),
      ],
      inputs: { newPassword: input, confirm },
      answer: read,
    };
  }

  return { reset };
}
