import { spawn } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import path from "node:path";
import { waitFor } from "../packages/testkit/src/wait-for.ts";
import { createTestPki } from "../apps/agent/test/support/test-pki.ts";
import { childPids } from "./process-stats.ts";

export interface RunningNginx {
  /** The master process; it only supervises. */
  pid: number;
  /** The worker processes (one here), which do the proxying and whose CPU is measured. */
  workerPids(): Promise<number[]>;
  stop(): Promise<void>;
}

/**
 * nginx in the foreground, one worker (like the agent's one event loop), in a directory of its own. Keep-alive is
 * not cut short on either side: nginx's default closes a connection after 1,000 requests (and its keep-alive
 * upstream connections likewise), the agents do not, and over TLS each reconnection is a handshake.
 */
export async function startNginx(dir: string, httpBody: string, ready: () => Promise<boolean>): Promise<RunningNginx> {
  await mkdir(dir, { recursive: true });
  const config = `
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  keepalive_timeout 65s;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${httpBody}
}
`;
  await writeFile(path.join(dir, "nginx.conf"), config);
  const nginx = spawn("nginx", ["-c", path.join(dir, "nginx.conf"), "-p", dir], { stdio: ["ignore", "ignore", "pipe"] });
  let errors = "";
  nginx.stderr.on("data", (chunk: Buffer) => (errors = (errors + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => nginx.once("exit", () => resolve()));
  const stop = async () => {
    if (nginx.exitCode === null && nginx.signalCode === null) nginx.kill("SIGTERM");
    await exited;
  };
  try {
    await waitFor(
      async () => {
        if (nginx.exitCode !== null) throw new Error(`nginx exited with ${nginx.exitCode}: ${errors}`);
        return ready();
      },
      { timeoutMs: 10_000, what: "nginx to start" },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { pid: nginx.pid!, workerPids: () => childPids(nginx.pid!), stop };
}

/** A keep-alive upstream block: connections reused, never closed after a request count. */
function upstream(name: string, port: number): string {
  return `  upstream ${name} { server 127.0.0.1:${port}; keepalive 64; keepalive_requests 1000000; keepalive_timeout 60s; }`;
}

const PROXY_KEEPALIVE = `      proxy_http_version 1.1;
      proxy_set_header Connection "";`;

/** One nginx worker in front of the app, keep-alive upstream. */
export function startPlainNginx(dir: string, port: number, appPort: number): Promise<RunningNginx> {
  const body = `${upstream("app", appPort)}
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://app;
${PROXY_KEEPALIVE}
    }
  }`;
  return startNginx(dir, body, async () => (await fetch(`http://127.0.0.1:${port}/`).catch(() => null))?.ok ?? false);
}

export interface NginxMtlsPair {
  /** nginx A's plain listener. */
  url: string;
  /** A (the caller's side: plain in, mTLS out), then B (the app's side: mTLS in, plain out). */
  nginx: [RunningNginx, RunningNginx];
  stop(): Promise<void>;
}

/**
 * The mesh path done by two nginx: A takes plain HTTP and proxies over TLS with a client certificate, verifying B's
 * certificate against the CA; B terminates TLS with `ssl_verify_client on` against the same CA and proxies to the
 * app. Keep-alive upstreams on both hops, one worker each, ECDSA P-256 certificates from the same kind of CA as the
 * agents' (apps/agent/test/support/test-pki.ts: SAN URI spiffe://…, CN the service name, which A checks).
 */
export async function startNginxMtlsPair(dir: string, ports: { a: number; b: number }, appPort: number): Promise<NginxMtlsPair> {
  const pki = await createTestPki();
  const [caller, app] = await Promise.all([pki.issue("caller"), pki.issue("app")]);
  const certs = path.join(dir, "certs");
  await mkdir(certs, { recursive: true });
  const file = async (name: string, pem: string) => {
    const at = path.join(certs, name);
    await writeFile(at, pem, { mode: 0o600 });
    return at;
  };
  const ca = await file("ca.pem", pki.caPem);
  const [callerCert, callerKey, appCert, appKey] = await Promise.all([
    file("caller.crt", caller.certificatePem),
    file("caller.key", caller.keyPem),
    file("app.crt", app.certificatePem),
    file("app.key", app.keyPem),
  ]);

  const b = await startNginx(
    path.join(dir, "b"),
    `${upstream("app", appPort)}
  server {
    listen 127.0.0.1:${ports.b} ssl;
    ssl_certificate ${appCert};
    ssl_certificate_key ${appKey};
    ssl_client_certificate ${ca};
    ssl_verify_client on;
    ssl_verify_depth 1;
    location / {
      proxy_pass http://app;
${PROXY_KEEPALIVE}
    }
  }`,
    () => tcpOpen(ports.b),
  );
  try {
    const a = await startNginx(
      path.join(dir, "a"),
      `${upstream("b", ports.b)}
  server {
    listen 127.0.0.1:${ports.a};
    location / {
      proxy_pass https://b;
${PROXY_KEEPALIVE}
      proxy_ssl_certificate ${callerCert};
      proxy_ssl_certificate_key ${callerKey};
      proxy_ssl_trusted_certificate ${ca};
      proxy_ssl_verify on;
      proxy_ssl_verify_depth 1;
      proxy_ssl_name app;
      proxy_ssl_session_reuse on;
    }
  }`,
      // Through B: a 200 means the whole mTLS hop works (a refused client certificate would be a 400 from B, a
      // refused server certificate a 502 from A).
      async () => (await fetch(`http://127.0.0.1:${ports.a}/`).catch(() => null))?.ok ?? false,
    );
    return { url: `http://127.0.0.1:${ports.a}/ratings/1`, nginx: [a, b], stop: async () => void (await Promise.all([a.stop(), b.stop()])) };
  } catch (error) {
    await b.stop();
    throw error;
  }
}

function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });
}
