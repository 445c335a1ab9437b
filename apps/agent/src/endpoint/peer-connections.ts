import { connect, createSecureContext, type PeerCertificate, type SecureContext, type TLSSocket } from "node:tls";
import { spiffeId } from "@mesh/shared";
import type { EndpointState } from "../balancer/endpoint-state.ts";
import type { TlsCredentials } from "../state.ts";
import { UpstreamPool } from "../upstream/upstream-pool.ts";
import { ReconnectProbes } from "./reconnect-probe.ts";

/** Idle connections close before the peer's keep-alive timeout (65 s) would cut one in use. */
const PEER_IDLE_MS = 60_000;

/**
 * Kept-alive mTLS connections to peer agents, one pool per endpoint, presenting our certificate
 * and accepting only a peer whose certificate (signed by the mesh CA) carries the destination
 * service's SPIFFE ID. New credentials start new pools; busy connections of old ones finish their
 * request. Endpoints marked unreachable are reconnected to in the background until one connection succeeds.
 */
export class PeerConnections {
  private secureContext: SecureContext | null = null;
  private readonly pools = new Map<EndpointState, UpstreamPool>();
  private readonly probes = new ReconnectProbes((state, expected) => this.connectOnce(state, expected, null));

  setCredentials(credentials: TlsCredentials): void {
    this.secureContext = createSecureContext({ key: credentials.keyPem, cert: credentials.certificatePem, ca: credentials.caPem });
    for (const pool of this.pools.values()) pool.close();
    this.pools.clear();
  }

  /** Drops the pools of endpoints that left the snapshot. */
  retainOnly(live: ReadonlySet<EndpointState>): void {
    this.probes.retainOnly(live);
    for (const [state, pool] of this.pools) {
      if (live.has(state)) continue;
      pool.close();
      this.pools.delete(state);
    }
  }

  /** The pool for one endpoint of `destination`; null until credentials arrive. */
  poolFor(state: EndpointState, trustDomain: string, destination: string): UpstreamPool | null {
    let pool = this.pools.get(state);
    if (pool) return pool;
    if (!this.secureContext) return null;
    const expected = spiffeId(trustDomain, destination);
    // A new connection resumes the last TLS session with this peer: one round trip and no certificate exchange.
    let session: Buffer | null = null;
    pool = new UpstreamPool(() => {
      const socket = this.connectOnce(state, expected, session)!;
      socket.once("session", (ticket: Buffer) => (session = ticket));
      return { socket, connectEvent: "secureConnect" };
    }, PEER_IDLE_MS);
    this.pools.set(state, pool);
    return pool;
  }

  /** Reconnects to an endpoint just marked unreachable, with backoff, until it is reachable again. */
  probe(state: EndpointState, trustDomain: string, destination: string): void {
    this.probes.start(state, spiffeId(trustDomain, destination));
  }

  close(): void {
    this.probes.close();
    for (const pool of this.pools.values()) pool.close();
    this.pools.clear();
  }

  private connectOnce(state: EndpointState, expected: string, session: Buffer | null): TLSSocket | null {
    if (!this.secureContext) return null;
    return connect({
      host: state.endpoint.address,
      port: state.endpoint.port,
      secureContext: this.secureContext,
      ...(session ? { session } : {}),
      // Our peers are named by SPIFFE ID, not DNS: the certificate must name the service we meant to call.
      checkServerIdentity: (_host: string, certificate: PeerCertificate) => verifyPeerIdentity(certificate, expected),
    });
  }
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
