// A stand-in for an OpenAI-compatible model server, for the browser tests:
// it speaks the chat-completions wire format (streaming and not), so the
// app's real client code runs. It answers from the passages in the prompt:
// it cites the passage that holds "1,577" (or else the first), and streams
// its answer slowly, a few words at a time, so a test can watch it arrive.
import http from "node:http";

const port = Number(process.env.MOCK_MODEL_PORT ?? 3199);
const pieceDelayMs = Number(process.env.MOCK_MODEL_DELAY_MS ?? 400);

/** The numbered passages `[n] (place)\ntext` of the system prompt. */
function passages(system) {
  const found = [];
  const pattern = /\n\n\[(\d+)\] \(([^)]*)\)\n([\s\S]*?)(?=\n\n\[\d+\] \(|$)/g;
  for (const match of system.matchAll(pattern)) {
    found.push({ number: Number(match[1]), place: match[2], text: match[3] });
  }
  return found;
}

function answerPieces(messages) {
  const system = messages.find((m) => m.role === "system")?.content ?? "";
  const list = passages(system);
  const cited = list.find((p) => p.text.includes("1,577")) ?? list[0];
  const citation = cited ? ` [${cited.number}]` : "";
  return [
    "Purchases of ",
    "property, plant ",
    "and equipment ",
    "were **$1,577 million** ",
    `in 2018${citation}.`,
  ];
}

function chunk(model, delta, finish = null) {
  return `data: ${JSON.stringify({
    id: "chatcmpl-e2e",
    object: "chat.completion.chunk",
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, delta, finish_reason: finish }],
  })}\n\n`;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const server = http.createServer(async (request, response) => {
  if (request.method === "GET") {
    response.writeHead(200, { "content-type": "text/plain" }).end("mock model\n");
    return;
  }
  let body = "";
  for await (const part of request) body += part;
  let parsed;
  try {
    parsed = JSON.parse(body);
  } catch {
    response.writeHead(400, { "content-type": "application/json" });
    response.end(JSON.stringify({ error: { message: "invalid JSON", type: "invalid_request_error" } }));
    return;
  }
  const pieces = answerPieces(parsed.messages ?? []);
  const model = parsed.model ?? "mock";
  if (!parsed.stream) {
    response.writeHead(200, { "content-type": "application/json" });
    response.end(JSON.stringify({
      id: "chatcmpl-e2e",
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model,
      choices: [{ index: 0, message: { role: "assistant", content: pieces.join("") }, finish_reason: "stop" }],
    }));
    return;
  }
  response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  response.write(chunk(model, { role: "assistant", content: "" }));
  for (const piece of pieces) {
    await sleep(pieceDelayMs);
    if (response.destroyed) return;
    response.write(chunk(model, { content: piece }));
  }
  response.write(chunk(model, {}, "stop"));
  response.end("data: [DONE]\n\n");
});

server.listen(port, "127.0.0.1");
