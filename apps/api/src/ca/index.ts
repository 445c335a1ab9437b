export { loadOrCreateAuthority, type CertificateAuthority, type AuthorityOptions, type CaKeyStorage, type ServerCertificate } from "./authority.ts";
export { CertificateRequestError } from "./errors.ts";
export { CA_KEY_FILE } from "./key-store.ts";
