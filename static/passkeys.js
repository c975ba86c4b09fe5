// Portico passkeys: runs the WebAuthn ceremonies of the passkey buttons
// (templates/passkey_*.html). Each button names its start and finish
// endpoints; binary fields travel as base64url (WebAuthn Level 2 JSON).
(function () {
  "use strict";

  function toBuffer(text) {
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) { b64 += "="; }
    var binary = atob(b64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) { bytes[i] = binary.charCodeAt(i); }
    return bytes.buffer;
  }

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i++) { binary += String.fromCharCode(bytes[i]); }
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  async function post(url, csrf, body) {
    var response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body)
    });
    var data = {};
    try { data = await response.json(); } catch (e) { data = {}; }
    if (!response.ok) {
      throw new Error(data.error || "The server answered " + response.status + ".");
    }
    return data;
  }

  function creationOptions(options) {
    var pk = options.publicKey;
    pk.challenge = toBuffer(pk.challenge);
    pk.user.id = toBuffer(pk.user.id);
    (pk.excludeCredentials || []).forEach(function (c) { c.id = toBuffer(c.id); });
    return { publicKey: pk };
  }

  function requestOptions(options) {
    var pk = options.publicKey;
    pk.challenge = toBuffer(pk.challenge);
    (pk.allowCredentials || []).forEach(function (c) { c.id = toBuffer(c.id); });
    return { publicKey: pk };
  }

  function attestation(credential) {
    return {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      response: {
        attestationObject: toBase64url(credential.response.attestationObject),
        clientDataJSON: toBase64url(credential.response.clientDataJSON)
      },
      extensions: credential.getClientExtensionResults()
    };
  }

  function assertion(credential) {
    var r = credential.response;
    return {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      response: {
        authenticatorData: toBase64url(r.authenticatorData),
        clientDataJSON: toBase64url(r.clientDataJSON),
        signature: toBase64url(r.signature),
        userHandle: r.userHandle ? toBase64url(r.userHandle) : null
      },
      extensions: credential.getClientExtensionResults()
    };
  }

  function status(button, message) {
    var box = button.parentElement.querySelector("[data-passkey-status]");
    if (!box) { return; }
    box.textContent = message || "";
    box.hidden = !message;
  }

  function explain(error) {
    if (error && error.name === "NotAllowedError") {
      return "The passkey request was cancelled or timed out.";
    }
    if (error && error.name === "InvalidStateError") {
      return "This authenticator already holds a passkey for your account.";
    }
    return (error && error.message) || "The passkey did not work.";
  }

  async function register(button) {
    var d = button.dataset;
    var nameField = document.getElementById("passkey-name");
    var options = await post(d.start, d.csrf, {});
    var credential = await navigator.credentials.create(creationOptions(options));
    await post(d.finish, d.csrf, {
      name: nameField ? nameField.value : "",
      credential: attestation(credential)
    });
    window.location.reload();
  }

  async function authenticate(button) {
    var d = button.dataset;
    var options = await post(d.start, d.csrf, { req: d.req });
    var credential = await navigator.credentials.get(requestOptions(options));
    var result = await post(d.finish, d.csrf, { credential: assertion(credential) });
    window.location.assign(result.redirect);
  }

  function wire(selector, ceremony) {
    document.querySelectorAll(selector).forEach(function (button) {
      if (button.dataset.passkeyWired) { return; }
      button.dataset.passkeyWired = "1";
      if (!window.PublicKeyCredential) {
        button.disabled = true;
        status(button, "This browser does not support passkeys.");
        return;
      }
      button.addEventListener("click", async function () {
        button.disabled = true;
        status(button, "");
        try {
          await ceremony(button);
        } catch (error) {
          status(button, explain(error));
        } finally {
          button.disabled = false;
        }
      });
    });
  }

  wire("[data-passkey-register]", register);
  wire("[data-passkey-assert]", authenticate);
}());
