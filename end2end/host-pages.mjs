// "Customer sites" for the widget's browser tests: one page served on two
// ports (two origins, one allowed by the test's assistant, one not). The
// page embeds the chat snippet for `/?app=<app base URL>&key=<public key>`
// (no snippet without them, so a test can add it later), and has a hostile
// stylesheet and content of its own to check that no style crosses the
// widget's boundary in either direction.
import http from "node:http";

const ports = (process.env.HOST_PAGES_PORTS ?? "3150,3151").split(",").map(Number);

const escape = (text) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(url) {
  const app = url.searchParams.get("app");
  const key = url.searchParams.get("key");
  const snippet = app && key
    ? `<script src="${escape(app)}/embed.js" data-assistant="${escape(key)}" async></script>`
    : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Customer site</title>
<style>
  * { color: red !important; font-size: 40px }
  html { font-size: 30px }
  body { font-family: "Comic Sans MS", cursive; line-height: 3; letter-spacing: 3px; text-transform: uppercase;
         text-align: center; cursor: crosshair; white-space: pre; }
  button { background: yellow; border: 5px dashed green; padding: 30px; border-radius: 0 }
  div, p, span, textarea, details, ol, li, svg { margin: 25px; padding: 25px; border: 3px solid orange; display: inline }
  [role], [aria-label], [hidden] { display: block !important; outline: 4px solid purple }
</style>
</head>
<body>
<h1>Customer site</h1>
<p id="host-text">Welcome to our shop.</p>
<button id="host-button" type="button">Buy now</button>
${snippet}
</body>
</html>
`;
}

for (const port of ports) {
  http
    .createServer((request, response) => {
      const url = new URL(request.url, `http://127.0.0.1:${port}`);
      if (url.pathname !== "/") {
        response.writeHead(404, { "Content-Type": "text/plain" }).end("Not found");
        return;
      }
      response.writeHead(200, { "Content-Type": "text/html; charset=utf-8" }).end(page(url));
    })
    .listen(port, "127.0.0.1");
}
