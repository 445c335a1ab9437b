import { X509Certificate } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import type { ControlPlaneDeps } from "../deps.ts";
import { parseAdmissionReview } from "./admission-review.ts";
import { publishCaBundle } from "./ca-bundle.ts";
import { buildInjectionPatch, type InjectionOptions } from "./injection-patch.ts";
import { webhookSettingsFromEnv, type WebhookSettings } from "./webhook-settings.ts";

/** The API server sends at most ~3 MiB objects; anything larger is not an AdmissionReview. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

export interface InjectionWebhook {
  port: number;
  close(): Promise<void>;
}

/** The Kubernetes sidecar-injection webhook: HTTPS (certificate from the mesh CA) serving `POST /inject`. */
export async function startInjectionWebhook(deps: ControlPlaneDeps, port: number, settings: WebhookSettings = webhookSettingsFromEnv()): Promise<InjectionWebhook> {
  const { cert, key, notAfter } = await issueCertificate(deps, settings);
  const server = createServer({ cert, key }, (req, res) => {
    handle(req, res, deps, settings.injection).catch((error: unknown) => {
      // failurePolicy Ignore: the API server then admits the pod without the agent.
      deps.log.error({ err: error }, "sidecar injection failed");
      if (!res.headersSent) sendText(res, 500, `sidecar injection failed: ${(error as Error).message}\n`);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "0.0.0.0", () => resolve());
  });
  const renewal = scheduleRenewal(server, deps, settings, notAfter);
  const publishing = settings.caBundleTarget ? keepCaBundlePublished(deps, settings.caBundleTarget) : null;
  deps.log.info({ port: (server.address() as AddressInfo).port, dnsNames: settings.dnsNames }, "sidecar injection webhook listening (https)");
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        renewal.stop();
        publishing?.stop();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function issueCertificate(deps: ControlPlaneDeps, settings: WebhookSettings): Promise<{ cert: string; key: string; notAfter: Date }> {
  const { certificatePem, keyPem } = await deps.authority.issueServerCertificate(settings.dnsNames);
  return { cert: certificatePem, key: keyPem, notAfter: new Date(new X509Certificate(certificatePem).validTo) };
}

/** Swaps in a fresh certificate at half of the current one's remaining life; retries a failed issue a minute later. */
function scheduleRenewal(server: Server, deps: ControlPlaneDeps, settings: WebhookSettings, firstNotAfter: Date) {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const plan = (notAfter: Date) => {
    const delay = Math.min(Math.max((notAfter.getTime() - Date.now()) / 2, 60_000), 2 ** 31 - 1);
    timer = setTimeout(renew, delay).unref();
  };
  const renew = () => {
    issueCertificate(deps, settings).then(
      ({ cert, key, notAfter }) => {
        if (stopped) return;
        server.setSecureContext({ cert, key });
        plan(notAfter);
      },
      (error: unknown) => {
        deps.log.error({ err: error }, "could not renew the injection webhook certificate; retrying in a minute");
        if (!stopped) timer = setTimeout(renew, 60_000).unref();
      },
    );
  };
  plan(firstNotAfter);
  return {
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

/** Publishes the CA until it sticks: at first install the webhook configuration may be created after us. */
function keepCaBundlePublished(deps: ControlPlaneDeps, target: NonNullable<WebhookSettings["caBundleTarget"]>) {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const attempt = () => {
    publishCaBundle(target.api, target.configurationName, deps.authority.caPem).then(
      (changed) => deps.log.info({ configuration: target.configurationName, changed }, "mesh CA published as the injection webhook's caBundle"),
      (error: unknown) => {
        deps.log.warn({ err: error, configuration: target.configurationName }, "could not publish the injection webhook's caBundle; retrying in 15 s");
        if (!stopped) timer = setTimeout(attempt, 15_000).unref();
      },
    );
  };
  attempt();
  return {
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, deps: ControlPlaneDeps, options: InjectionOptions): Promise<void> {
  const path = (req.url ?? "/").split("?")[0];
  if (path !== "/inject") return sendText(res, 404, "not found: the injection webhook serves POST /inject\n");
  if (req.method !== "POST") return sendText(res, 405, "method not allowed: POST an AdmissionReview to /inject\n");
  let body: string;
  try {
    body = await readBody(req);
  } catch (error) {
    return sendText(res, 413, `${(error as Error).message}\n`);
  }
  let review;
  try {
    review = parseAdmissionReview(body);
  } catch (error) {
    return sendText(res, 400, `not an AdmissionReview (admission.k8s.io/v1): ${(error as Error).message}\n`);
  }
  const answer = buildInjectionPatch(review, options);
  const { request } = review;
  deps.log.info(
    { namespace: request.namespace, name: request.name || undefined, injected: Boolean(answer.response?.patch), warnings: answer.response?.warnings },
    "sidecar injection review",
  );
  res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new Error(`body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function sendText(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8" }).end(body);
}
