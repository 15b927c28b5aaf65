/* The console's one way to the hub: the services' public APIs through the gateway, with the signed-in user's bearer
   token. The token comes from the gateway's token endpoint (the password grant, as people sign in) and is kept in
   sessionStorage, for this tab only, until it expires; the roles, region and agency shown are the token's own claims
   (the gateway decides with the same ones). */
"use strict";

(() => {
  const { t } = HubConsole.i18n;
  const SESSION = "hub.console.session";

  /** The token's claims (its payload, base64url JSON), as the gateway signed them. */
  function claimsOf(token) {
    const payload = token.split(".")[1] || "";
    const base64 = payload.replace(/-/g, "+").replace(/_/g, "/");
    const bytes = Uint8Array.from(atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4)), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  }

  /** The signed-in user ({token, login, expires, claims}), or null when nobody is or the token expired. */
  function session() {
    try {
      const saved = JSON.parse(sessionStorage.getItem(SESSION) ?? "null");
      return saved && saved.expires > Date.now() ? saved : null;
    } catch {
      return null;
    }
  }

  function signOut() {
    sessionStorage.removeItem(SESSION);
  }

  /** Sign in with the password grant; the answer ({ok, status, body}) says whether it worked. */
  async function signIn(login, password) {
    const answer = await call("/auth/token", {
      method: "POST",
      form: { grant_type: "password", username: login, password },
      auth: false,
    });
    if (answer.ok) {
      const token = answer.body.access_token;
      // A little before the gateway's own expiry, so no request leaves with a token about to lapse.
      const expires = Date.now() + Math.max(0, answer.body.expires_in - 10) * 1000;
      sessionStorage.setItem(SESSION, JSON.stringify({ token, login, expires, claims: claimsOf(token) }));
    }
    return answer;
  }

  async function send(path, { method = "GET", json, form, auth = true, accept = "application/json" } = {}) {
    const request = { method, headers: { accept } };
    const current = session();
    if (auth && current) request.headers.authorization = `Bearer ${current.token}`;
    if (json !== undefined) {
      request.headers["content-type"] = "application/json";
      request.body = JSON.stringify(json);
    }
    if (form !== undefined) request.body = new URLSearchParams(form);
    const response = await fetch(path, request);
    // An expired or revoked token: the console asks the user to sign in again.
    if (response.status === 401 && auth && current) {
      signOut();
      window.dispatchEvent(new CustomEvent("hub:signed-out", { detail: "expired" }));
    }
    return response;
  }

  /** Call a route; answers {ok, status, body} (body parsed from JSON, or null), never throws. */
  async function call(path, options = {}) {
    let response;
    try {
      response = await send(path, options);
    } catch {
      return { ok: false, status: 0, body: null };
    }
    const text = await response.text();
    let body = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    return { ok: response.ok, status: response.status, body };
  }

  /** Fetch a file with the user's token and hand it to the browser as a download named `file`. */
  async function download(path, file) {
    let response;
    try {
      response = await send(path, { accept: "*/*" });
    } catch {
      return { ok: false, status: 0, body: null };
    }
    if (!response.ok) {
      const text = await response.text();
      let body = null;
      try {
        body = JSON.parse(text);
      } catch {
        body = null;
      }
      return { ok: false, status: response.status, body };
    }
    const url = URL.createObjectURL(await response.blob());
    const link = Object.assign(document.createElement("a"), { href: url, download: file, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    return { ok: true, status: response.status, body: null };
  }

  /** What went wrong, in the console's language; the service's own detail (English) follows. */
  function problem(answer) {
    const known = [0, 401, 403, 404, 409, 422, 429, 503];
    const summary = t(known.includes(answer.status) ? `problem.${answer.status}` : "problem.other", {
      status: answer.status,
    });
    const detail = answer.body && typeof answer.body.detail === "string" ? answer.body.detail : "";
    const fields = answer.body && Array.isArray(answer.body.errors) ? answer.body.errors : [];
    const named = fields.map((e) => `${e.field}: ${e.message}`).join("; ");
    // The rule of the Measures that refused the request, when one did (e.g. A20.2).
    const rule = answer.body && typeof answer.body.requirement === "string" ? `(${answer.body.requirement})` : "";
    return [summary, detail, named, rule].filter(Boolean).join(" ");
  }

  HubConsole.api = { session, signIn, signOut, call, download, problem };
})();
