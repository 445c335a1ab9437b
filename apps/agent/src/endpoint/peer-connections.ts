import { Agent } from "node:https";
import { connect, createSecureContext, type PeerCertificate, type SecureContext, type TLSSocket } from "node:tls";
import { spiffeId } from "@mesh/shared";
import type { TlsCredentials } from "../state.ts";
import type { EndpointState } from "../balancer/endpoint-state.ts";
import { ReconnectProbes } from "./reconnect-probe.ts";

/**
 * Pooled keep-alive mTLS connections to peer agents: one https.Agent per endpoint, presenting our
 * certificate and accepting only a peer whose certificate (signed by the mesh CA) carries the
 * destination service's SPIFFE ID. New credentials start new pools; old ones drain on their own.
 * Endpoints marked unreachable are reconnected to in the background until one connection succeeds.
 */
export class PeerConnections {
  private secureContext: SecureContext | null = null;
  private readonly agents = new Map<EndpointState, Agent>();
  private readonly probes = new ReconnectProbes((state, expected) => this.connectOnce(state, expected));

  setCredentials(credentials: TlsCredentials): void {
    this.secureContext = createSecureContext({ key: credentials.keyPem, cert: credentials.certificatePem, ca: credentials.caPem });
    for (const agent of this.agents.values()) closeIdle(agent);
    this.agents.clear();
  }

  /** Drops the pools of endpoints that left the snapshot. */
  retainOnly(live: ReadonlySet<EndpointState>): void {
    this.probes.retainOnly(live);
    for (const [state, agent] of this.agents) {
      if (live.has(state)) continue;
      closeIdle(agent);
      this.agents.delete(state);
    }
  }

  /** The pool for one endpoint of `destination`; null until credentials arrive. */
  agentFor(state: EndpointState, trustDomain: string, destination: string): Agent | null {
    let agent = this.agents.get(state);
    if (agent) return agent;
    if (!this.secureContext) return null;
    const expected = spiffeId(trustDomain, destination);
    agent = new NoDelayAgent({
      keepAlive: true,
      scheduling: "lifo",
      // Idle connections close before the peer's keep-alive timeout (65 s) would cut one in use.
      timeout: 60_000,
      secureContext: this.secureContext,
      // Our peers are named by SPIFFE ID, not DNS: the certificate must name the service we meant to call.
      checkServerIdentity: (_host: string, certificate: PeerCertificate) => verifyPeerIdentity(certificate, expected),
    });
    this.agents.set(state, agent);
    return agent;
  }

  /** Reconnects to an endpoint just marked unreachable, with backoff, until it is reachable again. */
  probe(state: EndpointState, trustDomain: string, destination: string): void {
    this.probes.start(state, spiffeId(trustDomain, destination));
  }

  close(): void {
    this.probes.close();
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }

  private connectOnce(state: EndpointState, expected: string): TLSSocket | null {
    if (!this.secureContext) return null;
    return connect({
      host: state.endpoint.address,
      port: state.endpoint.port,
      secureContext: this.secureContext,
      checkServerIdentity: (_host: string, certificate: PeerCertificate) => verifyPeerIdentity(certificate, expected),
    });
  }
}

/**
 * tls.connect ignores the noDelay option, and with Nagle on, a response head and body written
 * separately wait for the peer's delayed ACK (~40 ms): set it on each new connection.
 */
class NoDelayAgent extends Agent {
  override createConnection(...args: Parameters<Agent["createConnection"]>): ReturnType<Agent["createConnection"]> {
    const socket = super.createConnection(...args);
    (socket as TLSSocket | null | undefined)?.setNoDelay(true);
    return socket;
  }
}

/** Idle sockets of a retired pool close now; busy ones finish their request and are dropped with it. */
function closeIdle(agent: Agent): void {
  for (const sockets of Object.values(agent.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
}

export function verifyPeerIdentity(certificate: PeerCertificate, expected: string): Error | undefined {
  const uris = sanUris(certificate.subjectaltname);
  if (uris.includes(expected)) return undefined;
  const error = new Error(`peer certificate identity ${uris.join(", ") || "(none)"} is not ${expected}`) as Error & { code: string };
  error.code = "ERR_MESH_PEER_IDENTITY";
  return error;
}

/** The URI entries of a certificate's subjectaltname string ("URI:spiffe://…, DNS:…"). */
export function sanUris(subjectAltName: string | undefined): string[] {
  if (!subjectAltName) return [];
  const uris: string[] = [];
  for (const entry of subjectAltName.split(", ")) if (entry.startsWith("URI:")) uris.push(entry.slice(4));
  return uris;
}
