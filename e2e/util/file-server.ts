// A static file server on another origin for the "image by URL" tests: range requests (206), CORS with the
// Content-Range header exposed, and Cross-Origin-Resource-Policy so a cross-origin-isolated page may fetch it.
import { createServer, type Server } from "node:http";
import { openSync, readSync, closeSync, statSync, existsSync } from "node:fs";
import { join, normalize } from "node:path";

export interface FileServer { url: string; requests: string[]; stop(): Promise<void> }

export function serveFiles(dir: string): Promise<FileServer> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const name = normalize(decodeURIComponent((req.url ?? "/").split("?")[0])).replace(/^(\.\.[/\\])+/, "");
    const path = join(dir, name);
    requests.push(`${req.method} ${name} ${req.headers.range ?? ""}`);
    const cors = {
      "Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "Content-Range, Content-Length, ETag",
      "Access-Control-Allow-Headers": "Range", "Cross-Origin-Resource-Policy": "cross-origin", "Accept-Ranges": "bytes",
    };
    if (req.method === "OPTIONS") { res.writeHead(204, cors); res.end(); return; }
    if (!existsSync(path) || !statSync(path).isFile()) { res.writeHead(404, cors); res.end("not found"); return; }
    const size = statSync(path).size;
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "");
    let start = 0, end = size - 1, status = 200;
    if (m) {
      start = Number(m[1]); end = m[2] ? Math.min(Number(m[2]), size - 1) : size - 1; status = 206;
      if (start >= size) { res.writeHead(416, { ...cors, "Content-Range": `bytes */${size}` }); res.end(); return; }
    }
    const body = Buffer.alloc(end - start + 1);
    const fd = openSync(path, "r");
    readSync(fd, body, 0, body.length, start);
    closeSync(fd);
    res.writeHead(status, { ...cors, "Content-Type": "application/octet-stream", "Content-Length": body.length, ...(status === 206 ? { "Content-Range": `bytes ${start}-${end}/${size}` } : {}) });
    res.end(req.method === "HEAD" ? undefined : body);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => {
    const a = server.address();
    const port = typeof a === "object" && a ? a.port : 0;
    resolve({ url: `http://127.0.0.1:${port}/`, requests, stop: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) });
  }));
}
