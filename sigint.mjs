import http from "node:http";
const s = http.createServer((q, r) => r.end("x")).listen(3411, "127.0.0.1", () => console.log("up"));
