/**
 * A minimal upstream for `npm run bench:mesh`: plain node:http on HOST:PORT (default 127.0.0.1:8090) that
 * reads each request's body and answers 200 with its own name, UPSTREAM_NAME, as plain text. The name
 * tells the bench which subset the mesh routed a request to; there is no framework, logging or work, so
 * what the bench measures is the proxy in front of it.
 */
import { createServer } from 'node:http';

function fail(message: string): never {
  process.stderr.write(`named-upstream: ${message}\n`);
  process.exit(2);
}

const name = process.env['UPSTREAM_NAME'] ?? '';
if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(name)) {
  fail(`UPSTREAM_NAME must be a lower-case name such as "primary" (got ${JSON.stringify(name)})`);
}
const portText = process.env['PORT'] ?? '8090';
const port = Number(portText);
if (!/^\d+$/.test(portText) || port > 65535) {
  fail(`PORT must be a port number from 0 to 65535 (got ${JSON.stringify(portText)})`);
}
const host = process.env['HOST'] ?? '127.0.0.1';

const answer = Buffer.from(name);
const server = createServer((req, res) => {
  req.resume(); // read the body before answering, as a real worker does
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': answer.length });
    res.end(answer);
  });
});
server.keepAliveTimeout = 65_000; // longer than the callers' idle time: no connection closes mid-run
server.on('error', (err) => fail(`cannot listen on ${host}:${port}: ${err.message}`));
server.listen(port, host);
