import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import { serviceFromSpiffeId } from "@mesh/shared";
import { sanUris } from "../endpoint/peer-connections.ts";

/** The verified caller per connection: certificates are parsed once per connection, not per request. */
const callers = new WeakMap<Socket, string | null>();

/**
 * The calling service from the verified client certificate's SAN URI (never from a header); null
 * for plaintext connections (permissive mode) and certificates that name no service of this mesh.
 */
export function callerService(socket: Socket, trustDomain: string): string | null {
  const known = callers.get(socket);
  if (known !== undefined) return known;
  let service: string | null = null;
  const tlsSocket = socket as TLSSocket;
  if (tlsSocket.encrypted && tlsSocket.authorized) {
    for (const uri of sanUris(tlsSocket.getPeerCertificate().subjectaltname)) {
      service = serviceFromSpiffeId(trustDomain, uri);
      if (service) break;
    }
  }
  callers.set(socket, service);
  return service;
}
