/**
 * The panel's HTML shell. It carries no data: the fixture, the run and every number reach the
 * webview as messages after its `ready`. Scripts run only with a fresh nonce per render; styles,
 * fonts and images only from the webview's own origin (`cspSource`), i.e. from `dist/`.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

/** A fresh base64 nonce from 16 random bytes (never reused across renders). */
export function makeNonce(): string {
  return randomBytes(16).toString('base64');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ') + ';';
}

/** The folder the panel may load from: the built assets only. */
export function assetRoot(extensionUri: vscode.Uri): vscode.Uri {
  return vscode.Uri.joinPath(extensionUri, 'dist');
}

const escapeAttr = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function renderHtml(webview: vscode.Webview, extensionUri: vscode.Uri, nonce = makeNonce()): string {
  const dist = assetRoot(extensionUri);
  const asset = (...p: string[]) => escapeAttr(webview.asWebviewUri(vscode.Uri.joinPath(dist, ...p)).toString());
  const csp = escapeAttr(contentSecurityPolicy(webview.cspSource, nonce));
  const n = escapeAttr(nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${asset('codicons', 'codicon.css')}">
<link rel="stylesheet" href="${asset('webview.css')}">
<title>RNN Stepper</title>
</head>
<body data-state="loading">
<main id="app" aria-busy="true"><p class="loading">Loading the run…</p></main>
<script nonce="${n}" src="${asset('webview.js')}"></script>
</body>
</html>`;
}
