/* The console's one way to the hub: the services' public APIs through the gateway, with the signed-in user's bearer
   token (the hub's session.js keeps it); the roles, region and agency shown are the token's own claims (the gateway
   decides with the same ones). */
"use strict";

(() => {
  const { t } = HubConsole.i18n;
  // An expired or revoked token: the console asks the user to sign in again.
  const { session, signIn, signOut, send, call } = HubSession.open("hub.console.session", {
    onExpired: () => window.dispatchEvent(new CustomEvent("hub:signed-out", { detail: "expired" })),
  });

  /** Fetch a file with the user's token and hand it to the browser as a download named `file`. */
  async function download(path, file) {
    let response;
    try {
      response = await send(path, { accept: "*/*" });
    } catch {
      return { ok: false, status: 0, body: null };
    }
    if (!response.ok) return { ok: false, status: response.status, body: await HubSession.parsed(response) };
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
