/* What every page of the hub that calls its API shares (the bureau's console and the open data portal): the
   signed-in user's access token from the gateway's token endpoint (the password grant, as people sign in), kept in
   sessionStorage for this tab only until a little before it expires, and `call`, which sends a request with it and
   answers {ok, status, body} without ever throwing. Loaded before the page's own scripts. */
"use strict";

window.HubSession = (() => {
  // A little before the gateway's own expiry, so no request leaves with a token about to lapse.
  const MARGIN_SECONDS = 10;

  /** A token's claims (its payload, base64url JSON), as the gateway signed them. */
  function claimsOf(token) {
    const payload = token.split(".")[1] || "";
    const base64 = payload.replace(/-/g, "+").replace(/_/g, "/");
    const bytes = Uint8Array.from(atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4)), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  }

  /** A response's body parsed from JSON, or null when it is empty or not JSON. */
  async function parsed(response) {
    const text = await response.text();
    try {
      return text ? JSON.parse(text) : null;
    } catch {
      return null;
    }
  }

  /** The session kept under `key`. `tokenPath` is the gateway's token endpoint; `onExpired` runs when the gateway
      refuses the session's token (expired or revoked), after the session is dropped. */
  function open(key, { tokenPath = "/auth/token", onExpired = () => {} } = {}) {
    /** The signed-in user ({token, login, expires, claims}), or null when nobody is or the token expired. */
    function session() {
      try {
        const saved = JSON.parse(sessionStorage.getItem(key) ?? "null");
        return saved && saved.expires > Date.now() ? saved : null;
      } catch {
        return null;
      }
    }

    function signOut() {
      sessionStorage.removeItem(key);
    }

    /** fetch() with the session's token (unless `auth` is false); throws only when no answer came. */
    async function send(path, { method = "GET", json, form, headers = {}, auth = true, accept = "application/json" } = {}) {
      const request = { method, headers: { accept, ...headers } };
      const current = session();
      if (auth && current) request.headers.authorization = `Bearer ${current.token}`;
      if (json !== undefined) {
        request.headers["content-type"] = "application/json";
        request.body = JSON.stringify(json);
      }
      if (form !== undefined) request.body = new URLSearchParams(form);
      const response = await fetch(path, request);
      if (response.status === 401 && auth && current) {
        signOut();
        onExpired();
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
      return { ok: response.ok, status: response.status, body: await parsed(response) };
    }

    /** Sign in with the password grant; the answer ({ok, status, body}) says whether it worked. */
    async function signIn(login, password) {
      const answer = await call(tokenPath, {
        method: "POST",
        form: { grant_type: "password", username: login, password },
        auth: false,
      });
      if (answer.ok) {
        const token = answer.body.access_token;
        const expires = Date.now() + Math.max(0, answer.body.expires_in - MARGIN_SECONDS) * 1000;
        sessionStorage.setItem(key, JSON.stringify({ token, login, expires, claims: claimsOf(token) }));
      }
      return answer;
    }

    return { session, signOut, signIn, send, call };
  }

  return { open, parsed };
})();
