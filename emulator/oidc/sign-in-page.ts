import { escapeHtml } from "../http";

/** A page shaped like Entra's: inputs named loginfmt and passwd, submit button idSIButton9. */
export function signInPage(opts: {
  action: string;
  hidden: Record<string, string>;
  appName: string;
  error?: string;
  loginfmt?: string;
}): string {
  const hidden = Object.entries(opts.hidden)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join("\n      ");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in to your account</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body{margin:0;font-family:"Segoe UI",system-ui,sans-serif;background:#f2f2f2;display:flex;min-height:100vh;align-items:center;justify-content:center}
  .card{background:#fff;width:440px;max-width:92vw;padding:44px;box-shadow:0 2px 6px rgba(0,0,0,.2);box-sizing:border-box}
  .logo{display:flex;gap:3px;flex-wrap:wrap;width:24px;margin-bottom:16px}.logo i{width:10px;height:10px;display:block}
  h1{font-size:24px;font-weight:600;margin:0 0 4px;color:#1b1b1b}.sub{color:#444;font-size:14px;margin:0 0 16px}
  input[type=email],input[type=password]{width:100%;border:0;border-bottom:1px solid #666;padding:8px 0;font-size:15px;margin-bottom:16px;outline:none;box-sizing:border-box}
  .err{color:#e81123;font-size:14px;margin:0 0 12px}
  .btn{background:#0067b8;color:#fff;border:0;padding:8px 32px;font-size:15px;float:right;cursor:pointer}
  .foot{clear:both;padding-top:24px;font-size:12px;color:#666}
</style></head>
<body><div class="card">
  <div class="logo" aria-hidden="true"><i style="background:#f25022"></i><i style="background:#7fba00"></i><i style="background:#00a4ef"></i><i style="background:#ffb900"></i></div>
  <h1>Sign in</h1>
  <p class="sub">to continue to ${escapeHtml(opts.appName)}</p>
  ${opts.error ? `<div id="usernameError" class="err" role="alert">${escapeHtml(opts.error)}</div>` : ""}
  <form method="post" action="${escapeHtml(opts.action)}" name="f1">
      ${hidden}
      <input type="email" name="loginfmt" id="i0116" placeholder="Email, phone, or Skype" autocomplete="username" value="${escapeHtml(opts.loginfmt ?? "")}" required aria-label="Email, phone, or Skype">
      <input type="password" name="passwd" id="i0118" placeholder="Password" autocomplete="current-password" aria-label="Password">
      <input type="submit" id="idSIButton9" class="btn" value="Sign in">
  </form>
  <div class="foot">Microsoft Entra ID emulator · Contoso</div>
</div></body></html>`;
}

export function errorPage(code: number, message: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in to your account</title></head>
<body style="font-family:'Segoe UI',sans-serif;padding:40px"><h1>Sorry, but we're having trouble signing you in.</h1>
<p id="errorMessage">AADSTS${code}: ${escapeHtml(message)}</p></body></html>`;
}
