/** The hosted pages' one script: passkey sign-in (button and autofill), magic-link request, passkey creation. */
import {
  browserSupportsWebAuthn,
  browserSupportsWebAuthnAutofill,
  startAuthentication,
  startRegistration,
  WebAuthnAbortService,
} from "@simplewebauthn/browser";

const csrf = document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content ?? "";

function status(message: string, kind: "info" | "error" = "info"): void {
  const el = document.getElementById("status");
  if (!el) return;
  el.textContent = message;
  el.dataset.kind = kind;
}

async function postJson(path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
    body: JSON.stringify(body),
    credentials: "same-origin",
  });
  const data = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) throw new Error(typeof data.message === "string" ? data.message : "Something went wrong. Try again.");
  return data;
}

function explain(err: unknown): string {
  if (err instanceof Error) {
    if (err.name === "NotAllowedError" || err.name === "AbortError")
      return "The passkey request was cancelled or timed out.";
    if (err.name === "InvalidStateError") return "This device already has a passkey for your account.";
    return err.message;
  }
  return "Something went wrong. Try again.";
}

async function signInWithPasskey(returnTo: string, email: string | null, autofill: boolean): Promise<void> {
  const optionsJSON = (await postJson("/auth/passkey/options", email ? { email } : {})) as never;
  const response = await startAuthentication({ optionsJSON, useBrowserAutofill: autofill });
  status("Checking your passkey…");
  const result = await postJson("/auth/passkey/verify", { response, return_to: returnTo });
  window.location.assign(String(result.redirect));
}

function setupSignIn(): void {
  const form = document.getElementById("signin-form") as HTMLFormElement | null;
  if (!form) return;
  const returnTo = form.dataset.returnTo ?? "/account";
  const emailInput = document.getElementById("email") as HTMLInputElement;
  const passkeyButton = document.getElementById("passkey-signin") as HTMLButtonElement;

  if (!browserSupportsWebAuthn()) {
    passkeyButton.disabled = true;
    status("This browser cannot use passkeys here. Use an email link instead.");
  }

  passkeyButton.addEventListener("click", () => {
    const email = emailInput.value.trim() || null;
    status("Follow your browser's prompt to use your passkey…");
    signInWithPasskey(returnTo, email, false).catch((err) => status(explain(err), "error"));
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const email = emailInput.value.trim();
    if (!email) {
      status("Enter your email address first.", "error");
      emailInput.focus();
      return;
    }
    // Cloudflare Turnstile puts its token in a hidden input named cf-turnstile-response when it is on.
    const turnstile = form.querySelector<HTMLInputElement>('input[name="cf-turnstile-response"]')?.value;
    postJson("/auth/email", { email, return_to: returnTo, ...(turnstile ? { turnstile_token: turnstile } : {}) })
      .then((data) => status(String(data.message)))
      .catch((err) => status(explain(err), "error"));
  });

  // Conditional UI (WebAuthn L3 §5.1.4.1 "conditional" mediation): passkeys offered in the email field's autofill.
  void browserSupportsWebAuthnAutofill().then((supported) => {
    if (!supported) return;
    signInWithPasskey(returnTo, null, true).catch((err: unknown) => {
      // The autofill request is silent by design: cancelled (the button started another ceremony) or
      // not allowed (nothing chosen, no passkey on this device) are not errors worth showing.
      if (err instanceof Error && (err.name === "AbortError" || err.name === "NotAllowedError")) return;
      status(explain(err), "error");
    });
  });
}

async function createPasskey(returnTo: string | null): Promise<void> {
  WebAuthnAbortService.cancelCeremony();
  const optionsJSON = (await postJson("/auth/passkey/register/options", {})) as never;
  status("Follow your browser's prompt to create your passkey…");
  const response = await startRegistration({ optionsJSON });
  await postJson("/auth/passkey/register/verify", { response, return_to: returnTo ?? "/account" });
  status("Passkey created.");
  window.location.assign(returnTo ?? "/account");
}

function setupCreatePasskey(buttonId: string, returnTo: string | null): void {
  const button = document.getElementById(buttonId);
  if (!button) return;
  button.addEventListener("click", () => {
    createPasskey(returnTo).catch((err) => status(explain(err), "error"));
  });
}

setupSignIn();
const offerActions = document.querySelector<HTMLElement>("[data-return-to]");
setupCreatePasskey("create-passkey", offerActions?.dataset.returnTo ?? "/account");
setupCreatePasskey("add-passkey", "/account");
